import type { OrderRow, TradeRow } from "../../../db/schema/orders.ts";
import type { Book, Venue } from "../ledger/accounts.ts";
import { ASSETS, type AssetCode } from "../ledger/assets.ts";
import { formatMinor } from "../markets/decimal.ts";
import type { OrderSide, OrderType } from "../markets/filters.ts";
import { MARKETS, type MarketSymbol } from "../markets/symbols.ts";
import { averagePriceMinor, type Progress } from "./execution.ts";

/**
 * Orders as the domain sees them, and as the API shows them. Status:
 *
 *   open              resting, nothing filled yet
 *   partially_filled  resting, some filled
 *   filled            done in full
 *   cancelled         closed before filling in full (by the user, or the unfilled rest of a
 *                     market order expired); `filledQuantity` says how much did fill
 *   rejected          refused after it was recorded (insufficient funds, market data stale,
 *                     the exchange refused a LIVE order: reason `exchange_<kind>`); nothing moved
 */

const ORDER_STATUSES = ["open", "partially_filled", "filled", "cancelled", "rejected"] as const;
type OrderStatus = (typeof ORDER_STATUSES)[number];
export const RESTING_STATUSES: readonly OrderStatus[] = ["open", "partially_filled"];

type OrderMode = Book;

/** An order the filters accepted, in exact units: what the Worker hands the order desk. */
export interface OrderRequest {
  userId: string;
  /** The client's Idempotency-Key, namespaced ("api:<key>", "page:<key>", "bot:<bot id>:<key>"). */
  clientKey: string;
  /** Placed by this bot: held from and settled into the bot's allocation. */
  botId?: string | undefined;
  mode: OrderMode;
  symbol: MarketSymbol;
  side: OrderSide;
  type: OrderType;
  quantityMinor?: bigint | undefined;
  quoteAmountMinor?: bigint | undefined;
  priceMinor?: bigint | undefined;
  /** Stop-limit orders: the trigger price. */
  stopPriceMinor?: bigint | undefined;
}

/** The record of an order in code (the row, typed). */
export interface OrderRecord extends Progress {
  id: string;
  userId: string;
  clientKey: string;
  botId: string | null;
  requestHash: string;
  mode: OrderMode;
  venue: Venue;
  symbol: MarketSymbol;
  side: OrderSide;
  type: OrderType;
  priceMinor: bigint | null;
  quantityMinor: bigint | null;
  quoteAmountMinor: bigint | null;
  /** Stop-limit orders: the trigger price, and when the market reached it (null: not yet). */
  stopPriceMinor: bigint | null;
  triggeredAtMs: number | null;
  holdAsset: AssetCode;
  holdAmountMinor: bigint;
  makerRate: string;
  takerRate: string;
  /** Share of the list fee waived for this order ("0": none), fixed at placement. */
  feeDiscountRate: string;
  feeAsset: AssetCode;
  status: OrderStatus;
  reason: string | null;
  fillCount: number;
  checkedUntilMs: number;
  pending: string | null;
  /** Failed attempts at the pending step, and when the alarm may try again (flows/flow.ts). */
  attempts: number;
  retryAtMs: number | null;
  /** Why finishing the pending step broke an invariant: never retried, left for an operator. */
  halted: string | null;
  createdAtMs: number;
  updatedAtMs: number;
  closedAtMs: number | null;
  /** LIVE only (VenueReceipt): the exchange's order id, its last trade settled, its commission so far. */
  venueOrderId: string | null;
  venueTradeId: number | null;
  venueCommissionAsset: AssetCode | null;
  venueCommissionMinor: bigint;
}

