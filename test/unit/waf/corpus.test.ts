import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_LIMITS,
  DEFAULT_POLICY,
  decide,
  indexExclusions,
  inspect,
  PAGE_EXCLUSIONS,
  WAF_CATEGORIES,
} from "../../../worker/waf/index.ts";
import { type CorpusRequest, toWafInput, wafCorpus } from "../../fixtures/waf/corpus.ts";

/** The figures `npm run waf:eval` prints, as assertions (without the timing). */
function verdict(request: CorpusRequest) {
  const policy = DEFAULT_POLICY[request.routeClass];
  const findings = inspect(toWafInput(request), {
    limits: DEFAULT_LIMITS,
    exclusions: indexExclusions(request.exclusions),
  });
  return decide(findings, request.routeClass, policy);
}

const { attacks, legitimate } = wafCorpus();

describe("WAF corpus", () => {
  it("is the size the issue asks for: a few hundred attacks, a larger legitimate set", () => {
    expect(attacks.length).toBeGreaterThanOrEqual(300);
    expect(legitimate.length).toBeGreaterThanOrEqual(500);
    expect(legitimate.length).toBeGreaterThan(attacks.length);
    for (const category of WAF_CATEGORIES) {
      expect(
        attacks.filter((request) => request.category === category).length,
        category,
      ).toBeGreaterThanOrEqual(25);
    }
  });

  it("blocks no legitimate request", () => {
    const falsePositives = legitimate
      .map((request) => ({ request, verdict: verdict(request) }))
      .filter(({ verdict }) => verdict.action === "block")
      .map(
        ({ request, verdict }) =>
          `${request.id} ${request.note}: ${verdict.matches.map((match) => match.ruleId)}`,
      );
    expect(falsePositives).toEqual([]);
  });

  it("blocks at least 95 % of the attacks in every category", () => {
    for (const category of WAF_CATEGORIES) {
      const inCategory = attacks.filter((request) => request.category === category);
      const blocked = inCategory.filter((request) => verdict(request).action === "block").length;
      expect(
        blocked / inCategory.length,
        `${category}: ${blocked}/${inCategory.length}`,
      ).toBeGreaterThanOrEqual(0.95);
    }
  });

  it("never blocks a login form post for what is in the password (property)", () => {
    const printable = fc.constantFrom(
      ...Array.from({ length: 95 }, (_, index) => String.fromCharCode(32 + index)),
    );
    fc.assert(
      fc.property(fc.array(printable, { minLength: 8, maxLength: 64 }), (characters) => {
        const password = characters.join("");
        const request: CorpusRequest = {
          id: "property",
          label: "legitimate",
          routeClass: "public",
          exclusions: PAGE_EXCLUSIONS,
          method: "POST",
          url: "https://coinhubx.com/login.data",
          headers: [["content-type", "application/x-www-form-urlencoded;charset=UTF-8"]],
          body: new URLSearchParams({
            intent: "password",
            redirectTo: "/",
            email: "jo@example.com",
            password,
          }).toString(),
          note: "property",
        };
        return verdict(request).action === "pass";
      }),
      { numRuns: 3000, seed: 42 },
    );
  });
});
