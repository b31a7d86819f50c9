import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../../errors.ts";
import { clientIp } from "../../services/auth/guards.ts";
import { readSessionToken, sessionIdOf } from "../../services/auth/sessions.ts";
import { isolateMetrics } from "../../services/metrics/recorder.ts";
import { tooManyRequests } from "../../services/rate-limit/exact.ts";
import {
  CLASS_LIMIT_PERIOD_SECONDS,
  CLASS_LIMITER_BINDING,
  CLASS_LIMITS,
  EXACT_POLICIES,
} from "../../services/rate-limit/policies.ts";
import { chargeSuspicion } from "../../services/rate-limit/suspicion.ts";

/**
 * Coarse flood protection by route class and identity: the session (hashed) on authenticated
 * routes, the client IP everywhere else. Reads the class the route declared; no path is special.
 * Exact, per-purpose limits (failed logins, withdrawals) are enforced where those happen.
 */
export function rateLimit(): MiddlewareHandler<AppEnv> {
  return async function rateLimitMiddleware(c, next) {
    const routeClass = c.get("routeClass") ?? "public";
    // The WAF's anomaly score: requests that passed with weak signals spend a per-address
    // budget, are slowed as it runs low and refused once it is spent.
    const wafScore = c.get("wafScore") ?? 0;
    if (wafScore > 0 && c.env.RATE_LIMITER) {
      const { decision, delayMs } = await chargeSuspicion(c.env, clientIp(c), wafScore);
      if (!decision.allowed) {
        c.get("logFields").rateLimit = { class: routeClass, policy: "waf-suspicion" };
        throw tooManyRequests(
          decision,
          EXACT_POLICIES.wafSuspicionPerIp,
          routeClass,
          "Too many requests that look like probing. Slow down and retry shortly.",
        );
      }
      if (delayMs > 0) {
        c.get("logFields").rateLimit = { class: routeClass, policy: "waf-suspicion", slowedMs: delayMs };
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
    const bindingName = CLASS_LIMITER_BINDING[routeClass];
    const limiter = bindingName ? c.env[bindingName] : undefined;
    if (!bindingName || !limiter || routeClass === "static") return next();
    // Public and ops routes are limited per address: a cookie there proves nothing, and keying
    // on it would let anyone dodge the limit by sending a fresh random cookie each time.
    // Authenticated routes are limited per session (they refuse invalid sessions right after).
    const token = routeClass === "authenticated" ? readSessionToken(c.req.header("Cookie")) : null;
    const identity = token
      ? `session:${(await sessionIdOf(c.req.raw, token)).slice(0, 24)}`
      : `ip:${clientIp(c)}`;
    const { success } = await limiter.limit({ key: `${routeClass}:${identity}` });
    const limit = CLASS_LIMITS[routeClass];
    c.header("RateLimit-Policy", `${limit};w=${CLASS_LIMIT_PERIOD_SECONDS}`);
    if (!success) {
      isolateMetrics.increment("chx_rate_limited_total", { route_class: routeClass, policy: "class" });
      c.get("logFields").rateLimit = { class: routeClass, identity: identity.split(":")[0] };
      throw new ApiError(429, "rate_limited", "Too many requests. Slow down and retry shortly.", {
        headers: {
          "Retry-After": String(CLASS_LIMIT_PERIOD_SECONDS),
          "RateLimit-Limit": String(limit),
          "RateLimit-Remaining": "0",
          "RateLimit-Reset": String(CLASS_LIMIT_PERIOD_SECONDS),
          "RateLimit-Policy": `${limit};w=${CLASS_LIMIT_PERIOD_SECONDS}`,
        },
      });
    }
    await next();
  };
}
