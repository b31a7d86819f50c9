import { ApiError } from "../errors.ts";
import type { AuditContext } from "../services/auth/accounts.ts";
import {
  checkPassword,
  findUserById,
  changePassword as storeNewPassword,
} from "../services/auth/accounts.ts";
import { authenticate, recordLogin, verifySecondFactor } from "../services/auth/flows.ts";
import type { Services } from "../services/context.ts";
import { atField, FIELD_MESSAGES, isMistypedSixDigitCode } from "../services/forms/messages.ts";
import { type Caller, freshCode, signedIn } from "./caller.ts";

/**
 * Log-in and password change for the API and the pages. The API logs in in one request
 * (password and code together); the page in two (password, then code against a signed
 * challenge the page keeps). Both go through the same checks here: password, second factor
 * (TOTP replay guard and throttling, recovery codes), and the audit of the outcome.
 */

type LoginMethod = "password" | "password+totp" | "recovery_code";

/** One step: password and, when 2FA is on, the code. The caller starts the session after. */
export async function logIn(
  services: Services,
  audit: AuditContext,
  input: { email: string; password: string; totp?: string | undefined; recoveryCode?: string | undefined },
) {
  const { user, method } = await authenticate(services, input, audit);
  await recordLogin(services, user.id, method, audit);
  return { user, method };
}

/** Two steps, first: the password alone. Says whether a code is still needed. */
export async function logInPasswordStep(
  services: Services,
  audit: AuditContext,
  input: { email: string; password: string },
): Promise<{ userId: string; needsCode: boolean }> {
  const user = await checkPassword(services, input.email, input.password, audit);
  if (!user.twoFactorEnabled) await recordLogin(services, user.id, "password", audit);
  return { userId: user.id, needsCode: user.twoFactorEnabled };
}

/** Two steps, second: the code (6 digits) or a recovery code, for a user the first step named. */
export async function logInCodeStep(
  services: Services,
  audit: AuditContext,
  input: { userId: string | null; code: string },
): Promise<{ userId: string; method: LoginMethod }> {
  const user = input.userId ? await findUserById(services, input.userId) : null;
  if (!user) throw new ApiError(401, "challenge_expired", "That sign-in took too long. Start again.");
  const code = input.code.trim();
  // Digits of the wrong length are a mistyped authenticator code, never a recovery code.
  if (isMistypedSixDigitCode(code)) {
    throw new ApiError(401, "totp_invalid", atField(FIELD_MESSAGES.sixDigitCode), {
      fields: { code: FIELD_MESSAGES.sixDigitCode },
    });
  }
  const method = await verifySecondFactor(
    services,
    user,
    /^\d{6}$/.test(code.replace(/\s/g, "")) ? { totp: code.replace(/\s/g, "") } : { recoveryCode: code },
    audit,
  );
  await recordLogin(services, user.id, method, audit);
  return { userId: user.id, method };
}

/** A new password; with 2FA on, also a fresh code. Every other session is signed out. */
export async function changePassword(
  caller: Caller,
  input: { currentPassword: string; newPassword: string; totp?: string | undefined },
  keepSessionId: string,
): Promise<void> {
  const user = signedIn(caller);
  if (user.twoFactorEnabled) await freshCode(caller, user, input.totp, "password.change");
  await storeNewPassword(caller.services, user.id, input, keepSessionId, caller.audit);
}
