import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { smallInteger } from "./types.ts";
import { users } from "./users.ts";

/** Single-use 2FA recovery codes, stored as SHA-256 hashes of the normalised code. */
export const recoveryCodes = sqliteTable(
  "recovery_codes",
  {
    codeHash: text("code_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    createdAtMs: smallInteger("created_at_ms").notNull(),
    usedAtMs: smallInteger("used_at_ms"),
  },
  (table) => [index("recovery_codes_user_idx").on(table.userId)],
);
