import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decide, type Policy } from "../../../worker/services/rate-limit/gcra.ts";
import { CLASS_LIMIT_PERIOD_SECONDS, CLASS_LIMITS } from "../../../worker/services/rate-limit/policies.ts";

const policy: Policy = { name: "test", limit: 5, periodMs: 60_000 };

describe("GCRA", () => {
  it("allows a burst of `limit`, then refuses with the time until the next slot", () => {
    let tat = 0;
    const now = 1_000_000;
    for (let index = 0; index < 5; index++) {
      const result = decide(policy, tat, now);
      expect(result.decision.allowed).toBe(true);
      expect(result.decision.remaining).toBe(4 - index);
      tat = result.tatMs;
    }
    const refused = decide(policy, tat, now);
    expect(refused.decision.allowed).toBe(false);
    expect(refused.decision.retryAfterMs).toBe(12_000);
    expect(refused.tatMs).toBe(tat); // a refusal costs nothing
    expect(decide(policy, tat, now + 12_000).decision.allowed).toBe(true);
  });

  it("never allows more than burst + elapsed/interval requests in any window (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30_000 }), { minLength: 1, maxLength: 200 }), (gaps) => {
        let tat = 0;
        let now = 0;
        let allowed = 0;
        for (const gap of gaps) {
          now += gap;
          const result = decide(policy, tat, now);
          if (result.decision.allowed) allowed++;
          tat = result.tatMs;
        }
        const interval = policy.periodMs / policy.limit;
        return allowed <= policy.limit + Math.floor(now / interval);
      }),
    );
  });

  it("recovers completely after one period: no lockout lasts longer", () => {
    let tat = 0;
    for (let index = 0; index < 100; index++) tat = decide(policy, tat, 0).tatMs;
    expect(decide(policy, tat, policy.periodMs).decision.allowed).toBe(true);
  });

  it("the class limits in code equal wrangler.toml's [[ratelimits]]", () => {
    const toml = readFileSync(new URL("../../../wrangler.toml", import.meta.url), "utf8");
    for (const [routeClass, limit] of Object.entries(CLASS_LIMITS)) {
      const block = new RegExp(
        `name = "RATE_LIMIT_${routeClass.toUpperCase()}"[\\s\\S]*?simple = \\{ limit = (\\d+), period = (\\d+) \\}`,
      ).exec(toml);
      expect(block, routeClass).not.toBeNull();
      expect(Number(block?.[1])).toBe(limit);
      expect(Number(block?.[2])).toBe(CLASS_LIMIT_PERIOD_SECONDS);
    }
  });
});
