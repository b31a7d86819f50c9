import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { minorUnits, smallInteger } from "./types.ts";
import { users } from "./users.ts";

/**
 * The double-entry ledger (worker/services/ledger/ explains the rules; the UserLedger Durable
 * Object is the only writer of a user's rows). Entries and postings are append-only (triggers
 * in the migration refuse UPDATE and DELETE); balances are the fold of postings, changed in
 * the same atomic batch; holds resolve at most once.
 *
 * Bounds (see assets.ts): every amount is a signed 64-bit INTEGER of minor units, no balance
 * beyond 4e18 in magnitude, so SQLite's `balance + amount` never overflows into a float.
 */

// Literal SQL inside CHECKs: DDL cannot take bound parameters.
const MAX_BALANCE = sql.raw("4000000000000000000");
const BOOK_VALUES = sql.raw("('live', 'paper')");

export const ledgerEntries = sqliteTable(
  "ledger_entries",
  {
    /** Insertion order: the stable, monotonic key for "newest first" paging. */
    sequence: integer("sequence", { mode: "number" }).primaryKey(),
    /** Derived from the idempotency key (and the user it is scoped to): a retry finds it. */
    id: text("id").notNull(),
    /** Whose ledger the entry belongs to; every user account it touches is this user's. */
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    book: text("book", { enum: ["live", "paper"] }).notNull(),
    /** Why money moved: paper_deposit, ops_deposit, order_hold, fill, withdrawal_settle, … */
    type: text("type").notNull(),
    /** The outside reference: a bank reference, an order or trade id, a withdrawal id. */
    reference: text("reference"),
    /** The hold this entry creates or resolves, if any. */
    holdId: text("hold_id"),
    /** SHA-256 of the canonical request: same key with another request is a conflict. */
    requestHash: text("request_hash").notNull(),
    /** The receipt (JSON) the first request got; a retry gets exactly this again. */
    result: text("result").notNull(),
    createdAtMs: smallInteger("created_at_ms").notNull(),
  },
  (table) => [
    uniqueIndex("ledger_entries_id_unique").on(table.id),
    index("ledger_entries_user_idx").on(table.userId, table.sequence),
    index("ledger_entries_user_type_idx").on(table.userId, table.type, table.createdAtMs),
    index("ledger_entries_hold_idx").on(table.userId, table.holdId),
    check("ledger_entries_book", sql`${table.book} IN ${BOOK_VALUES}`),
  ],
);

export const ledgerPostings = sqliteTable(
  "ledger_postings",
  {
    entryId: text("entry_id")
      .notNull()
      .references(() => ledgerEntries.id),
    postingIndex: smallInteger("posting_index").notNull(),
    account: text("account").notNull(),
    book: text("book", { enum: ["live", "paper"] }).notNull(),
    asset: text("asset").notNull(),
    /** Signed minor units: positive credits the account, negative debits it. */
    amount: minorUnits("amount").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.entryId, table.postingIndex] }),
    index("ledger_postings_account_idx").on(table.account, table.asset),
    check("ledger_postings_amount_nonzero", sql`${table.amount} != 0`),
    check(
      "ledger_postings_amount_integer",
      sql`typeof(${table.amount}) = 'integer' AND ${table.amount} BETWEEN -${MAX_BALANCE} AND ${MAX_BALANCE}`,
    ),
    check(
      "ledger_postings_account_in_book",
      sql`${table.account} LIKE 'user:%:' || ${table.book} || ':%' OR ${table.account} LIKE 'system:' || ${table.book} || ':%'`,
    ),
  ],
);

export const ledgerBalances = sqliteTable(
  "ledger_balances",
  {
    account: text("account").notNull(),
    asset: text("asset").notNull(),
    /** Set for user accounts (which may never go negative), null for system accounts. */
    userId: text("user_id").references(() => users.id),
    book: text("book", { enum: ["live", "paper"] }).notNull(),
    balance: minorUnits("balance").notNull(),
    updatedAtMs: smallInteger("updated_at_ms").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.account, table.asset] }),
    index("ledger_balances_user_idx").on(table.userId),
    check("ledger_balances_user_non_negative", sql`${table.userId} IS NULL OR ${table.balance} >= 0`),
    // typeof() catches a float sneaking in (SQLite turns an overflowing sum into REAL).
    check(
      "ledger_balances_bounded_integer",
      sql`typeof(${table.balance}) = 'integer' AND ${table.balance} BETWEEN -${MAX_BALANCE} AND ${MAX_BALANCE}`,
    ),
    check(
      "ledger_balances_account_owner",
      sql`(${table.userId} IS NOT NULL AND ${table.account} LIKE 'user:' || ${table.userId} || ':' || ${table.book} || ':%') OR (${table.userId} IS NULL AND ${table.account} LIKE 'system:' || ${table.book} || ':%')`,
    ),
  ],
);

export const ledgerHolds = sqliteTable(
  "ledger_holds",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    /** Chosen by the caller (an order id, a withdrawal id), unique per user. */
    id: text("id").notNull(),
    book: text("book", { enum: ["live", "paper"] }).notNull(),
    asset: text("asset").notNull(),
    kind: text("kind", { enum: ["order", "withdrawal"] }).notNull(),
    /** Where the money came from and where a release returns it: available or a bot's account. */
    sourceAccount: text("source_account").notNull(),
    amount: minorUnits("amount").notNull(),
    remaining: minorUnits("remaining").notNull(),
    status: text("status", { enum: ["open", "settled", "released"] }).notNull(),
    createdEntryId: text("created_entry_id").notNull(),
    createdAtMs: smallInteger("created_at_ms").notNull(),
    resolvedAtMs: smallInteger("resolved_at_ms"),
  },
  (table) => [
    primaryKey({ columns: [table.userId, table.id] }),
    check("ledger_holds_amount_positive", sql`typeof(${table.amount}) = 'integer' AND ${table.amount} > 0`),
    check(
      "ledger_holds_remaining_within_amount",
      sql`typeof(${table.remaining}) = 'integer' AND ${table.remaining} >= 0 AND ${table.remaining} <= ${table.amount}`,
    ),
    // Open exactly while something remains: a resolved hold has nothing left to settle or release.
    check("ledger_holds_open_iff_remaining", sql`(${table.status} = 'open') = (${table.remaining} > 0)`),
  ],
);

export type LedgerEntryRow = typeof ledgerEntries.$inferSelect;
export type LedgerPostingRow = typeof ledgerPostings.$inferSelect;
export type LedgerBalanceRow = typeof ledgerBalances.$inferSelect;
export type LedgerHoldRow = typeof ledgerHolds.$inferSelect;
