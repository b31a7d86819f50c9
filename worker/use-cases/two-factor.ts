import { ApiError } from "../errors.ts";
import { confirmTwoFactor } from "../services/auth/flows.ts";
import { assertTwoFactorOff, beginTotpSetup, pendingTotpSetup } from "../services/auth/two-factor.ts";
import { atField, sixDigitCodeProblem } from "../services/forms/messages.ts";
import { type Caller, signedIn } from "./caller.ts";

/**
 * Two-factor enrolment for the API (POST /2fa/setup, /2fa/enable) and the Security page.
 * Set-up cannot strand anyone: the pending secret survives wrong codes until it expires, and
 * setting up again while it is pending returns the same secret (services/auth/two-factor.ts).
 */

export async function startTwoFactorSetup(caller: Caller) {
  const user = signedIn(caller);
  assertTwoFactorOff(user);
  return beginTotpSetup(caller.services, user);
}

/** The set-up in progress, if any (the Security page shows its QR code and key again). */
export async function twoFactorSetupInProgress(caller: Caller) {
  const user = signedIn(caller);
  return user.twoFactorEnabled ? null : pendingTotpSetup(caller.services, user);
}

/**
 * Confirms enrolment with a code from the pending secret. A code that is not six digits is a
 * typo, answered at the field (403 totp_invalid, as API.md says of a wrong code) before anything is counted; a six-digit code goes through the
 * replay guard and throttling like every code.
 */
export async function confirmTwoFactorSetup(caller: Caller, code: string): Promise<string[]> {
  const user = signedIn(caller);
  assertTwoFactorOff(user);
  const problem = sixDigitCodeProblem(code);
  if (problem) {
    // API.md: a wrong code is 403 totp_invalid; the message and the field say what was wrong.
    throw new ApiError(403, "totp_invalid", atField(problem), { fields: { code: problem } });
  }
  return confirmTwoFactor(caller.services, user, code.replace(/\s/g, ""), caller.audit);
}
