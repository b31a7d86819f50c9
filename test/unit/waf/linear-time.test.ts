// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` here are literal Log4j lookups, the payloads under test.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, inspect } from "../../../worker/waf/index.ts";
import { normalise } from "../../../worker/waf/normalise.ts";
import type { NormalisedValue } from "../../../worker/waf/rule.ts";
import { VALUE_RULES } from "../../../worker/waf/rules/index.ts";

/**
 * Every rule must run in time linear in its input: no nested quantifiers, no ambiguous
 * alternation under a repetition. These inputs are the classic ways to make a backtracking
 * regex go quadratic or exponential, 100 KB long; a catastrophic pattern takes seconds to
 * years on them, a linear one about a millisecond. The bound is generous because the machine
 * is shared; the ratio test below catches quadratic growth that an absolute bound would miss.
 */
const SIZE = 100_000;
const repeat = (unit: string, size = SIZE) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

const ADVERSARIAL: [string, string][] = [
  ["quotes", repeat("'")],
  ["a(", repeat("a(")],
  ["open tags", repeat("<a ")],
  ["one long tag", `<a${repeat("a")}`],
  ["tag with spaces", `<svg${repeat(" x")}`],
  ["lookups", repeat("${")],
  ["nested lookups", `${repeat("${lower:")}j`],
  ["dot-dot", repeat("../")],
  ["dots", repeat(".")],
  ["union", repeat("union ")],
  ["union select", repeat("union select ")],
  ["select", repeat("(select ")],
  ["or", repeat("' or ")],
  ["tautology prefix", repeat("1 or 1=")],
  ["comments", repeat("/*")],
  ["dashes", repeat("-")],
  ["percent", repeat("%25")],
  ["entities", repeat("&#")],
  ["separators", repeat(";a")],
  ["pipes", repeat("|")],
  ["backticks", repeat("`a")],
  ["dollars", repeat("$(")],
  ["spaced javascript", repeat("j a v a s c r i p t ")],
  ["on", repeat(" on")],
  ["onerror", repeat(" onerrorx")],
  ["digits", repeat("1")],
  ["digits and spaces", repeat("1 ")],
  ["word", repeat("a")],
  ["slashes", repeat("/")],
  ["backslashes", repeat("\\")],
  ["newlines", repeat("\nid")],
  ["colons", repeat(":")],
  ["at signs", repeat("@")],
  ["underscores", repeat("_")],
  ["braces", repeat("{{")],
  ["by", repeat("' by ")],
  ["http", repeat("http://")],
];

function asValue(raw: string): NormalisedValue {
  const normalised = normalise(raw, "text", { flags: 0 });
  return {
    target: 0,
    source: "body",
    name: "url",
    raw,
    encoding: "text",
    decoded: normalised.decoded,
    text: normalised.text,
    sql: normalised.text,
    token: false,
  };
}

function millis(run: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = performance.now();
    run();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

describe("linear time", () => {
  it("every rule finishes on 100 KB adversarial inputs in milliseconds", () => {
    const slow: string[] = [];
    for (const [label, raw] of ADVERSARIAL) {
      const value = asValue(raw);
      for (const rule of VALUE_RULES) {
        const elapsed = millis(() => {
          if (rule.kind === "pattern") rule.pattern.test(value.text);
          else rule.check(value);
        });
        if (elapsed > 50) slow.push(`${rule.id} on ${label}: ${elapsed.toFixed(1)} ms`);
      }
    }
    expect(slow).toEqual([]);
  });

  it("normalisation and the whole engine grow linearly with the input", () => {
    const limits = { ...DEFAULT_LIMITS, maxBodyBytes: 2_000_000, maxUrlLength: 2_000_000 };
    const cost = (size: number, unit: string) => {
      const body = JSON.stringify({ label: repeat(unit, size) });
      const input = {
        method: "POST",
        url: `https://coinhubx.com/markets?q=${encodeURIComponent(repeat(unit, size))}`,
        headers: [["content-type", "application/json"]] as [string, string][],
        body: new TextEncoder().encode(body),
      };
      return millis(() => inspect(input, { limits }));
    };
    for (const [label, unit] of [
      ["quotes", "'"],
      ["mixed", "<a href='x' onclick=\"${lower:j}\"> union select ../ ;id | $( `"],
      ["percent", "%25"],
      ["entities", "&#x3c;"],
      ["unicode", "東京 ＜ｓ＞ 💰 "],
    ] as const) {
      const small = cost(20_000, unit);
      const large = cost(200_000, unit);
      expect(large, `${label}: 200 KB took ${large.toFixed(1)} ms`).toBeLessThan(500);
      // Ten times the input: linear is ~10x, quadratic ~100x. Small inputs are noisy, so the
      // bound leaves room for that and still catches quadratic growth.
      expect(
        large / Math.max(small, 0.5),
        `${label}: ${small.toFixed(2)} ms -> ${large.toFixed(2)} ms`,
      ).toBeLessThan(40);
    }
  });

  it("any string over an attack alphabet is evaluated quickly (property)", () => {
    const alphabet = fc.constantFrom(
      ..."'\"`()<>;|&${}[]/\\:=#-*%@. \n\tabcjnorsuxy01".split(""),
      "union",
      "select",
      "${",
      "../",
      "javascript:",
      "on",
      "%2",
      "&#",
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 3000 }), (parts) => {
        const raw = parts.join("");
        const started = performance.now();
        inspect(
          {
            method: "POST",
            url: `https://coinhubx.com/markets?q=${encodeURIComponent(raw.slice(0, 2000))}`,
            headers: [
              ["content-type", "application/json"],
              ["user-agent", raw.slice(0, 500)],
            ],
            body: new TextEncoder().encode(JSON.stringify({ label: raw })),
          },
          { limits: DEFAULT_LIMITS },
        );
        return performance.now() - started < 100;
      }),
      { numRuns: 300, seed: 20_251 },
    );
  });
});
