import type { MiddlewareHandler } from "hono";
import { ApiError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import type { RouteClass } from "../../routes.ts";
import { isolateMetrics } from "../../services/metrics/recorder.ts";
import { compiledRules } from "../../waf/engine.ts";
import {
  DEFAULT_LIMITS,
  decide,
  environmentModes,
  indexExclusions,
  inspect,
  mergePolicy,
  type WafClassPolicy,
  type WafExclusion,
  type WafLimits,
} from "../../waf/index.ts";

/** What the WAF leaves on the context for the rate limiter: the request's anomaly score. */
export type WafVariables = { wafScore: number; wafThreshold: number };

/** What the WAF reads from the context (set by the request-id and request-log middleware). */
type WafContextVariables = {
  logFields: Record<string, unknown>;
  logger: Logger;
  requestId: string;
} & WafVariables;

export interface WafOptions {
  /** The class the route declares; its mode and threshold apply. */
  routeClass: RouteClass;
  /** The route's parameter exclusions (`RouteDefinition.waf.exclusions`). */
  exclusions?: readonly WafExclusion[];
  /** Mode and threshold per class; defaults in worker/waf/policy.ts (block at 5 everywhere). */
  policy?: Partial<Record<RouteClass, Partial<WafClassPolicy>>>;
  limits?: Partial<WafLimits>;
  /**
   * The binding that overrides the modes at deploy time (`monitor`, or
   * `public=monitor,ops=block`); null to ignore the environment.
   */
  modeVariable?: string | null;
}

const BLOCK_MESSAGE =
  "This request was blocked by our security rules. If you believe this is a mistake, contact support and quote the request id.";

/** Environments whose unreadable WAF_MODE has been reported, so the warning is once per isolate. */
const reportedProblems = new WeakSet<object>();

interface BodyRead {
  bytes: Uint8Array | null;
  tooLarge: boolean;
}

/**
 * Reads the body from a clone, so the original stream is untouched for the route: Hono's
 * `c.req.text()`/`json()` read `c.req.raw`, and Remix is handed `c.req.raw` itself. Stops
 * at the limit instead of buffering whatever a client sends.
 */
async function readBody(request: Request, limitBytes: number): Promise<BodyRead> {
  if (request.body === null) return { bytes: null, tooLarge: false };
  const declared = request.headers.get("Content-Length");
  if (declared !== null && /^\d{1,15}$/.test(declared.trim()) && Number(declared) > limitBytes) {
    return { bytes: null, tooLarge: true };
  }
  const stream = request.clone().body;
  if (stream === null) return { bytes: null, tooLarge: false };
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      // Not awaited: a tee'd branch's cancel settles only once the other branch is done too,
      // and the route may never read the original.
      reader.cancel().catch(() => undefined);
      return { bytes: null, tooLarge: true };
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return { bytes: chunks[0] ?? null, tooLarge: false };
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { bytes, tooLarge: false };
}

/**
 * Rules that fire because the body could not be inspected (too large, too deep, too many
 * values, not UTF-8), not because it looked like an attack. A block by these alone is answered
 * for what it is, with the API's codes: 413 `payload_too_large`, 400 `invalid_request`.
 */
const BODY_LIMIT_FIELDS: Record<string, string> = {
  "protocol-json-depth": "is nested too deeply",
  "protocol-json-size": "has too many keys and values",
  "protocol-invalid-utf8": "must be UTF-8 text",
};
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function uninspectableBody(matches: readonly { ruleId: string }[], body: BodyRead): ApiError | null {
  const ruleIds = new Set(matches.map((match) => match.ruleId));
  if (ruleIds.size === 0) return null;
  for (const ruleId of ruleIds)
    if (ruleId !== "protocol-body-size" && !BODY_LIMIT_FIELDS[ruleId]) return null;
  if (body.tooLarge) return new ApiError(413, "payload_too_large", "The request body is too large.");
  if (ruleIds.has("protocol-invalid-utf8")) {
    // The flag is raised by the URL's percent-escapes too: only the body's own bytes count here.
    try {
      strictUtf8.decode(body.bytes ?? new Uint8Array());
      return null;
    } catch {
      // the body is not UTF-8
    }
  }
  const fields: Record<string, string> = {};
  for (const ruleId of ruleIds) {
    const problem = BODY_LIMIT_FIELDS[ruleId];
    if (problem) fields.body = fields.body ? `${fields.body}; ${problem}` : problem;
  }
  return new ApiError(400, "invalid_request", "The request body cannot be read.", { fields });
}

/**
 * The WAF for one route, built from its declaration. Scores the request against the rules
 * (worker/waf/) and, at the class's threshold, blocks (403 `waf_blocked`, naming no rule) or,
 * in monitor mode, only logs. Rule ids, score and class go to the request's log line.
 */
export function waf(options: WafOptions): MiddlewareHandler<{ Variables: WafContextVariables }> {
  const routeClass = options.routeClass;
  const policy = mergePolicy(options.policy);
  const limits: WafLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const exclusions = indexExclusions(options.exclusions);
  const modeVariable = options.modeVariable === undefined ? "WAF_MODE" : options.modeVariable;
  // Rules are indexed when the app is built (isolate start), not on the first request.
  compiledRules();

  return async function wafMiddleware(c, next) {
    let classPolicy = policy[routeClass];
    if (modeVariable !== null && typeof c.env === "object" && c.env !== null) {
      const environment = environmentModes(c.env, modeVariable);
      if (environment.problem && !reportedProblems.has(c.env)) {
        reportedProblems.add(c.env);
        c.get("logger")?.warn("WAF_MODE ignored", { problem: environment.problem });
      }
      const mode = environment.modes[routeClass];
      if (mode) classPolicy = { ...classPolicy, mode };
    }
    if (classPolicy.mode === "off") return next();

    const body = await readBody(c.req.raw, limits.maxBodyBytes);
    const findings = inspect(
      {
        method: c.req.method,
        url: c.req.url,
        headers: c.req.raw.headers,
        body: body.bytes,
        bodyTooLarge: body.tooLarge,
      },
      {
        limits,
        exclusions,
        stopAtScore: classPolicy.mode === "block" ? classPolicy.threshold : undefined,
      },
    );
    const verdict = decide(findings, routeClass, classPolicy);
    if (verdict.score > 0) {
      const logFields = c.get("logFields");
      if (logFields) {
        logFields.waf = {
          action: verdict.action,
          class: routeClass,
          mode: verdict.mode,
          score: verdict.score,
          threshold: verdict.threshold,
          rules: verdict.matches.map((match) => match.ruleId),
          // Where, never what: the matched text may be a password or a token.
          locations: [...new Set(verdict.matches.map((match) => match.location))],
        };
      }
    }
    if (verdict.action !== "pass") {
      // One count per category involved, so the alert and the ops page show what is hitting us.
      for (const category of new Set(verdict.matches.map((match) => match.category))) {
        isolateMetrics.increment("chx_waf_blocks_total", {
          route_class: routeClass,
          category,
          action: verdict.action,
        });
      }
    }
    if (verdict.action === "block") {
      throw uninspectableBody(verdict.matches, body) ?? new ApiError(403, "waf_blocked", BLOCK_MESSAGE);
    }
    // A request that passed with weak signals is fed to the rate limiter (suspicion policy).
    c.set("wafScore", verdict.score);
    c.set("wafThreshold", verdict.threshold);
    await next();
  };
}
