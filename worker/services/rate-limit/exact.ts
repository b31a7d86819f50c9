import type { Bindings } from "../../env.ts";
import { ApiError } from "../../errors.ts";
import { sha256Hex } from "../auth/crypto.ts";
import { isolateMetrics } from "../metrics/recorder.ts";
import type { Decision, Policy } from "./gcra.ts";

/** Identities are hashed: emails and IPs never become Durable Object names in the clear. */
export async function identityKey(kind: string, value: string): Promise<string> {
  return `${kind}:${(await sha256Hex(`rate-limit:${kind}:${value.toLowerCase()}`)).slice(0, 32)}`;
}

export async function checkExact(
  env: Pick<Bindings, "RATE_LIMITER">,
  identity: string,
  policy: Policy,
  options: { commit?: boolean; cost?: number } = {},
) {
  const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`${policy.name}|${identity}`));
  return stub.check(policy, options.cost ?? 1, Date.now(), options.commit ?? true);
}

function rateLimitHeaders(decision: Decision, policy: Policy): Record<string, string> {
  const headers: Record<string, string> = {
    "RateLimit-Limit": String(decision.limit),
    "RateLimit-Remaining": String(decision.remaining),
    "RateLimit-Reset": String(Math.ceil(decision.resetMs / 1000)),
    "RateLimit-Policy": `${policy.limit};w=${Math.round(policy.periodMs / 1000)}`,
  };
  if (!decision.allowed)
    headers["Retry-After"] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  return headers;
}

export function tooManyRequests(
  decision: Decision,
  policy: Policy,
  routeClass: string,
  message: string,
): ApiError {
  isolateMetrics.increment("chx_rate_limited_total", { route_class: routeClass, policy: policy.name });
  return new ApiError(429, "rate_limited", message, { headers: rateLimitHeaders(decision, policy) });
}
