import type { RouteClass } from "../routes.ts";

/** Rule families. Each rule belongs to exactly one, and exclusions name families, not rules. */
export const WAF_CATEGORIES = [
  "sqli",
  "xss",
  "traversal",
  "cmdi",
  "ssrf",
  "jndi",
  "xxe",
  "scanner",
  "protocol",
] as const;
export type WafCategory = (typeof WAF_CATEGORIES)[number];

export const WAF_MODES = ["off", "monitor", "block"] as const;
/** `monitor` evaluates and logs but lets the request through: how a new rule is rolled out. */
export type WafMode = (typeof WAF_MODES)[number];

/**
 * A route may switch categories off for one named parameter (a free-text label, say). There is
 * deliberately no way to exclude a path: that is how the system this replaces lost its WAF.
 */
export interface WafExclusion {
  /**
   * A query or body parameter: the form/query field name, or the JSON field as a dotted path
   * without array indices (`label`, `params.note`, `items.label`).
   */
  parameter: string;
  categories: readonly WafCategory[];
  /** Why the field legitimately carries text that looks like an attack. */
  reason: string;
}

/** The optional `waf` block of a route declaration. */
export interface WafRouteOptions {
  exclusions?: readonly WafExclusion[];
}

export interface WafClassPolicy {
  mode: WafMode;
  /** Anomaly score at which a request is blocked (or, in monitor mode, would be). */
  threshold: number;
}

export type WafPolicy = Record<RouteClass, WafClassPolicy>;

export interface WafLimits {
  maxBodyBytes: number;
  maxUrlLength: number;
  maxHeaderCount: number;
  maxHeaderValueBytes: number;
  maxTotalHeaderBytes: number;
  maxJsonDepth: number;
  maxJsonNodes: number;
  maxParameters: number;
}

/**
 * What the engine inspects: plain data, so the same code runs in workerd (the middleware) and
 * in Node (the evaluation harness) and the measured cost is the real cost.
 */
export interface WafInput {
  method: string;
  url: string;
  /** Lower-case names as `Headers` iterates them. */
  headers: Iterable<[string, string]>;
  /** Null when the request has no body; `bodyTooLarge` when reading stopped at the limit. */
  body: Uint8Array | null;
  bodyTooLarge?: boolean;
}

export interface WafMatch {
  ruleId: string;
  category: WafCategory;
  score: number;
  /** Where it matched (`query:symbol`, `body:params.note`, `header:user-agent`, `request`). */
  location: string;
}

export interface WafFindings {
  score: number;
  matches: WafMatch[];
}

type WafAction = "pass" | "monitor" | "block";

export interface WafVerdict extends WafFindings {
  action: WafAction;
  routeClass: RouteClass;
  mode: WafMode;
  threshold: number;
}
