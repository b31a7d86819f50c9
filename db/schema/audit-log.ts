import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { smallInteger } from "./types.ts";

/**
 * One append-only audit log for every security and money event. Each row carries the hash
 * of the previous one, so a deleted or edited row breaks the chain and reconciliation sees it.
 */
export const auditLog = sqliteTable(
  "audit_log",
  {
    sequence: integer("sequence", { mode: "number" }).primaryKey(),
    atMs: smallInteger("at_ms").notNull(),
    userId: text("user_id"),
    actor: text("actor").notNull(),
    event: text("event").notNull(),
    outcome: text("outcome", { enum: ["success", "failure", "info"] }).notNull(),
    requestId: text("request_id"),
    ipAddress: text("ip_address"),
    detail: text("detail").notNull().default("{}"),
    previousHash: text("previous_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (table) => [index("audit_user_idx").on(table.userId, table.sequence)],
);

export type AuditRow = typeof auditLog.$inferSelect;