export function recordOfRow(row: OrderRow): OrderRecord {
  return {
    id: row.id,
    userId: row.userId,
    clientKey: row.clientKey,
    botId: row.botId,
    requestHash: row.requestHash,
    mode: row.mode,
    venue: row.venue as Venue,
    symbol: row.symbol as MarketSymbol,
    side: row.side,
    type: row.type,
    priceMinor: row.price,
    quantityMinor: row.quantity,
    quoteAmountMinor: row.quoteAmount,
    stopPriceMinor: row.stopPrice,
    triggeredAtMs: row.triggeredAtMs,
    holdAsset: row.holdAsset as AssetCode,
    holdAmountMinor: row.holdAmount,
    makerRate: row.makerRate,
    takerRate: row.takerRate,
    feeDiscountRate: row.feeDiscountRate,
    feeAsset: row.feeAsset as AssetCode,
    status: row.status,
    reason: row.reason,
    filledQuantityMinor: row.filledQuantity,
    filledQuoteMinor: row.filledQuote,
    quoteRemainder: row.quoteRemainder,
    makerQuoteMinor: row.makerQuote,
    takerQuoteMinor: row.takerQuote,
    feeMinor: row.fee,
    feeDiscountMinor: row.feeDiscount,
    fillCount: row.fillCount,
    checkedUntilMs: row.checkedUntilMs,
    pending: row.pending,
    attempts: row.attempts,
    retryAtMs: row.retryAtMs,
    halted: row.halted,
    createdAtMs: row.createdAtMs,
    updatedAtMs: row.updatedAtMs,
    closedAtMs: row.closedAtMs,
    venueOrderId: row.venueOrderId,
    venueTradeId: row.venueTradeId,
    venueCommissionAsset: row.venueCommissionAsset as AssetCode | null,
    venueCommissionMinor: row.venueCommission,
  };
}

export function rowOfRecord(record: OrderRecord): OrderRow {
  return {
    id: record.id,
    userId: record.userId,
    clientKey: record.clientKey,
    botId: record.botId,
    requestHash: record.requestHash,
    mode: record.mode,
    venue: record.venue,
    symbol: record.symbol,
    side: record.side,
    type: record.type,
    price: record.priceMinor,
    quantity: record.quantityMinor,
    quoteAmount: record.quoteAmountMinor,
    stopPrice: record.stopPriceMinor,
    triggeredAtMs: record.triggeredAtMs,
    holdAsset: record.holdAsset,
    holdAmount: record.holdAmountMinor,
    makerRate: record.makerRate,
    takerRate: record.takerRate,
    feeDiscountRate: record.feeDiscountRate,
    feeAsset: record.feeAsset,
    status: record.status,
    reason: record.reason,
    filledQuantity: record.filledQuantityMinor,
    filledQuote: record.filledQuoteMinor,
    quoteRemainder: record.quoteRemainder,
    makerQuote: record.makerQuoteMinor,
    takerQuote: record.takerQuoteMinor,
    fee: record.feeMinor,
    feeDiscount: record.feeDiscountMinor,
    fillCount: record.fillCount,
    checkedUntilMs: record.checkedUntilMs,
    pending: record.pending,
    attempts: record.attempts,
    retryAtMs: record.retryAtMs,
    halted: record.halted,
    createdAtMs: record.createdAtMs,
    updatedAtMs: record.updatedAtMs,
    closedAtMs: record.closedAtMs,
    venueOrderId: record.venueOrderId,
    venueTradeId: record.venueTradeId,
    venueCommissionAsset: record.venueCommissionAsset,
    venueCommission: record.venueCommissionMinor,
  };
}

