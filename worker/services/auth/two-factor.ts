import { and, eq, isNull } from "drizzle-orm";
import { renderSVG } from "uqr";
import { recoveryCodes } from "../../../db/schema/recovery-codes.ts";
import { users } from "../../../db/schema/users.ts";
import { ApiError } from "../../errors.ts";
import type { Services } from "../context.ts";
import { seal, sha256Hex, unseal } from "./crypto.ts";
import { createTotpSecret, totpUri } from "./totp.ts";

const RECOVERY_CODE_COUNT = 10;
/** Withdrawals stay locked this long after a password or 2FA change (account-takeover window). */
export const SECURITY_CHANGE_LOCK_MS = 24 * 60 * 60_000;

export async function readTotpSecret(services: Services, userId: string): Promise<string | null> {
  const rows = await services.db
    .select({ sealed: users.totpSecretCiphertext, enabled: users.twoFactorEnabled })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  const row = rows[0];
  if (!row?.enabled || !row.sealed) return null;
  return unseal(services.config.DATA_ENCRYPTION_KEY, row.sealed, userId);
}

/**
 * Enrolment keeps its secret pending, server-side, until it is confirmed or expires: a wrong
 * code does not discard it, and asking to set up again while it is pending answers with the
 * SAME secret, so the QR code already scanned keeps working and nobody is stranded with an
 * authenticator entry that no longer matches. The expiry travels inside the sealed value (bound
 * to the user like every sealed secret), so no column is needed for it.
 */
export const PENDING_TOTP_TTL_MS = 30 * 60_000;

interface PendingTotpSecret {
  secret: string;
  expiresAtMs: number;
}

const PENDING_FORMAT = /^pending:(\d{1,15}):(\S+)$/;

async function readPending(services: Services, userId: string): Promise<PendingTotpSecret | null> {
  const rows = await services.db
    .select({ sealed: users.totpPendingCiphertext })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  const sealed = rows[0]?.sealed;
  if (!sealed) return null;
  const match = PENDING_FORMAT.exec(await unseal(services.config.DATA_ENCRYPTION_KEY, sealed, userId));
  // A value sealed before expiries existed carries none: treated as expired, set-up starts afresh.
  if (!match?.[1] || !match[2]) return null;
  return { secret: match[2], expiresAtMs: Number(match[1]) };
}

/** The pending secret while it has not expired; null when there is none or it has. */
export async function readPendingTotpSecret(
  services: Services,
  userId: string,
  nowMs = Date.now(),
): Promise<string | null> {
  const pending = await readPending(services, userId);
  return pending && pending.expiresAtMs > nowMs ? pending.secret : null;
}

/**
 * Starts enrolment, or resumes it: the pending secret while it has not expired, else a new one
 * (replacing an expired one). Returns its URI and QR code, and when it expires.
 */
export async function beginTotpSetup(
  services: Services,
  user: { id: string; email: string },
  nowMs = Date.now(),
) {
  const pending = await readPending(services, user.id);
  let secret: string;
  let expiresAtMs: number;
  if (pending && pending.expiresAtMs > nowMs) {
    ({ secret, expiresAtMs } = pending);
  } else {
    secret = createTotpSecret();
    expiresAtMs = nowMs + PENDING_TOTP_TTL_MS;
    const sealed = await seal(
      services.config.DATA_ENCRYPTION_KEY,
      `pending:${expiresAtMs}:${secret}`,
      user.id,
    );
    await services.db.update(users).set({ totpPendingCiphertext: sealed }).where(eq(users.id, user.id));
  }
  return { ...totpSetupView(secret, user.email), expiresAt: new Date(expiresAtMs).toISOString() };
}

/** The set-up in progress, for a page that shows it again (null when none is pending). */
export async function pendingTotpSetup(
  services: Services,
  user: { id: string; email: string },
  nowMs = Date.now(),
) {
  const pending = await readPending(services, user.id);
  if (!pending || pending.expiresAtMs <= nowMs) return null;
  return {
    ...totpSetupView(pending.secret, user.email),
    expiresAt: new Date(pending.expiresAtMs).toISOString(),
  };
}

function totpSetupView(secret: string, email: string) {
  const otpauthUrl = totpUri(secret, email);
  const qrSvg = renderSVG(otpauthUrl, { border: 2, pixelSize: 6 });
  return { secret, otpauthUrl, qrSvg };
}

/** Recovery codes: 10 random groups, shown once; only their hashes are stored. */
function normaliseRecoveryCode(code: string): string {
  return code.trim().toLowerCase().replace(/[\s-]/g, "");
}

export function isRecoveryCodeShape(code: string): boolean {
  return /^[a-z0-9]{16}$/.test(normaliseRecoveryCode(code));
}

function newRecoveryCode(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  // 256 is not a multiple of 31: bytes at or above 248 are rejected so every character is
  // equally likely (16 characters of 31 = 79 bits).
  const limit = 256 - (256 % alphabet.length);
  let raw = "";
  for (let round = 0; raw.length < 16 && round < 16; round++) {
    for (const byte of crypto.getRandomValues(new Uint8Array(32))) {
      if (byte < limit && raw.length < 16) raw += alphabet[byte % alphabet.length];
    }
  }
  if (raw.length !== 16) throw new Error("could not draw a recovery code");
  return raw.replace(/(.{4})(?=.)/g, "$1-");
}

export async function activateTwoFactor(
  services: Services,
  userId: string,
  secret: string,
  nowMs = Date.now(),
) {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  const sealed = await seal(services.config.DATA_ENCRYPTION_KEY, secret, userId);
  const hashes = await Promise.all(codes.map((code) => sha256Hex(normaliseRecoveryCode(code))));
  await services.db.batch([
    services.db
      .update(users)
      .set({ twoFactorEnabled: true, totpSecretCiphertext: sealed, totpPendingCiphertext: null })
      .where(eq(users.id, userId)),
    services.db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)),
    services.db
      .insert(recoveryCodes)
      .values(hashes.map((codeHash) => ({ codeHash, userId, createdAtMs: nowMs, usedAtMs: null }))),
  ]);
  return codes;
}

export async function deactivateTwoFactor(services: Services, userId: string, nowMs = Date.now()) {
  await services.db.batch([
    services.db
      .update(users)
      .set({
        twoFactorEnabled: false,
        totpSecretCiphertext: null,
        totpPendingCiphertext: null,
        withdrawalsLockedUntilMs: nowMs + SECURITY_CHANGE_LOCK_MS,
      })
      .where(eq(users.id, userId)),
    services.db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)),
  ]);
}

/** Consumes a recovery code at most once: the UPDATE ... WHERE used_at IS NULL decides. */
export async function consumeRecoveryCode(
  services: Services,
  userId: string,
  code: string,
  nowMs = Date.now(),
) {
  const codeHash = await sha256Hex(normaliseRecoveryCode(code));
  const used = await services.db
    .update(recoveryCodes)
    .set({ usedAtMs: nowMs })
    .where(
      and(
        eq(recoveryCodes.codeHash, codeHash),
        eq(recoveryCodes.userId, userId),
        isNull(recoveryCodes.usedAtMs),
      ),
    )
    .returning({ codeHash: recoveryCodes.codeHash });
  return used.length === 1;
}

export function assertTwoFactorOff(user: { twoFactorEnabled: boolean }) {
  if (user.twoFactorEnabled) {
    throw new ApiError(409, "two_factor_already_enabled", "Two-factor authentication is already on.");
  }
}
