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
import { type CorpusRequest, POSITIONS, toWafInput, wafCorpus } from "../../fixtures/waf/corpus.ts";

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
  it("is the size the issues ask for: thousands of attacks and of legitimate requests, every position", () => {
    expect(attacks.length).toBeGreaterThanOrEqual(10_000);
    expect(legitimate.length).toBeGreaterThanOrEqual(5_000);
    for (const position of POSITIONS) {
      expect(attacks.filter((request) => request.position === position).length, position).toBeGreaterThan(
        4_000,
      );
      expect(legitimate.filter((request) => request.position === position).length, position).toBeGreaterThan(
        1_200,
      );
    }
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

  it("blocks at least 97 % of the attacks in every category and in every position", () => {
    const blockedById = new Map(attacks.map((request) => [request.id, verdict(request).action === "block"]));
    const groups: [string, CorpusRequest[]][] = [
      ...WAF_CATEGORIES.map((category): [string, CorpusRequest[]] => [
        category,
        attacks.filter((request) => request.category === category),
      ]),
      ...POSITIONS.map((position): [string, CorpusRequest[]] => [
        position,
        attacks.filter((request) => request.position === position),
      ]),
    ];
    for (const [name, group] of groups) {
      const missed = group.filter((request) => !blockedById.get(request.id));
      expect(
        1 - missed.length / group.length,
        `${name}: ${missed.length}/${group.length} missed, e.g. ${missed
          .slice(0, 5)
          .map((request) => request.note)
          .join(" | ")}`,
      ).toBeGreaterThanOrEqual(0.97);
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
