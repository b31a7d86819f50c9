import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { minorUnits, smallInteger } from "./types.ts";
import { users } from "./users.ts";

/**
 * Spot orders and their fills (worker/services/trading/ explains the rules). A user's rows are
 * written only by that user's UserOrders Durable Object; money never lives here — every amount
 * on an order is mirrored by a hold or a fill in the user's ledger, keyed by the order id.
 *
 * Prices are quote minor units per whole base unit; quantities base minor units; quote
 * amounts and fees quote minor units (see worker/services/markets/symbols.ts).
 */

const MODE_VALUES = sql.raw("('live', 'paper')");
const STATUS_VALUES = sql.raw("('open', 'partially_filled', 'filled', 'cancelled', 'rejected')");

export const orders = sqliteTable(
  "orders",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    /** The client's Idempotency-Key: a retry finds the order instead of placing another. */
    clientKey: text("client_key").notNull(),
    /** The bot that placed it (its hold and fills use the bot's allocation), or null. */
    botId: text("bot_id"),
    /** SHA-256 of the canonical order: the same key with another order is a conflict. */
    requestHash: text("request_hash").notNull(),
    mode: text("mode", { enum: ["live", "paper"] }).notNull(),
    /** The ledger venue that executes it: "simulated" for paper, "binance" for live. */
    venue: text("venue").notNull(),
    symbol: text("symbol").notNull(),
    side: text("side", { enum: ["buy", "sell"] }).notNull(),
    type: text("type", { enum: ["market", "limit", "stop_limit"] }).notNull(),
    /** Limit price; null for market orders. */
    price: minorUnits("price"),
    /**
     * Stop-limit orders: the market price that triggers them, and when it did. Until then the
     * order rests in the desk only (its funds held); then it is a limit order at `price`.
     */
    stopPrice: minorUnits("stop_price"),
    triggeredAtMs: smallInteger("triggered_at_ms"),
    /** Requested base quantity; null for a market buy sized by quote amount. */
    quantity: minorUnits("quantity"),
    /** Requested quote amount of a market buy; null otherwise. */
    quoteAmount: minorUnits("quote_amount"),
    /** What the ledger holds for the order (the order id is the hold id). */
    holdAsset: text("hold_asset").notNull(),
    holdAmount: minorUnits("hold_amount").notNull(),
    /** Fee rates fixed when the order was placed, as decimal strings ("0.0010"). */
    makerRate: text("maker_rate").notNull(),
    takerRate: text("taker_rate").notNull(),
    feeAsset: text("fee_asset").notNull(),
    /**
     * The share of the list fee waived for this order (plan and referral discounts combined),
     * fixed at placement like the rates: "0" for none, "0.10000000" for 10 %.
     */
    feeDiscountRate: text("fee_discount_rate").notNull().default("0"),
    status: text("status", {
      enum: ["open", "partially_filled", "filled", "cancelled", "rejected"],
    }).notNull(),
    /** Why an order was rejected or closed without filling in full (a stable code). */
    reason: text("reason"),
    filledQuantity: minorUnits("filled_quantity").notNull(),
    /** Sum of the fills' quote amounts, rounded once over the whole order (buys up, sells down). */
    filledQuote: minorUnits("filled_quote").notNull(),
    /**
     * What that rounding added (buys) or dropped (sells), in quote minor units x 10^baseScale,
     * always below 10^baseScale: the exact value of the fills is recoverable without storing
     * a product that could overflow 64 bits.
     */
    quoteRemainder: minorUnits("quote_remainder").notNull(),
    /** Quote value filled as maker and as taker: the fee is computed from both, once per order. */
    makerQuote: minorUnits("maker_quote").notNull(),
    takerQuote: minorUnits("taker_quote").notNull(),
    fee: minorUnits("fee").notNull(),
    /** The part of the list fee waived so far; fee + feeDiscount is the list fee. */
    feeDiscount: minorUnits("fee_discount").notNull().default(sql`0`),
    fillCount: smallInteger("fill_count").notNull(),
    /** The market was checked against this resting order up to here (Unix ms). */
    checkedUntilMs: smallInteger("checked_until_ms").notNull(),
    /**
     * A step in flight (JSON): written before the ledger is called, cleared in the same batch
     * that records the outcome, so a crash in between is resumed with the same ledger keys.
     */
    pending: text("pending"),
    /** Failed attempts at the pending step; the owning object backs off per order. */
    attempts: smallInteger("attempts").notNull().default(0),
    /** The alarm retries the pending step no earlier than this (Unix ms); null: at once. */
    retryAtMs: smallInteger("retry_at_ms"),
    /**
     * Set when finishing the pending step broke an invariant: never retried, reported, and
     * left for an operator (reconciliation lists it as stuck).
     */
    halted: text("halted"),
    createdAtMs: smallInteger("created_at_ms").notNull(),
    updatedAtMs: smallInteger("updated_at_ms").notNull(),
    closedAtMs: smallInteger("closed_at_ms"),
    /**
     * LIVE orders (worker/services/trading/binance-venue.ts): the exchange's order id, the
     * newest exchange trade already settled (later checks ask only for newer ones, so each
     * trade is settled once), and the commission the exchange charged the platform's account
     * for the settled trades, in the asset it charged (the received asset). Users pay the
     * platform's fee; the exchange's commission is the platform's cost, which reconciliation
     * counts when it compares the ledger with the exchange's balances. Null/0 for PAPER.
     */
    venueOrderId: text("venue_order_id"),
    venueTradeId: smallInteger("venue_trade_id"),
    venueCommissionAsset: text("venue_commission_asset"),
    venueCommission: minorUnits("venue_commission").notNull().default(sql`0`),
  },
  (table) => [
    uniqueIndex("orders_user_client_key_unique").on(table.userId, table.clientKey),
    index("orders_user_created_idx").on(table.userId, table.createdAtMs),
    index("orders_user_status_idx").on(table.userId, table.status),
    index("orders_bot_idx").on(table.botId, table.createdAtMs),
    index("orders_pending_idx").on(table.userId).where(sql`${table.pending} IS NOT NULL`),
    check("orders_mode", sql`${table.mode} IN ${MODE_VALUES}`),
    check("orders_status", sql`${table.status} IN ${STATUS_VALUES}`),
    check(
      "orders_amounts_non_negative",
      sql`${table.filledQuantity} >= 0 AND ${table.filledQuote} >= 0 AND ${table.fee} >= 0 AND ${table.holdAmount} >= 0`,
    ),
    check("orders_sized_once", sql`(${table.quantity} IS NULL) != (${table.quoteAmount} IS NULL)`),
  ],
);

