import type { RouteClass } from "../../routes.ts";
import type { Policy } from "./gcra.ts";

/**
 * Coarse limits per route class, enforced by Cloudflare's Rate Limiting binding (fast,
 * per location, approximate — fine for flood protection). Identity: the session for
 * requests that carry one, else the client IP. The numbers live in wrangler.toml
 * `[[ratelimits]]`; these names map a class to its binding.
 */
export const CLASS_LIMITER_BINDING: Record<
  RouteClass,
  "RATE_LIMIT_PUBLIC" | "RATE_LIMIT_AUTHENTICATED" | "RATE_LIMIT_OPS" | null
> = {
  public: "RATE_LIMIT_PUBLIC",
  authenticated: "RATE_LIMIT_AUTHENTICATED",
  ops: "RATE_LIMIT_OPS",
  static: null,
};
/** Must match the class bindings in wrangler.toml (a test compares them). */
export const CLASS_LIMIT_PERIOD_SECONDS = 10;
export const CLASS_LIMITS: Record<Exclude<RouteClass, "static">, number> = {
  public: 300,
  authenticated: 300,
  ops: 100,
};

/**
 * Exact limits, kept in the RateLimiter Durable Object. Failed logins are limited three ways
 * so that an attacker cannot lock a victim out for long: per account and IP (tight), per IP
 * across accounts (credential stuffing), and per account from anywhere (looser; it recovers
 * continuously — GCRA never locks for longer than its period).
 */
export const EXACT_POLICIES = {
  loginFailuresPerAccountAndIp: { name: "login-account-ip", limit: 5, periodMs: 60_000 },
  loginFailuresPerIp: { name: "login-ip", limit: 20, periodMs: 60_000 },
  loginFailuresPerAccount: { name: "login-account", limit: 30, periodMs: 15 * 60_000 },
  withdrawalsPerUser: { name: "withdrawals", limit: 10, periodMs: 60 * 60_000 },
  /**
   * WAF suspicion per client address, charged the anomaly score of every request that passed
   * the WAF with weak signals (2-4 points under a threshold of 5). Ordinary text scores 0; a
   * customer named O'Brien who writes "'a' or 'b'" scores 3 now and then. Someone probing
   * just under the threshold spends 30 points a minute in about ten requests: slowed from
   * the halfway mark, then refused until the bucket refills.
   */
  wafSuspicionPerIp: { name: "waf-suspicion", limit: 30, periodMs: 60_000 },
} as const satisfies Record<string, Policy>;

/**
 * Sign-ups per address (worker/services/auth/signup-limits.ts), per 24 hours, all at once if
 * need be. The number is configuration (SIGNUPS_PER_ADDRESS_PER_DAY; by default 10 in
 * production, high locally), so the policy is built from it.
 */
export const SIGNUP_WINDOW_MS = 24 * 60 * 60_000;

export function signupPolicy(perDay: number): Policy {
  return { name: "signups-address", limit: perDay, periodMs: SIGNUP_WINDOW_MS };
}
