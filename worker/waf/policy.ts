import { ROUTE_CLASSES, type RouteClass } from "../routes.ts";
import {
  WAF_MODES,
  type WafClassPolicy,
  type WafExclusion,
  type WafLimits,
  type WafMode,
  type WafPolicy,
} from "./types.ts";

/**
 * Every class blocks by default. The threshold is one strong signal (score 5): rules that
 * can match legitimate text score 2-3 and block only together with another signal.
 */
export const DEFAULT_POLICY: WafPolicy = {
  public: { mode: "block", threshold: 5 },
  authenticated: { mode: "block", threshold: 5 },
  ops: { mode: "block", threshold: 5 },
  static: { mode: "block", threshold: 5 },
};

/**
 * The pages (the Remix catch-all route) post passwords from the login and signup forms. A
 * password is hashed, never interpolated and never logged, and password managers fill it with
 * punctuation (`x'#`, `;ls>`, `${:`) that injection rules would score: about 1 in 1,700
 * random 94-character passwords would be blocked. So the field is excluded from those
 * categories, by name, on that route; size, encoding and protocol checks still apply.
 */
export const PAGE_EXCLUSIONS: readonly WafExclusion[] = [
  {
    parameter: "password",
    categories: ["sqli", "xss", "cmdi", "traversal", "jndi"],
    reason: "hashed, never interpolated or logged; password managers generate punctuation",
  },
];

/** The same reasoning for the JSON API's password fields (sign-up, login, password change). */
export const passwordExclusions = (...parameters: string[]): WafExclusion[] =>
  parameters.map((parameter) => ({
    parameter,
    categories: ["sqli", "xss", "cmdi", "traversal", "jndi"],
    reason: "hashed, never interpolated or logged; password managers generate punctuation",
  }));

export const DEFAULT_LIMITS: WafLimits = {
  // The API's own JSON limit (worker/api/validation.ts): a larger body is refused anyway.
  maxBodyBytes: 64 * 1024,
  // Remix keeps its lazy route-discovery URLs under 7,680 characters.
  maxUrlLength: 8 * 1024,
  // Browsers send ~20 headers and Cloudflare adds ~10.
  maxHeaderCount: 100,
  maxHeaderValueBytes: 8 * 1024,
  maxTotalHeaderBytes: 32 * 1024,
  // The deepest body in the API contract (bot params) is 3 levels.
  maxJsonDepth: 16,
  maxJsonNodes: 4096,
  maxParameters: 256,
};

export function mergePolicy(overrides: Partial<Record<RouteClass, Partial<WafClassPolicy>>> = {}): WafPolicy {
  const policy = { ...DEFAULT_POLICY };
  for (const routeClass of ROUTE_CLASSES) {
    policy[routeClass] = { ...DEFAULT_POLICY[routeClass], ...overrides[routeClass] };
  }
  return policy;
}

interface EnvironmentModes {
  modes: Partial<Record<RouteClass, WafMode>>;
  /** Set when WAF_MODE could not be read; the defaults then stay in force. */
  problem?: string;
}

function isMode(value: string): value is WafMode {
  return (WAF_MODES as readonly string[]).includes(value);
}

function isRouteClass(value: string): value is RouteClass {
  return (ROUTE_CLASSES as readonly string[]).includes(value);
}

/**
 * `WAF_MODE` is the operator's switch at deploy time: one mode for every class
 * (`monitor`) or per class (`public=monitor,ops=block`). Anything unreadable is ignored as a
 * whole, so a typo never turns the WAF off.
 */
export function parseWafMode(value: unknown): EnvironmentModes {
  if (value === undefined || value === null || value === "") return { modes: {} };
  if (typeof value !== "string") return { modes: {}, problem: "WAF_MODE must be a string" };
  const trimmed = value.trim().toLowerCase();
  if (isMode(trimmed)) {
    return { modes: Object.fromEntries(ROUTE_CLASSES.map((routeClass) => [routeClass, trimmed])) };
  }
  const modes: Partial<Record<RouteClass, WafMode>> = {};
  for (const part of trimmed.split(",")) {
    const [routeClass = "", mode = ""] = part.split("=").map((piece) => piece.trim());
    if (!isRouteClass(routeClass) || !isMode(mode)) {
      return {
        modes: {},
        problem: `WAF_MODE "${value}" is not a mode or a list of class=mode (modes: ${WAF_MODES.join(", ")})`,
      };
    }
    modes[routeClass] = mode;
  }
  return { modes };
}

const parsedByEnvironment = new WeakMap<object, Map<string, EnvironmentModes>>();

/** Once per isolate: the env object is stable for the isolate's lifetime. */
export function environmentModes(env: unknown, variable = "WAF_MODE"): EnvironmentModes {
  if (typeof env !== "object" || env === null) return { modes: {} };
  let byVariable = parsedByEnvironment.get(env);
  if (!byVariable) {
    byVariable = new Map();
    parsedByEnvironment.set(env, byVariable);
  }
  let parsed = byVariable.get(variable);
  if (!parsed) {
    parsed = parseWafMode((env as Record<string, unknown>)[variable]);
    byVariable.set(variable, parsed);
  }
  return parsed;
}
