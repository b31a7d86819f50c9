import { generateSecret, generateURI, verify } from "otplib";

/**
 * TOTP (RFC 6238): SHA-1, 6 digits, 30-second steps, the parameters every authenticator
 * app supports. A code is accepted for the current step ±1 (clock drift); whether that step
 * was already used is decided atomically by the user's Durable Object, not here.
 */
const TOTP_PERIOD_SECONDS = 30;
const TOTP_ISSUER = "CoinHubX";
/** 20 bytes = 160 bits, the RFC 4226 recommendation, from the platform CSPRNG. */
const SECRET_BYTES = 20;

export function createTotpSecret(): string {
  return generateSecret({ length: SECRET_BYTES });
}

export function totpUri(secret: string, accountName: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label: accountName, secret, period: TOTP_PERIOD_SECONDS });
}

const TOTP_CODE_PATTERN = /^\d{6}$/;

/** The time step a code matches (current ±1), or null. */
export async function matchTotpStep(secret: string, code: string, nowMs: number): Promise<number | null> {
  if (!TOTP_CODE_PATTERN.test(code)) return null;
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(nowMs / 1000),
    period: TOTP_PERIOD_SECONDS,
    epochTolerance: TOTP_PERIOD_SECONDS,
  });
  return result.valid && "timeStep" in result ? result.timeStep : null;
}
