import { ASSETS, type AssetCode, isAssetCode } from "../ledger/assets.ts";
import {
  type ExactDecimal,
  parseDecimal,
  type Rounding,
  toScaleExact,
  toScaleRounded,
} from "../markets/decimal.ts";
import type { OrderSide, OrderType } from "../markets/filters.ts";
import { MARKET_SYMBOLS, MARKETS, type MarketSymbol } from "../markets/symbols.ts";
import { ExchangeError } from "./errors.ts";
import { orderIdFromClientOrderId } from "./ids.ts";

/**
 * Binance's answers, checked field by field and turned into the platform's units: prices in
 * quote minor units per whole base unit, quantities in base minor units (markets/symbols.ts),
 * at the scales of the ledger's asset registry. Binance sends decimals as strings with up to 8
 * places, so every conversion is exact or says how it rounds:
 *
 *   price, quantity      exact (they are on the symbol's tick and lot grids, which our scales
 *                        hold); a value off our grid is a malformed answer, not rounded
 *   commission           rounded UP to the asset's scale (a cost is never understated: USDT
 *                        has 6 places here, Binance charges to 8)
 *   quote totals         rounded DOWN (cummulativeQuoteQty, quoteQty); settle from the fills'
 *                        exact price x quantity instead, as the order desk does
 *   balances             rounded DOWN (what we can count on is never overstated)
 *
 * Every rounded amount keeps Binance's text next to it, so a report can show the exact value.
 * A malformed answer throws ExchangeError("malformed_response").
 */

export type ExchangeOrderStatus =
  | "NEW"
  | "PENDING_NEW"
  | "PARTIALLY_FILLED"
  | "FILLED"
  | "CANCELED"
  | "PENDING_CANCEL"
  | "REJECTED"
  | "EXPIRED"
  | "EXPIRED_IN_MATCH";

const ORDER_STATUSES: ReadonlySet<string> = new Set<ExchangeOrderStatus>([
  "NEW",
  "PENDING_NEW",
  "PARTIALLY_FILLED",
  "FILLED",
  "CANCELED",
  "PENDING_CANCEL",
  "REJECTED",
  "EXPIRED",
  "EXPIRED_IN_MATCH",
]);

/** Still on the book: more fills may come. */
export function isOpenStatus(status: ExchangeOrderStatus): boolean {
  return (
    status === "NEW" ||
    status === "PARTIALLY_FILLED" ||
    status === "PENDING_NEW" ||
    status === "PENDING_CANCEL"
  );
}

export interface ExchangeFill {
  /** Binance trade id (per symbol). */
  tradeId: number;
  priceMinor: bigint;
  quantityMinor: bigint;
  /** Fills in a placement answer took liquidity; myTrades says which did. */
  liquidity: "maker" | "taker";
  /** Binance's asset code (BNB when fee burning is on: then `commissionMinor` is null). */
  commissionAsset: string;
  /** In `commissionAsset` minor units, rounded up; null when the asset is not one of ours. */
  commissionMinor: bigint | null;
  commissionText: string;
}

export interface ExchangeOrder {
  symbol: MarketSymbol;
  /** Binance's order id (per symbol). */
  exchangeOrderId: number;
  clientOrderId: string;
  /** Our order id when the client order id is one of ours (ids.ts), else null. */
  orderId: string | null;
  side: OrderSide;
  type: OrderType;
  timeInForce: string | null;
  status: ExchangeOrderStatus;
  /** Limit price; 0 for a market order. */
  priceMinor: bigint;
  /** Base quantity asked; 0 for a market buy sized by quote amount. */
  origQuantityMinor: bigint;
  executedQuantityMinor: bigint;
  /** Rounded down to the quote scale; `cumulativeQuoteText` is Binance's exact figure. */
  cumulativeQuoteMinor: bigint;
  cumulativeQuoteText: string;
  /** Quote amount asked (market buy by quote), else 0. */
  origQuoteAmountMinor: bigint;
  /** When the exchange last changed the order (transactTime / updateTime), Unix ms. */
  updatedAtMs: number;
  /** From a FULL placement answer, or rebuilt from myTrades after a recovery; else empty. */
  fills: ExchangeFill[];
}

