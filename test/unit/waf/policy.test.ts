import { describe, expect, it } from "vitest";
import { ROUTE_CLASSES } from "../../../worker/routes.ts";
import { DEFAULT_POLICY, decide, mergePolicy, parseWafMode } from "../../../worker/waf/index.ts";
import { REQUEST_RULES, VALUE_RULES } from "../../../worker/waf/rules/index.ts";

describe("policy", () => {
  it("blocks by default in every class, at one strong signal", () => {
    for (const routeClass of ROUTE_CLASSES) {
      expect(DEFAULT_POLICY[routeClass]).toEqual({ mode: "block", threshold: 5 });
    }
  });

  it("no weak rule blocks on its own: every rule below the threshold is below it by design", () => {
    const scores = [...VALUE_RULES, ...REQUEST_RULES].map((rule) => rule.score);
    expect(scores.every((score) => score >= 2 && score <= 5)).toBe(true);
    // Rules that can match legitimate text say so in their description and score under 5.
    for (const rule of [...VALUE_RULES, ...REQUEST_RULES]) {
      if (rule.description.includes("weak")) expect(rule.score, rule.id).toBeLessThan(5);
    }
  });

  it("merges per-class overrides over the defaults", () => {
    const policy = mergePolicy({ ops: { threshold: 4 }, static: { mode: "monitor" } });
    expect(policy.ops).toEqual({ mode: "block", threshold: 4 });
    expect(policy.static).toEqual({ mode: "monitor", threshold: 5 });
    expect(policy.public).toEqual(DEFAULT_POLICY.public);
  });

  it("reads WAF_MODE as one mode or a class=mode list, and ignores anything else whole", () => {
    expect(parseWafMode(undefined)).toEqual({ modes: {} });
    expect(parseWafMode("")).toEqual({ modes: {} });
    expect(parseWafMode(" Monitor ").modes).toEqual({
      public: "monitor",
      authenticated: "monitor",
      ops: "monitor",
      static: "monitor",
    });
    expect(parseWafMode("public=monitor, ops=off")).toEqual({ modes: { public: "monitor", ops: "off" } });
    const typo = parseWafMode("public=monitor,ops=of");
    expect(typo.modes).toEqual({});
    expect(typo.problem).toContain("WAF_MODE");
    expect(parseWafMode("paths=/healthz").modes).toEqual({});
  });

  it("decides pass, monitor or block from the score and the class policy", () => {
    const findings = { score: 5, matches: [] };
    expect(decide(findings, "public", { mode: "block", threshold: 5 }).action).toBe("block");
    expect(decide(findings, "public", { mode: "monitor", threshold: 5 }).action).toBe("monitor");
    expect(decide(findings, "public", { mode: "block", threshold: 6 }).action).toBe("pass");
    expect(decide(findings, "public", { mode: "off", threshold: 5 }).action).toBe("pass");
  });
});
