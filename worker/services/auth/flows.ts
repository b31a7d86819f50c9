import type { User } from "../../../db/schema/users.ts";
import { ApiError } from "../../errors.ts";
import { appendAudit } from "../audit/append.ts";
import type { Services } from "../context.ts";
import { userLedger } from "../ledger/client.ts";
import { type AuditContext, checkPassword } from "./accounts.ts";
import { totpRefusal, verifyTotpCode } from "./guards.ts";
import { revokeOtherSessions, revokeOwnSession } from "./sessions.ts";
import { matchTotpStep } from "./totp.ts";
import {
  activateTwoFactor,
  assertTwoFactorOff,
  consumeRecoveryCode,
  deactivateTwoFactor,
  isRecoveryCodeShape,
  readPendingTotpSecret,
} from "./two-factor.ts";

/**
 * The auth flows, shared by the JSON API and the Remix pages so both behave identically.
 * They take services, not a request: callers own cookies and responses.
 */
interface SecondFactor {
  totp?: string | undefined;
  recoveryCode?: string | undefined;
}

/**
 * Recovery codes are guessed like TOTP codes, so they count against the same per-user limiter
 * (worker/services/auth/totp-guard.ts: 5 wrong second factors in 5 minutes, in the user's
 * object). The attempt is counted — as a code that matched no TOTP step — and the limit checked
 * in one serialised call BEFORE the code is looked at: concurrent guesses cannot slip past the
 * count, and no recovery code opens an account while its TOTP guessing is throttled. A right
 * recovery code counts once too; each is used once in an account's life and the window forgets
 * it after 5 minutes, which keeps the guard one exact counter.
 */
async function countRecoveryCodeAttempt(services: Services, userId: string): Promise<void> {
  const decision = await userLedger(services.env, userId).consumeTotpStep({
    matchedStep: null,
    nowMs: Date.now(),
  });
  if (!decision.ok && decision.reason === "throttled") throw totpRefusal(decision, 401);
}

/** Second step of login. Returns how the user proved it, for the audit log. */
export async function verifySecondFactor(
  services: Services,
  user: Pick<User, "id">,
  factor: SecondFactor,
  audit: AuditContext,
): Promise<"password+totp" | "recovery_code"> {
  const recovery =
    factor.recoveryCode ?? (factor.totp && isRecoveryCodeShape(factor.totp) ? factor.totp : undefined);
  if (recovery) {
    await countRecoveryCodeAttempt(services, user.id);
    if (!(await consumeRecoveryCode(services, user.id, recovery))) {
      await appendAudit(services.client, {
        event: "login.failed",
        outcome: "failure",
        actor: `user:${user.id}`,
        userId: user.id,
        ...audit,
        detail: { reason: "recovery_code_invalid" },
      });
      throw new ApiError(401, "totp_invalid", "That recovery code is not valid or was already used.");
    }
    await appendAudit(services.client, {
      event: "two_factor.recovery_code_used",
      outcome: "success",
      actor: `user:${user.id}`,
      userId: user.id,
      ...audit,
    });
    return "recovery_code";
  }
  if (!factor.totp) throw new ApiError(401, "totp_required", "Enter the code from your authenticator app.");
  await verifyTotpCode(services, {
    userId: user.id,
    code: factor.totp,
    action: "login",
    failureStatus: 401,
    ...audit,
  });
  return "password+totp";
}

/** Password, then (when 2FA is on) the second factor. No session is created here. */
export async function authenticate(
  services: Services,
  input: { email: string; password: string } & SecondFactor,
  audit: AuditContext,
) {
  const user = await checkPassword(services, input.email, input.password, audit);
  const method = user.twoFactorEnabled ? await verifySecondFactor(services, user, input, audit) : "password";
  return { user, method };
}

export async function recordLogin(services: Services, userId: string, method: string, audit: AuditContext) {
  await appendAudit(services.client, {
    event: "login.succeeded",
    outcome: "success",
    actor: `user:${userId}`,
    userId,
    ...audit,
    detail: { method },
  });
}

/** Confirms enrolment with a code from the pending secret; the code's step is consumed. */
export async function confirmTwoFactor(
  services: Services,
  user: { id: string; twoFactorEnabled: boolean },
  code: string,
  audit: AuditContext,
): Promise<string[]> {
  assertTwoFactorOff(user);
  const secret = await readPendingTotpSecret(services, user.id);
  if (!secret) throw new ApiError(409, "two_factor_setup_required", "Start the set-up first.");
  const nowMs = Date.now();
  const matchedStep = await matchTotpStep(secret, code, nowMs);
  const ledger = userLedger(services.env, user.id);
  const decision = await ledger.consumeTotpStep({ matchedStep, nowMs });
  if (!decision.ok)
    throw totpRefusal(decision, 403, "That code is not valid. Check the time on your device.");
  const recoveryCodes = await activateTwoFactor(services, user.id, secret, nowMs);
  await appendAudit(services.client, {
    event: "two_factor.enabled",
    outcome: "success",
    actor: `user:${user.id}`,
    userId: user.id,
    ...audit,
  });
  return recoveryCodes;
}

export async function turnOffTwoFactor(
  services: Services,
  user: { id: string; twoFactorEnabled: boolean },
  code: string | undefined,
  keepSessionId: string,
  audit: AuditContext,
) {
  if (!user.twoFactorEnabled) {
    throw new ApiError(403, "two_factor_not_enabled", "Two-factor authentication is not on.");
  }
  if (!code) throw new ApiError(403, "totp_required", "Enter the current code from your authenticator app.");
  await verifyTotpCode(services, { userId: user.id, code, action: "two_factor.disable", ...audit });
  await deactivateTwoFactor(services, user.id);
  await revokeOtherSessions(services, user.id, keepSessionId);
  await appendAudit(services.client, {
    event: "two_factor.disabled",
    outcome: "success",
    actor: `user:${user.id}`,
    userId: user.id,
    ...audit,
  });
}

/** Signs one of the user's own sessions out (audited); false when it is not theirs or gone. */
export async function signOutSession(
  services: Services,
  userId: string,
  publicId: string,
  audit: AuditContext,
) {
  if (!(await revokeOwnSession(services, userId, publicId))) return false;
  await appendAudit(services.client, {
    event: "session.revoked",
    outcome: "success",
    actor: `user:${userId}`,
    userId,
    ...audit,
    detail: { sessionId: publicId },
  });
  return true;
}

/** "Log out other sessions" (audited): every session of the user but the current one. */
export async function signOutOtherSessions(
  services: Services,
  userId: string,
  keepSessionId: string,
  audit: AuditContext,
) {
  const revoked = await revokeOtherSessions(services, userId, keepSessionId);
  await appendAudit(services.client, {
    event: "session.revoked_others",
    outcome: "success",
    actor: `user:${userId}`,
    userId,
    ...audit,
    detail: { revoked },
  });
  return revoked;
}