export const trades = sqliteTable(
  "trades",
  {
    /** `<order id>.<fill number>.<level>`: deterministic, so recording a fill twice is a no-op. */
    id: text("id").primaryKey(),
    orderId: text("order_id")
      .notNull()
      .references(() => orders.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    mode: text("mode", { enum: ["live", "paper"] }).notNull(),
    symbol: text("symbol").notNull(),
    side: text("side", { enum: ["buy", "sell"] }).notNull(),
    liquidity: text("liquidity", { enum: ["maker", "taker"] }).notNull(),
    price: minorUnits("price").notNull(),
    quantity: minorUnits("quantity").notNull(),
    quoteAsset: text("quote_asset").notNull(),
    quote: minorUnits("quote").notNull(),
    feeAsset: text("fee_asset").notNull(),
    fee: minorUnits("fee").notNull(),
    /** The part of the list fee waived on this trade. */
    feeDiscount: minorUnits("fee_discount").notNull().default(sql`0`),
    /** Which settlement of the order this trade belongs to (1, 2, …). */
    fillNumber: integer("fill_number", { mode: "number" }).notNull(),
    /** The ledger entry that settled it. */
    ledgerEntryId: text("ledger_entry_id").notNull(),
    createdAtMs: smallInteger("created_at_ms").notNull(),
  },
  (table) => [
    index("trades_user_created_idx").on(table.userId, table.createdAtMs),
    index("trades_order_idx").on(table.orderId),
    check("trades_mode", sql`${table.mode} IN ${MODE_VALUES}`),
    check("trades_positive", sql`${table.quantity} > 0 AND ${table.price} > 0 AND ${table.fee} >= 0`),
  ],
);

export type OrderRow = typeof orders.$inferSelect;
export type NewOrderRow = typeof orders.$inferInsert;
export type TradeRow = typeof trades.$inferSelect;
export type NewTradeRow = typeof trades.$inferInsert;
