import type { Context } from "hono";
import type { User } from "../../../db/schema/users.ts";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../../errors.ts";
import { appendAudit } from "../audit/append.ts";
import type { Services } from "../context.ts";
import { userLedger } from "../ledger/client.ts";
import { setSentryUser } from "../sentry.ts";
import { sha256Hex } from "./crypto.ts";
import { timingSafeEqual } from "./password.ts";
import type { AuthState } from "./sessions.ts";
import { matchTotpStep } from "./totp.ts";
import type { TotpDecision } from "./totp-guard.ts";
import { readTotpSecret } from "./two-factor.ts";

/**
 * Guards throw; routes read like a list of requirements. Every check is on the server:
 * the pages only mirror what these enforce.
 */
export interface AuthenticatedUser {
  id: string;
  email: string;
  twoFactorEnabled: boolean;
  role: User["role"];
}

export async function optionalAuth(c: Context<AppEnv>): Promise<AuthState | null> {
  return (await c.get("auth")?.()) ?? null;
}

export async function requireAuth(c: Context<AppEnv>): Promise<AuthState> {
  const auth = await optionalAuth(c);
  if (!auth) throw new ApiError(401, "unauthenticated", "Sign in to continue.");
  const services = c.get("services");
  c.get("logFields").user = (await sha256Hex(`log:${auth.user.id}`)).slice(0, 16);
  await setSentryUser(services.sentry, auth.user.id);
  return auth;
}

export async function requireUser(c: Context<AppEnv>): Promise<AuthenticatedUser> {
  const { user } = await requireAuth(c);
  return { id: user.id, email: user.email, twoFactorEnabled: user.twoFactorEnabled, role: user.role };
}

function bearerToken(c: Context<AppEnv>): string | null {
  const header = c.req.header("Authorization");
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1] ?? null;
}

/**
 * The operator bearer token, if the request carries one: true when it is OPS_TOKEN (compared
 * in constant time); a wrong token is a 403 at once. Null: no bearer token, look at the session.
 */
export function opsTokenPresented(c: Context<AppEnv>): true | null {
  const token = bearerToken(c);
  if (token === null) return null;
  const encoder = new TextEncoder();
  const expected = c.get("services").config.OPS_TOKEN;
  if (timingSafeEqual(encoder.encode(token), encoder.encode(expected))) return true;
  throw new ApiError(403, "forbidden", "The operator token is not valid.");
}

/** Ops routes: the OPS_TOKEN bearer, or the session of a user with the operator role. */
export async function requireOperator(c: Context<AppEnv>): Promise<{ actor: string }> {
  if (opsTokenPresented(c)) return { actor: "ops-token" };
  const auth = await optionalAuth(c);
  if (!auth) throw new ApiError(401, "unauthenticated", "Operator credentials are required.");
  if (auth.user.role !== "operator") throw new ApiError(403, "forbidden", "Operators only.");
  return { actor: `operator:${auth.user.id}` };
}

export function requireTwoFactorEnabled(user: Pick<AuthenticatedUser, "twoFactorEnabled">): void {
  if (!user.twoFactorEnabled) {
    throw new ApiError(403, "two_factor_not_enabled", "Turn on two-factor authentication first.");
  }
}

export function clientIp(c: Context<AppEnv>): string {
  return c.req.header("CF-Connecting-IP") ?? c.req.header("X-Real-IP") ?? "127.0.0.1";
}

/** The API's answer to a refused code: throttled is 429 with Retry-After, else totp_invalid. */
export function totpRefusal(
  decision: Exclude<TotpDecision, { ok: true }>,
  failureStatus: 401 | 403,
  message = "That code is not valid or was already used.",
): ApiError {
  if (decision.reason === "throttled") {
    return new ApiError(429, "too_many_attempts", "Too many wrong codes. Wait before trying again.", {
      headers: { "Retry-After": String(decision.retryAfterSeconds) },
    });
  }
  return new ApiError(failureStatus, "totp_invalid", message);
}

/** Who asked and from where, for audit rows written on behalf of this request. */
export function auditContextOf(c: Context<AppEnv>): { requestId: string; ipAddress: string } {
  return { requestId: c.get("requestId"), ipAddress: clientIp(c) };
}

/** Verifies a code against the user's active secret through their Durable Object (the use cases call it). */
export async function verifyTotpCode(
  services: Services,
  input: { userId: string; code: string; action: string; ipAddress: string; failureStatus?: 401 | 403 },
): Promise<void> {
  const nowMs = Date.now();
  const secret = await readTotpSecret(services, input.userId);
  const matchedStep = secret ? await matchTotpStep(secret, input.code, nowMs) : null;
  const ledger = userLedger(services.env, input.userId);
  const decision = await ledger.consumeTotpStep({ matchedStep, nowMs });
  if (decision.ok) return;
  await appendAudit(services.client, {
    event: "step_up.failed",
    outcome: "failure",
    actor: `user:${input.userId}`,
    userId: input.userId,
    requestId: services.requestId,
    ipAddress: input.ipAddress,
    detail: { action: input.action, reason: decision.reason },
  });
  throw totpRefusal(decision, input.failureStatus ?? 403);
}
