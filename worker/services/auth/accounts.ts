import { eq } from "drizzle-orm";
import { z } from "zod";
import { users } from "../../../db/schema/users.ts";
import { ApiError } from "../../errors.ts";
import { appendAudit } from "../audit/append.ts";
import type { Services } from "../context.ts";
import { newDepositReference } from "../deposits/reference.ts";
import { networkOf, referrerFor } from "../monetisation/signup-referral.ts";
import { COMMON_PASSWORDS } from "./common-passwords.ts";
import { randomToken } from "./crypto.ts";
import { guardLoginAttempt, recordLoginFailure } from "./login-limits.ts";
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from "./password.ts";
import { revokeOtherSessions } from "./sessions.ts";
import { guardSignup } from "./signup-limits.ts";
import { SECURITY_CHANGE_LOCK_MS } from "./two-factor.ts";

export const PASSWORD_MIN_LENGTH = 12;
const PASSWORD_MAX_LENGTH = 128;

export const emailSchema = z
  .string()
  .max(254)
  .transform((value) => value.trim().toLowerCase())
  .pipe(z.email({ message: "must be a valid email address" }));

/** Length and a common-password list; no composition rules (NIST SP 800-63B). */
export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`)
  .refine((value) => !COMMON_PASSWORDS.has(value.toLowerCase()), "is too common; choose another");

export interface AuditContext {
  requestId: string;
  ipAddress: string;
}

function publicUser(user: { id: string; email: string; twoFactorEnabled: boolean }) {
  return { id: user.id, email: user.email, twoFactorEnabled: user.twoFactorEnabled };
}

export async function findUserByEmail(services: Services, email: string) {
  const rows = await services.db.select().from(users).where(eq(users.email, email)).limit(1);
  return rows[0] ?? null;
}

export async function findUserById(services: Services, id: string) {
  const rows = await services.db.select().from(users).where(eq(users.id, id)).limit(1);
  return rows[0] ?? null;
}

async function uniqueReferralCode(services: Services): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const code = randomToken(6).replace(/[-_]/g, "X").slice(0, 8).toUpperCase();
    const clash = await services.db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.referralCode, code))
      .limit(1);
    if (clash.length === 0) return code;
  }
  throw new Error("could not allocate a referral code");
}

/**
 * A password built from the email is the first thing an attacker tries. Short local parts
 * ("jo@…") are ignored: refusing every password that contains "jo" would only annoy.
 */
export function passwordContainsEmail(password: string, email: string): boolean {
  const lower = password.toLowerCase();
  const localPart = email.split("@")[0] ?? "";
  return lower.includes(email) || (localPart.length >= 5 && lower.includes(localPart));
}

export async function signUp(
  services: Services,
  input: { email: string; password: string; referralCode?: string | undefined },
  audit: AuditContext,
) {
  if (passwordContainsEmail(input.password, input.email)) {
    throw new ApiError(400, "invalid_request", "The password must not contain your email address.", {
      fields: { password: "must not contain your email address" },
    });
  }
  const nowMs = Date.now();
  const referral = input.referralCode?.trim()
    ? await referrerFor(services.db, {
        code: input.referralCode,
        email: input.email,
        ipAddress: audit.ipAddress,
        nowMs,
      })
    : null;
  const referredBy = referral?.referrerId ?? null;
  if (await findUserByEmail(services, input.email)) {
    throw new ApiError(409, "email_taken", "An account with this email already exists. Log in instead.");
  }
  await guardSignup(services.env, services.config, audit.ipAddress);
  const user = {
    id: crypto.randomUUID(),
    email: input.email,
    passwordHash: await hashPassword(input.password),
    referralCode: await uniqueReferralCode(services),
    referredBy,
    signupIpPrefix: networkOf(audit.ipAddress),
    depositReference: newDepositReference(),
    createdAtMs: nowMs,
  };
  try {
    await services.db.insert(users).values(user);
  } catch (error) {
    // Two sign-ups racing for one email: the unique index decides.
    if (/UNIQUE/i.test(String((error as Error).message))) {
      throw new ApiError(409, "email_taken", "An account with this email already exists. Log in instead.");
    }
    throw error;
  }
  await appendAudit(services.client, {
    event: "account.signup",
    outcome: "success",
    actor: `user:${user.id}`,
    userId: user.id,
    requestId: audit.requestId,
    ipAddress: audit.ipAddress,
    detail: { referred: referredBy !== null },
  });
  return publicUser({ ...user, twoFactorEnabled: false });
}

/**
 * Password step of login. A wrong email and a wrong password give the same error after the
 * same work (a dummy hash is verified for unknown emails), so login reveals no accounts.
 */
export async function checkPassword(
  services: Services,
  email: string,
  password: string,
  audit: AuditContext,
) {
  await guardLoginAttempt(services.env, email, audit.ipAddress);
  const user = await findUserByEmail(services, email);
  const check = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !check.ok) {
    await recordLoginFailure(services.env, email, audit.ipAddress);
    await appendAudit(services.client, {
      event: "login.failed",
      outcome: "failure",
      actor: user ? `user:${user.id}` : "anonymous",
      userId: user?.id ?? null,
      requestId: audit.requestId,
      ipAddress: audit.ipAddress,
      detail: { reason: "invalid_credentials" },
    });
    throw new ApiError(401, "invalid_credentials", "The email or password is not correct.");
  }
  if (check.needsRehash) {
    await services.db
      .update(users)
      .set({ passwordHash: await hashPassword(password) })
      .where(eq(users.id, user.id));
  }
  return user;
}

export async function changePassword(
  services: Services,
  userId: string,
  input: { currentPassword: string; newPassword: string },
  keepSessionId: string,
  audit: AuditContext,
) {
  const rows = await services.db.select().from(users).where(eq(users.id, userId)).limit(1);
  const user = rows[0];
  if (!user) throw new ApiError(401, "unauthenticated", "Sign in to continue.");
  const check = await verifyPassword(input.currentPassword, user.passwordHash);
  if (!check.ok) {
    throw new ApiError(403, "invalid_credentials", "The current password is not correct.");
  }
  const nowMs = Date.now();
  await services.db
    .update(users)
    .set({
      passwordHash: await hashPassword(input.newPassword),
      withdrawalsLockedUntilMs: nowMs + SECURITY_CHANGE_LOCK_MS,
    })
    .where(eq(users.id, userId));
  const revoked = await revokeOtherSessions(services, userId, keepSessionId);
  await appendAudit(services.client, {
    event: "password.changed",
    outcome: "success",
    actor: `user:${userId}`,
    userId,
    requestId: audit.requestId,
    ipAddress: audit.ipAddress,
    detail: { otherSessionsRevoked: revoked, withdrawalsLockedUntilMs: nowMs + SECURITY_CHANGE_LOCK_MS },
  });
}

export { publicUser };
