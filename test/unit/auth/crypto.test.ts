import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { passwordSchema } from "../../../worker/services/auth/accounts.ts";
import { seal, sha256Hex, unseal } from "../../../worker/services/auth/crypto.ts";
import {
  DUMMY_PASSWORD_HASH,
  hashPassword,
  PASSWORD_ITERATIONS,
  verifyPassword,
} from "../../../worker/services/auth/password.ts";

const KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

describe("sealed secrets (AES-GCM, user id as associated data)", () => {
  it("round-trips any text", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), fc.uuid(), async (text, userId) => {
        expect(await unseal(KEY, await seal(KEY, text, userId), userId)).toBe(text);
      }),
      { numRuns: 50 },
    );
  });

  it("will not open under another user's id, a tampered ciphertext, or another key", async () => {
    const sealed = await seal(KEY, "JBSWY3DPEHPK3PXP", "user-a");
    await expect(unseal(KEY, sealed, "user-b")).rejects.toThrow();
    const [version, iv, data] = sealed.split(".");
    const flipped = `${version}.${iv}.${data?.startsWith("A") ? "B" : "A"}${data?.slice(1)}`;
    await expect(unseal(KEY, flipped, "user-a")).rejects.toThrow();
    await expect(unseal("AQECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", sealed, "user-a")).rejects.toThrow();
    expect(await seal(KEY, "same", "user-a")).not.toBe(await seal(KEY, "same", "user-a"));
  });
});

describe("sha256Hex (session ids, ledger entry ids, request hashes)", () => {
  it("is the lower-case hex SHA-256 of the text's UTF-8", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "grapheme", maxLength: 100 }), async (text) => {
        expect(await sha256Hex(text)).toBe(createHash("sha256").update(text, "utf8").digest("hex"));
      }),
      { numRuns: 200 },
    );
  });
});

describe("password hashing", () => {
  it("verifies the right password, refuses others, salts every hash, records its scheme", async () => {
    const stored = await hashPassword("a long enough passphrase");
    expect(stored).toMatch(new RegExp(`^pbkdf2-sha256\\$${PASSWORD_ITERATIONS}\\$`));
    expect(await verifyPassword("a long enough passphrase", stored)).toEqual({
      ok: true,
      needsRehash: false,
    });
    expect((await verifyPassword("a long enough passphrasE", stored)).ok).toBe(false);
    expect(await hashPassword("a long enough passphrase")).not.toBe(stored);
    expect((await verifyPassword("anything at all", DUMMY_PASSWORD_HASH)).ok).toBe(false);
  });

  it("flags hashes with older parameters for an upgrade", async () => {
    const older = await hashPassword("upgrade me please", 1_000);
    expect(await verifyPassword("upgrade me please", older)).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword("wrong password!", older)).toEqual({ ok: false, needsRehash: false });
    expect((await verifyPassword("x", "md5$1$abc$def")).ok).toBe(false);
  });

  it("password rules: length 12-128 and not a common password; no composition rules", () => {
    expect(passwordSchema.safeParse("eleven chars").success).toBe(true);
    expect(passwordSchema.safeParse("short").success).toBe(false);
    expect(passwordSchema.safeParse("x".repeat(129)).success).toBe(false);
    expect(passwordSchema.safeParse("Password1234").success).toBe(false);
    expect(passwordSchema.safeParse("all lower case words").success).toBe(true);
  });
});

describe("passwords built from the email", () => {
  it("refuses the email or a meaningful local part, not every short overlap", async () => {
    const { passwordContainsEmail } = await import("../../../worker/services/auth/accounts.ts");
    expect(passwordContainsEmail("my alice.smith password", "alice.smith@example.com")).toBe(true);
    expect(passwordContainsEmail("x alice.smith@example.com x", "alice.smith@example.com")).toBe(true);
    expect(passwordContainsEmail("a long passphrase with jo in it", "jo@example.com")).toBe(false);
    expect(passwordContainsEmail("correct horse battery", "alice.smith@example.com")).toBe(false);
  });
});
