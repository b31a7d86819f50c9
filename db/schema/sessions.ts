import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { smallInteger } from "./types.ts";
import { users } from "./users.ts";

export const sessions = sqliteTable(
  "sessions",
  {
    /** SHA-256 of the cookie value: a leaked table does not leak usable sessions. */
    id: text("id").primaryKey(),
    /** Short public handle shown in the session list and used to revoke. */
    publicId: text("public_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    userAgent: text("user_agent").notNull().default(""),
    ipAddress: text("ip_address").notNull().default(""),
    createdAtMs: smallInteger("created_at_ms").notNull(),
    lastSeenAtMs: smallInteger("last_seen_at_ms").notNull(),
    /** Last time the user proved a second factor in this session. */
    verifiedAtMs: smallInteger("verified_at_ms").notNull().default(0),
    expiresAtMs: smallInteger("expires_at_ms").notNull(),
    revokedAtMs: smallInteger("revoked_at_ms"),
  },
  (table) => [index("sessions_user_idx").on(table.userId), index("sessions_public_idx").on(table.publicId)],
);

export type Session = typeof sessions.$inferSelect;
