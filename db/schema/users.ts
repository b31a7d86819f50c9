import { sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { flag, smallInteger } from "./types.ts";

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    /** Versioned: `pbkdf2-sha256$<iterations>$<salt>$<hash>`; upgraded on next login. */
    passwordHash: text("password_hash").notNull(),
    role: text("role", { enum: ["trader", "operator"] })
      .notNull()
      .default("trader"),
    twoFactorEnabled: flag("two_factor_enabled").notNull().default(false),
    /** AES-GCM ciphertext, user id as associated data. Never stored in clear. */
    totpSecretCiphertext: text("totp_secret_ciphertext"),
    totpPendingCiphertext: text("totp_pending_ciphertext"),
    withdrawalsLockedUntilMs: smallInteger("withdrawals_locked_until_ms").notNull().default(0),
    referralCode: text("referral_code").notNull(),
    referredBy: text("referred_by"),
    /** Where the account was opened from: the referral programme's farming checks read it. */
    signupIpPrefix: text("signup_ip_prefix"),
    /**
     * The trader's own GBP bank-transfer reference (GET /deposits/reference): an operator, or
     * later the bank gateway, finds whose deposit arrived by it. Unique; assigned at sign-up.
     */
    depositReference: text("deposit_reference"),
    createdAtMs: smallInteger("created_at_ms").notNull(),
  },
  (table) => [
    uniqueIndex("users_email_unique").on(table.email),
    uniqueIndex("users_referral_code_unique").on(table.referralCode),
    uniqueIndex("users_deposit_reference_unique").on(table.depositReference),
  ],
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