/** The wire shape of an order: decimal strings, ISO times. */
export interface OrderView {
  id: string;
  mode: OrderMode;
  status: OrderStatus;
  symbol: MarketSymbol;
  base: AssetCode;
  quote: AssetCode;
  side: OrderSide;
  type: OrderType;
  price: string | null;
  quantity: string | null;
  quoteAmount: string | null;
  /** Stop-limit orders: the trigger price, and when the market reached it. */
  stopPrice: string | null;
  triggeredAt: string | null;
  filledQuantity: string;
  /** Quote value of the fills (spent by a buy, received by a sell before the fee). */
  filledQuote: string;
  averagePrice: string | null;
  fee: string;
  feeAsset: AssetCode;
  makerRate: string;
  takerRate: string;
  /** The share of the list fee waived (plan, referral), and what it waived so far. */
  feeDiscountRate: string;
  feeDiscount: string;
  reason: string | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export function orderView(order: OrderRecord): OrderView {
  const market = MARKETS[order.symbol];
  const baseScale = ASSETS[market.base].scale;
  const quoteScale = ASSETS[market.quote].scale;
  const price = (minor: bigint) => formatMinor(minor, quoteScale, market.priceDecimals);
  const average = averagePriceMinor(order.side, order, baseScale);
  return {
    id: order.id,
    mode: order.mode,
    status: order.status,
    symbol: order.symbol,
    base: market.base,
    quote: market.quote,
    side: order.side,
    type: order.type,
    price: order.priceMinor === null ? null : price(order.priceMinor),
    quantity: order.quantityMinor === null ? null : formatMinor(order.quantityMinor, baseScale),
    quoteAmount: order.quoteAmountMinor === null ? null : formatMinor(order.quoteAmountMinor, quoteScale),
    stopPrice: order.stopPriceMinor === null ? null : price(order.stopPriceMinor),
    triggeredAt: order.triggeredAtMs === null ? null : new Date(order.triggeredAtMs).toISOString(),
    filledQuantity: formatMinor(order.filledQuantityMinor, baseScale),
    filledQuote: formatMinor(order.filledQuoteMinor, quoteScale),
    averagePrice: average === null ? null : price(average),
    fee: formatMinor(order.feeMinor, ASSETS[order.feeAsset].scale),
    feeAsset: order.feeAsset,
    makerRate: order.makerRate,
    takerRate: order.takerRate,
    feeDiscountRate: order.feeDiscountRate,
    feeDiscount: formatMinor(order.feeDiscountMinor, ASSETS[order.feeAsset].scale),
    reason: order.reason,
    createdAt: new Date(order.createdAtMs).toISOString(),
    updatedAt: new Date(order.updatedAtMs).toISOString(),
    closedAt: order.closedAtMs === null ? null : new Date(order.closedAtMs).toISOString(),
  };
}

export interface TradeView {
  id: string;
  orderId: string;
  mode: OrderMode;
  symbol: MarketSymbol;
  side: OrderSide;
  liquidity: "maker" | "taker";
  price: string;
  quantity: string;
  quoteAmount: string;
  quoteAsset: AssetCode;
  fee: string;
  feeAsset: AssetCode;
  time: string;
}

export function tradeView(row: TradeRow): TradeView {
  const symbol = row.symbol as MarketSymbol;
  const market = MARKETS[symbol];
  const quoteScale = ASSETS[market.quote].scale;
  return {
    id: row.id,
    orderId: row.orderId,
    mode: row.mode,
    symbol,
    side: row.side,
    liquidity: row.liquidity,
    price: formatMinor(row.price, quoteScale, market.priceDecimals),
    quantity: formatMinor(row.quantity, ASSETS[market.base].scale),
    quoteAmount: formatMinor(row.quote, quoteScale),
    quoteAsset: market.quote,
    fee: formatMinor(row.fee, ASSETS[row.feeAsset as AssetCode].scale),
    feeAsset: row.feeAsset as AssetCode,
    time: new Date(row.createdAtMs).toISOString(),
  };
}

/** Failures cross Durable Object RPC as data (custom error classes do not survive it). */
export interface DeskFailure {
  status: 400 | 403 | 404 | 409 | 500 | 503;
  code: string;
  message: string;
  fields?: Record<string, string>;
}

/** Milliseconds a placement spent waiting on each dependency (for Server-Timing). */
export interface DeskTiming {
  databaseMs: number;
  ledgerMs: number;
  venueMs: number;
}

export type DeskOutcome<T> = { ok: true; value: T; timing?: DeskTiming } | { ok: false; error: DeskFailure };