export interface ExchangeTrade extends ExchangeFill {
  symbol: MarketSymbol;
  exchangeOrderId: number;
  side: OrderSide;
  /** Rounded down to the quote scale; `quoteQuantityText` is exact. */
  quoteQuantityMinor: bigint;
  quoteQuantityText: string;
  timeMs: number;
}

export interface ExchangeBalance {
  /** Binance's asset code. */
  asset: string;
  freeText: string;
  lockedText: string;
  /** Present for the platform's assets: minor units rounded down (exact unless `exact` is false). */
  freeMinor?: bigint;
  lockedMinor?: bigint;
  exact?: boolean;
}

export interface ExchangeAccount {
  canTrade: boolean;
  updatedAtMs: number;
  balances: ExchangeBalance[];
}

// ---- Field access --------------------------------------------------------------------------

export function malformed(what: string): ExchangeError {
  return new ExchangeError("malformed_response", `Binance answered a malformed ${what}.`, {
    definite: false,
    retryable: false,
  });
}

export function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

export function textField(value: unknown, key: string): string {
  const raw = field(value, key);
  if (typeof raw !== "string") throw malformed(key);
  return raw;
}

export function integerField(value: unknown, key: string): number {
  const raw = field(value, key);
  if (typeof raw !== "number" || !Number.isSafeInteger(raw)) throw malformed(key);
  return raw;
}

function booleanField(value: unknown, key: string): boolean {
  const raw = field(value, key);
  if (typeof raw !== "boolean") throw malformed(key);
  return raw;
}

export function decimalField(value: unknown, key: string): ExactDecimal {
  const parsed = parseDecimal(textField(value, key));
  if (!parsed) throw malformed(key);
  return parsed;
}

// ---- Units ---------------------------------------------------------------------------------

export function exactMinor(decimal: ExactDecimal, scale: number, what: string): bigint {
  const minor = toScaleExact(decimal, scale);
  if (minor === null) throw malformed(`${what} (more decimals than the asset's ${scale})`);
  return minor;
}

export function roundedMinor(decimal: ExactDecimal, scale: number, rounding: Rounding): bigint {
  return toScaleRounded(decimal, scale, rounding);
}

/** The platform symbol for a Binance symbol we trade, or null. */
export function marketSymbolOf(binanceSymbol: string): MarketSymbol | null {
  return MARKET_SYMBOLS.find((symbol) => MARKETS[symbol].binanceSymbol === binanceSymbol) ?? null;
}

function parseSymbol(value: unknown): MarketSymbol {
  const symbol = marketSymbolOf(textField(value, "symbol"));
  if (!symbol) throw malformed("symbol (not one of our markets)");
  return symbol;
}

function parseSide(value: unknown): OrderSide {
  const side = textField(value, "side");
  if (side === "BUY") return "buy";
  if (side === "SELL") return "sell";
  throw malformed("side");
}

function parseType(value: unknown): OrderType {
  const type = textField(value, "type");
  if (type === "MARKET") return "market";
  if (type === "LIMIT") return "limit";
  throw malformed(`type ${type.slice(0, 20)} (only MARKET and LIMIT are placed by us)`);
}

function parseStatus(value: unknown): ExchangeOrderStatus {
  const status = textField(value, "status");
  if (!ORDER_STATUSES.has(status)) throw malformed("status");
  return status as ExchangeOrderStatus;
}

function commissionOf(asset: string, decimal: ExactDecimal): bigint | null {
  return isAssetCode(asset) ? roundedMinor(decimal, ASSETS[asset].scale, "ceil") : null;
}

function parseFill(symbol: MarketSymbol, value: unknown, liquidity: "maker" | "taker"): ExchangeFill {
  const market = MARKETS[symbol];
  const commissionAsset = textField(value, "commissionAsset");
  return {
    tradeId: integerField(value, field(value, "tradeId") === undefined ? "id" : "tradeId"),
    priceMinor: exactMinor(decimalField(value, "price"), ASSETS[market.quote].scale, "price"),
    quantityMinor: exactMinor(decimalField(value, "qty"), ASSETS[market.base].scale, "qty"),
    liquidity,
    commissionAsset,
    commissionMinor: commissionOf(commissionAsset, decimalField(value, "commission")),
    commissionText: textField(value, "commission"),
  };
}

