import { ApiError } from "../errors.ts";
import type { AuditContext } from "../services/auth/accounts.ts";
import { type AuthenticatedUser, requireTwoFactorEnabled, verifyTotpCode } from "../services/auth/guards.ts";
import type { Services } from "../services/context.ts";
import type { PlanDeps } from "../services/monetisation/plans.ts";
import { checkExact, identityKey, tooManyRequests } from "../services/rate-limit/exact.ts";
import { EXACT_POLICIES } from "../services/rate-limit/policies.ts";

/**
 * The use-case layer (README decision record 019): every operation that both the JSON API
 * and a page offer is one function here, taking a typed input and the caller. It enforces
 * every policy — who may do it, 2FA and fresh codes, exact limits, idempotency, audit — so an
 * API handler or a Remix action only parses its transport, builds the caller and calls it.
 *
 * The transports establish WHO is calling (a session cookie, or the operator bearer token,
 * checked where it arrives); everything about what that caller MAY do is decided here.
 */
export interface Caller {
  services: Services;
  audit: AuditContext;
  /** The signed-in user, or null. */
  user: AuthenticatedUser | null;
  /** True when the request carried a valid OPS_TOKEN bearer (operator automation). */
  opsToken: boolean;
}

export function signedIn(caller: Caller): AuthenticatedUser {
  if (!caller.user) throw new ApiError(401, "unauthenticated", "Sign in to continue.");
  return caller.user;
}

/** Operators: the OPS_TOKEN bearer, or a session of a user with the operator role. */
export function operator(caller: Caller): { actor: string } {
  if (caller.opsToken) return { actor: "ops-token" };
  if (!caller.user) throw new ApiError(401, "unauthenticated", "Operator credentials are required.");
  if (caller.user.role !== "operator") throw new ApiError(403, "forbidden", "Operators only.");
  return { actor: `operator:${caller.user.id}` };
}

/**
 * Step-up: 2FA must be on and the input must carry a current code never used before by this
 * user (the replay guard lives in the user's Durable Object).
 */
export async function freshCode(
  caller: Caller,
  user: Pick<AuthenticatedUser, "id" | "twoFactorEnabled">,
  code: unknown,
  action: string,
): Promise<void> {
  requireTwoFactorEnabled(user);
  if (code === undefined || code === null || code === "") {
    throw new ApiError(403, "totp_required", "Enter the current code from your authenticator app.");
  }
  await verifyTotpCode(caller.services, {
    userId: user.id,
    code: typeof code === "string" ? code.trim() : "",
    action,
    ipAddress: caller.audit.ipAddress,
  });
}

/** An exact per-user limit (GCRA in the RateLimiter object): 429 with Retry-After past it. */
export async function withinLimit(
  caller: Caller,
  userId: string,
  policyName: keyof typeof EXACT_POLICIES,
  message: string,
): Promise<void> {
  const policy = EXACT_POLICIES[policyName];
  const decision = await checkExact(caller.services.env, await identityKey("user", userId), policy);
  if (!decision.allowed) throw tooManyRequests(decision, policy, "authenticated", message);
}

/** What the plan rules (services/monetisation/plans.ts) need from a request's services. */
export function planDeps(caller: Caller): PlanDeps {
  const { db, client, env, logger } = caller.services;
  return { db, client, env, logger };
}
