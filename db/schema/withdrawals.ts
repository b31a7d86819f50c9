import { sql } from "drizzle-orm";
import { index, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { minorUnits, smallInteger } from "./types.ts";
import { users } from "./users.ts";

/**
 * Whitelisted withdrawal addresses: a new address is `pending` for a cooling-off period
 * (an attacker with a stolen session cannot add an address and drain it at once); removal
 * is immediate. Addresses are stored in their canonical form (checksummed where the chain
 * has one).
 */
export const withdrawalAddresses = sqliteTable(
  "withdrawal_addresses",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    asset: text("asset").notNull(),
    network: text("network").notNull(),
    address: text("address").notNull(),
    label: text("label").notNull().default(""),
    createdAtMs: smallInteger("created_at_ms").notNull(),
    activeAtMs: smallInteger("active_at_ms").notNull(),
    removedAtMs: smallInteger("removed_at_ms"),
  },
  (table) => [index("withdrawal_addresses_user_idx").on(table.userId, table.asset)],
);

/**
 * requested -> held -> (approved) -> processing -> completed, or rejected / cancelled /
 * failed. Funds are held in the user's live book at request time (one ledger hold), and the
 * hold is settled or released exactly once when the withdrawal ends.
 */
export const WITHDRAWAL_STATUSES = [
  "requested",
  "held",
  "approved",
  "processing",
  "completed",
  "rejected",
  "cancelled",
  "failed",
] as const;

export const withdrawals = sqliteTable(
  "withdrawals",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    /** Scoped to the user: the same client key twice is the same withdrawal. */
    idempotencyKey: text("idempotency_key").notNull(),
    requestHash: text("request_hash").notNull(),
    asset: text("asset").notNull(),
    amount: minorUnits("amount").notNull(),
    /** GBP-equivalent at request time, for velocity limits and the approval threshold. */
    amountGbp: minorUnits("amount_gbp").notNull(),
    addressId: text("address_id").notNull(),
    address: text("address").notNull(),
    status: text("status", { enum: WITHDRAWAL_STATUSES }).notNull(),
    requiresApproval: smallInteger("requires_approval").notNull().default(0),
    holdId: text("hold_id").notNull(),
    reviewedBy: text("reviewed_by"),
    transactionReference: text("transaction_reference"),
    reason: text("reason"),
    /**
     * The step in flight (JSON), written before the ledger is called and cleared in the write
     * that records its outcome: the user's UserOrders object resumes it from its alarm.
     */
    pending: text("pending"),
    attempts: smallInteger("attempts").notNull().default(0),
    retryAtMs: smallInteger("retry_at_ms"),
    /** An invariant broke while finishing the pending step: never retried, left for an operator. */
    halted: text("halted"),
    createdAtMs: smallInteger("created_at_ms").notNull(),
    updatedAtMs: smallInteger("updated_at_ms").notNull(),
  },
  (table) => [
    uniqueIndex("withdrawals_user_key_unique").on(table.userId, table.idempotencyKey),
    index("withdrawals_pending_idx").on(table.userId).where(sql`${table.pending} IS NOT NULL`),
    index("withdrawals_user_idx").on(table.userId, table.createdAtMs),
    index("withdrawals_status_idx").on(table.status, table.createdAtMs),
  ],
);

export type WithdrawalAddress = typeof withdrawalAddresses.$inferSelect;
export type Withdrawal = typeof withdrawals.$inferSelect;