/** An order as placement (ACK is never asked for), query, cancel and openOrders answer it. */
export function parseOrder(value: unknown): ExchangeOrder {
  const symbol = parseSymbol(value);
  const market = MARKETS[symbol];
  const quoteScale = ASSETS[market.quote].scale;
  const baseScale = ASSETS[market.base].scale;
  const clientOrderId = textField(value, "clientOrderId");
  // A cancel answers the new (cancel's) client id in clientOrderId and the order's in origClientOrderId.
  const origClientOrderId = field(value, "origClientOrderId");
  const orderClientId = typeof origClientOrderId === "string" ? origClientOrderId : clientOrderId;
  const timeInForce = field(value, "timeInForce");
  const updatedAt =
    field(value, "updateTime") !== undefined
      ? integerField(value, "updateTime")
      : field(value, "transactTime") !== undefined
        ? integerField(value, "transactTime")
        : integerField(value, "time");
  const rawFills = field(value, "fills");
  if (rawFills !== undefined && !Array.isArray(rawFills)) throw malformed("fills");
  const cumulativeQuoteText = textField(value, "cummulativeQuoteQty");
  const origQuote = field(value, "origQuoteOrderQty");
  return {
    symbol,
    exchangeOrderId: integerField(value, "orderId"),
    clientOrderId: orderClientId,
    orderId: orderIdFromClientOrderId(orderClientId),
    side: parseSide(value),
    type: parseType(value),
    timeInForce: typeof timeInForce === "string" ? timeInForce : null,
    status: parseStatus(value),
    priceMinor: exactMinor(decimalField(value, "price"), quoteScale, "price"),
    origQuantityMinor: exactMinor(decimalField(value, "origQty"), baseScale, "origQty"),
    executedQuantityMinor: exactMinor(decimalField(value, "executedQty"), baseScale, "executedQty"),
    cumulativeQuoteMinor: roundedMinor(decimalField(value, "cummulativeQuoteQty"), quoteScale, "floor"),
    cumulativeQuoteText,
    origQuoteAmountMinor:
      origQuote === undefined
        ? 0n
        : roundedMinor(decimalField(value, "origQuoteOrderQty"), quoteScale, "floor"),
    updatedAtMs: updatedAt,
    fills: (rawFills ?? []).map((fill) => parseFill(symbol, fill, "taker")),
  };
}

export function parseTrade(value: unknown): ExchangeTrade {
  const symbol = parseSymbol(value);
  const market = MARKETS[symbol];
  const isMaker = booleanField(value, "isMaker");
  const fill = parseFill(symbol, value, isMaker ? "maker" : "taker");
  return {
    ...fill,
    symbol,
    exchangeOrderId: integerField(value, "orderId"),
    side: booleanField(value, "isBuyer") ? "buy" : "sell",
    quoteQuantityMinor: roundedMinor(decimalField(value, "quoteQty"), ASSETS[market.quote].scale, "floor"),
    quoteQuantityText: textField(value, "quoteQty"),
    timeMs: integerField(value, "time"),
  };
}

export function parseAccount(value: unknown): ExchangeAccount {
  const balances = field(value, "balances");
  if (!Array.isArray(balances)) throw malformed("balances");
  return {
    canTrade: booleanField(value, "canTrade"),
    updatedAtMs: integerField(value, "updateTime"),
    balances: balances.map((entry): ExchangeBalance => {
      const asset = textField(entry, "asset");
      const freeText = textField(entry, "free");
      const lockedText = textField(entry, "locked");
      if (!isAssetCode(asset)) return { asset, freeText, lockedText };
      const scale = ASSETS[asset].scale;
      const free = decimalField(entry, "free");
      const locked = decimalField(entry, "locked");
      return {
        asset,
        freeText,
        lockedText,
        freeMinor: roundedMinor(free, scale, "floor"),
        lockedMinor: roundedMinor(locked, scale, "floor"),
        exact: toScaleExact(free, scale) !== null && toScaleExact(locked, scale) !== null,
      };
    }),
  };
}

/** Free and locked of one of our assets (zero when the exchange lists none). */
export function balanceOf(
  account: ExchangeAccount,
  asset: AssetCode,
): { freeMinor: bigint; lockedMinor: bigint } {
  const entry = account.balances.find((balance) => balance.asset === asset);
  return { freeMinor: entry?.freeMinor ?? 0n, lockedMinor: entry?.lockedMinor ?? 0n };
}
