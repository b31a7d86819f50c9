import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeywordIndex } from "../../../worker/waf/keywords.ts";

describe("keyword index (Aho-Corasick)", () => {
  it("finds every needle a substring search finds, overlapping ones included", () => {
    const needles = ["on", "onerror", "nerr", "'", "--", "-", "union", "ion", "select", "${", "$", "x"];
    const index = new KeywordIndex(needles);
    fc.assert(
      fc.property(fc.stringMatching(/^[onerruix'${}\-sectl ]{0,60}$/), (text) => {
        const present = new Uint8Array(index.size);
        index.scan(text, present);
        for (const needle of needles) {
          expect(present[index.id(needle)] === 1, `${needle} in ${JSON.stringify(text)}`).toBe(
            text.includes(needle),
          );
        }
      }),
      { numRuns: 2000, seed: 7 },
    );
  });

  it("refuses gates it cannot index", () => {
    expect(() => new KeywordIndex(["ünion"])).toThrow(/not ASCII/);
    expect(() => new KeywordIndex(["a"]).id("b")).toThrow(/not indexed/);
  });
});
