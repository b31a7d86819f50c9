import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { createTotpSecret, matchTotpStep, totpUri } from "../../../worker/services/auth/totp.ts";
import {
  decideTotp,
  TOTP_FAILURE_LIMIT,
  TOTP_FAILURE_WINDOW_MS,
} from "../../../worker/services/auth/totp-guard.ts";

const ascii = (text: string) => new TextEncoder().encode(text);

// RFC 6238 Appendix B: the seeds are ASCII, of the hash's length.
const SEEDS = {
  sha1: ascii("12345678901234567890"),
  sha256: ascii("12345678901234567890123456789012"),
  sha512: ascii("1234567890123456789012345678901234567890123456789012345678901234"),
} as const;

const VECTORS: [number, string, string, string][] = [
  [59, "94287082", "46119246", "90693936"],
  [1111111109, "07081804", "68084774", "25091201"],
  [1111111111, "14050471", "67062674", "99943326"],
  [1234567890, "89005924", "91819424", "93441116"],
  [2000000000, "69279037", "90698825", "38618901"],
  [20000000000, "65353130", "77737706", "47863826"],
];

describe("RFC 6238 Appendix B test vectors", () => {
  for (const [epoch, sha1, sha256, sha512] of VECTORS) {
    it(`T=${epoch}`, async () => {
      expect(await generate({ secret: SEEDS.sha1, epoch, digits: 8, algorithm: "sha1" })).toBe(sha1);
      expect(await generate({ secret: SEEDS.sha256, epoch, digits: 8, algorithm: "sha256" })).toBe(sha256);
      expect(await generate({ secret: SEEDS.sha512, epoch, digits: 8, algorithm: "sha512" })).toBe(sha512);
    });
  }
});

describe("matchTotpStep", () => {
  const secret = createTotpSecret();
  const nowMs = 1_800_000_000_000;
  const step = Math.floor(nowMs / 30_000);
  const codeAt = (offset: number) => generate({ secret, epoch: Math.floor(nowMs / 1000) + offset * 30 });

  it("accepts the current step and ±1, returning the step it matched", async () => {
    expect(await matchTotpStep(secret, await codeAt(0), nowMs)).toBe(step);
    expect(await matchTotpStep(secret, await codeAt(-1), nowMs)).toBe(step - 1);
    expect(await matchTotpStep(secret, await codeAt(1), nowMs)).toBe(step + 1);
  });

  it("refuses ±2 steps, wrong shapes and other secrets", async () => {
    expect(await matchTotpStep(secret, await codeAt(2), nowMs)).toBeNull();
    expect(await matchTotpStep(secret, await codeAt(-2), nowMs)).toBeNull();
    expect(await matchTotpStep(secret, "12345", nowMs)).toBeNull();
    expect(await matchTotpStep(secret, "1234567", nowMs)).toBeNull();
    expect(await matchTotpStep(secret, "12a456", nowMs)).toBeNull();
    expect(await matchTotpStep(createTotpSecret(), await codeAt(0), nowMs)).toBeNull();
  });

  it("secrets are 160 bits and distinct; the URI names issuer and account", () => {
    const secrets = new Set(Array.from({ length: 50 }, createTotpSecret));
    expect(secrets.size).toBe(50);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = totpUri(secret, "trader@example.com");
    expect(uri).toMatch(/^otpauth:\/\/totp\/CoinHubX:trader%40example\.com\?/);
    expect(uri).toContain(`secret=${secret}`);
    expect(uri).toContain("issuer=CoinHubX");
  });
});

/** In-memory stand-in with the same get/put contract as DurableObjectStorage. */
function memoryStorage(): DurableObjectStorage {
  const map = new Map<string, unknown>();
  return {
    get: async (key: string) => structuredClone(map.get(key)),
    put: async (key: string, value: unknown) => {
      map.set(key, structuredClone(value));
    },
  } as unknown as DurableObjectStorage;
}

describe("the replay and throttle rules (the user's Durable Object)", () => {
  it("never accepts a step twice, nor an older step after a newer one", async () => {
    const storage = memoryStorage();
    const nowMs = 1_000_000;
    expect(await decideTotp(storage, { matchedStep: 100, nowMs })).toEqual({ ok: true });
    expect(await decideTotp(storage, { matchedStep: 100, nowMs })).toEqual({ ok: false, reason: "replayed" });
    expect(await decideTotp(storage, { matchedStep: 99, nowMs })).toEqual({ ok: false, reason: "replayed" });
    expect(await decideTotp(storage, { matchedStep: 101, nowMs })).toEqual({ ok: true });
  });

  it("throttles after the limit of failures in the window, then recovers when the window passes", async () => {
    const storage = memoryStorage();
    const start = 10_000_000;
    for (let index = 0; index < TOTP_FAILURE_LIMIT; index++) {
      expect(await decideTotp(storage, { matchedStep: null, nowMs: start + index })).toEqual({
        ok: false,
        reason: "invalid",
      });
    }
    const throttled = await decideTotp(storage, { matchedStep: 500, nowMs: start + 1_000 });
    expect(throttled).toMatchObject({ ok: false, reason: "throttled" });
    expect((throttled as { retryAfterSeconds: number }).retryAfterSeconds).toBe(299);
    const later = start + TOTP_FAILURE_WINDOW_MS + TOTP_FAILURE_LIMIT;
    expect(await decideTotp(storage, { matchedStep: 500, nowMs: later })).toEqual({ ok: true });
  });
});
