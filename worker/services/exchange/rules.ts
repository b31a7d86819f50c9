import { ASSETS } from "../ledger/assets.ts";
import { type ExactDecimal, formatMinor, pow10, toScaleExact } from "../markets/decimal.ts";
import type { OrderSide, OrderType } from "../markets/filters.ts";
import { MARKETS, type MarketSymbol } from "../markets/symbols.ts";
import { ExchangeError, ExchangeFilterError } from "./errors.ts";
import { decimalField, field, malformed, marketSymbolOf, roundedMinor, textField } from "./parse.ts";

/**
 * The exchange's trading rules for our symbols, from `GET /api/v3/exchangeInfo`, in our units,
 * and the check of an order against them before it is sent.
 *
 * Why a second filter check: the order desk already checks every order against the market
 * registry's filters (markets/filters.ts), which are a recording of these. The exchange can
 * change its rules (and the testnet's differ); an order the exchange would refuse is cheaper
 * to refuse here, with the exchange's own filter name, than to send. The rules are cached by
 * the adapter (an hour) and re-read on demand.
 *
 * Filters, as Binance defines them (filters.md): PRICE_FILTER (min, max, tick; each 0 =
 * disabled; `(price - minPrice) % tickSize == 0`), LOT_SIZE and MARKET_LOT_SIZE (the same for
 * quantity), NOTIONAL (price x quantity within [min, max]; market orders only when
 * `applyMinToMarket` / `applyMaxToMarket`, valued at the average price) and its older form
 * MIN_NOTIONAL. A grid finer than our minor unit (a USDT tick of 0.00000001 where we keep 6
 * places) is satisfied by every value we can send, so it counts as one minor unit.
 */

interface Range {
  minMinor: bigint;
  /** 0 = no maximum. */
  maxMinor: bigint;
  /** 0 = no grid. */
  stepMinor: bigint;
}

export interface SymbolRules {
  symbol: MarketSymbol;
  binanceSymbol: string;
  status: string;
  orderTypes: readonly string[];
  quoteOrderQtyMarketAllowed: boolean;
  price: Range | undefined;
  lot: Range | undefined;
  marketLot: Range | undefined;
  notional:
    | { minMinor: bigint; maxMinor: bigint; applyMinToMarket: boolean; applyMaxToMarket: boolean }
    | undefined;
}

/** Parses exchangeInfo; symbols we do not trade (or cannot express) are left out. */
export function parseExchangeInfo(body: unknown): Map<MarketSymbol, SymbolRules> {
  const symbols = field(body, "symbols");
  if (!Array.isArray(symbols)) throw malformed("exchangeInfo.symbols");
  const rules = new Map<MarketSymbol, SymbolRules>();
  for (const entry of symbols) {
    const symbol = marketSymbolOf(textField(entry, "symbol"));
    if (!symbol || !MARKETS[symbol].liveTradable) continue;
    const parsed = parseSymbolRules(symbol, entry);
    if (parsed) rules.set(symbol, parsed);
  }
  return rules;
}

function parseSymbolRules(symbol: MarketSymbol, entry: unknown): SymbolRules | null {
  const market = MARKETS[symbol];
  // Our registry and the exchange must agree on what the pair is, or nothing here is meaningful.
  if (textField(entry, "baseAsset") !== market.base || textField(entry, "quoteAsset") !== market.quote) {
    throw malformed(`exchangeInfo for ${market.binanceSymbol} (assets differ from ours)`);
  }
  const baseScale = ASSETS[market.base].scale;
  const quoteScale = ASSETS[market.quote].scale;
  const filters = field(entry, "filters");
  const orderTypes = field(entry, "orderTypes");
  if (!Array.isArray(filters) || !Array.isArray(orderTypes)) throw malformed("exchangeInfo filters");
  const byType = new Map<string, unknown>();
  for (const filter of filters) byType.set(textField(filter, "filterType"), filter);

  const range = (
    filterName: string,
    min: string,
    max: string,
    step: string,
    scale: number,
  ): Range | undefined => {
    const filter = byType.get(filterName);
    if (filter === undefined) return undefined;
    const stepMinor = gridStep(decimalField(filter, step), scale);
    return stepMinor === null
      ? undefined
      : {
          minMinor: roundedMinor(decimalField(filter, min), scale, "ceil"),
          maxMinor: roundedMinor(decimalField(filter, max), scale, "floor"),
          stepMinor,
        };
  };
  const price = range("PRICE_FILTER", "minPrice", "maxPrice", "tickSize", quoteScale);
  const lot = range("LOT_SIZE", "minQty", "maxQty", "stepSize", baseScale);
  const marketLot = range("MARKET_LOT_SIZE", "minQty", "maxQty", "stepSize", baseScale);
  // A grid we cannot hit with our scales: the symbol is not tradable for us.
  if ((byType.has("PRICE_FILTER") && !price) || (byType.has("LOT_SIZE") && !lot)) return null;

  const notionalFilter = byType.get("NOTIONAL");
  const minNotionalFilter = byType.get("MIN_NOTIONAL");
  const notional =
    notionalFilter !== undefined
      ? {
          minMinor: roundedMinor(decimalField(notionalFilter, "minNotional"), quoteScale, "ceil"),
          maxMinor: roundedMinor(decimalField(notionalFilter, "maxNotional"), quoteScale, "floor"),
          applyMinToMarket: field(notionalFilter, "applyMinToMarket") === true,
          applyMaxToMarket: field(notionalFilter, "applyMaxToMarket") === true,
        }
      : minNotionalFilter !== undefined
        ? {
            minMinor: roundedMinor(decimalField(minNotionalFilter, "minNotional"), quoteScale, "ceil"),
            maxMinor: 0n,
            applyMinToMarket: field(minNotionalFilter, "applyToMarket") === true,
            applyMaxToMarket: false,
          }
        : undefined;
  return {
    symbol,
    binanceSymbol: market.binanceSymbol,
    status: textField(entry, "status"),
    orderTypes: orderTypes.filter((type): type is string => typeof type === "string"),
    quoteOrderQtyMarketAllowed: field(entry, "quoteOrderQtyMarketAllowed") === true,
    price,
    lot,
    marketLot,
    notional,
  };
}

/** The step in minor units; 0 when disabled; 1 when finer than (and dividing) our unit; null when unusable. */
function gridStep(step: ExactDecimal, scale: number): bigint | null {
  if (step.digits === 0n) return 0n;
  const exact = toScaleExact(step, scale);
  if (exact !== null) return exact;
  // step = digits / 10^step.scale < 10^-scale: it divides our unit iff digits divides 10^(step.scale - scale).
  return pow10(step.scale - scale) % step.digits === 0n ? 1n : null;
}

export interface RulesOrder {
  side: OrderSide;
  type: OrderType;
  quantityMinor?: bigint | undefined;
  quoteAmountMinor?: bigint | undefined;
  priceMinor?: bigint | undefined;
  /** Average price for the notional of a market order by quantity; without it that check is left to the exchange. */
  referencePriceMinor?: bigint | undefined;
}

/** Throws ExchangeFilterError (local) or ExchangeError if the exchange would refuse the order. */
export function assertWithinRules(rules: SymbolRules, order: RulesOrder): void {
  const market = MARKETS[rules.symbol];
  const baseScale = ASSETS[market.base].scale;
  const quoteScale = ASSETS[market.quote].scale;
  const quantityText = (minor: bigint) => `${formatMinor(minor, baseScale)} ${market.base}`;
  const quoteText = (minor: bigint) => `${formatMinor(minor, quoteScale)} ${market.quote}`;
  const refuse = (filter: string, detail: string) =>
    new ExchangeFilterError(filter, `Filter failure: ${filter} (${detail}); refused before sending.`, {
      local: true,
    });

  if (rules.status !== "TRADING") {
    throw new ExchangeError(
      "symbol_not_tradable",
      `${rules.binanceSymbol} is ${rules.status} on the exchange.`,
      { definite: true, retryable: true },
    );
  }
  const binanceType = order.type === "limit" ? "LIMIT" : "MARKET";
  if (!rules.orderTypes.includes(binanceType)) {
    throw new ExchangeError(
      "symbol_not_tradable",
      `${rules.binanceSymbol} does not take ${binanceType} orders.`,
      {
        definite: true,
        retryable: false,
      },
    );
  }

  if (order.type === "limit") {
    const price = order.priceMinor;
    if (price === undefined || price <= 0n) throw invalidOrder("A limit order needs a positive price.");
    if (rules.price)
      checkRange(rules.price, price, "PRICE_FILTER", "price", (minor) => quoteText(minor), refuse);
  }
  if (order.quantityMinor !== undefined) {
    if (order.quantityMinor <= 0n) throw invalidOrder("The quantity must be positive.");
    if (rules.lot) checkRange(rules.lot, order.quantityMinor, "LOT_SIZE", "quantity", quantityText, refuse);
    if (order.type === "market" && rules.marketLot) {
      checkRange(rules.marketLot, order.quantityMinor, "MARKET_LOT_SIZE", "quantity", quantityText, refuse);
    }
  }
  if (order.quoteAmountMinor !== undefined) {
    if (order.type !== "market" || order.side !== "buy" || order.quantityMinor !== undefined) {
      throw invalidOrder("Only a market buy is sized by quote amount, and then without a quantity.");
    }
    if (!rules.quoteOrderQtyMarketAllowed) {
      throw new ExchangeError(
        "symbol_not_tradable",
        `${rules.binanceSymbol} does not take market orders sized by quote amount.`,
        { definite: true, retryable: false },
      );
    }
  } else if (order.quantityMinor === undefined) {
    throw invalidOrder("Send a quantity (or, for a market buy, a quote amount).");
  }

  const notional = rules.notional;
  if (!notional) return;
  const unit = pow10(baseScale);
  // Value x 10^baseScale, compared exactly against the bounds scaled the same way.
  let valueScaled: bigint | undefined;
  let checkMin = true;
  let checkMax = notional.maxMinor > 0n;
  if (order.type === "limit" && order.priceMinor !== undefined && order.quantityMinor !== undefined) {
    valueScaled = order.priceMinor * order.quantityMinor;
  } else if (order.quoteAmountMinor !== undefined) {
    valueScaled = order.quoteAmountMinor * unit;
    checkMin = notional.applyMinToMarket;
    checkMax = checkMax && notional.applyMaxToMarket;
  } else if (order.referencePriceMinor !== undefined && order.quantityMinor !== undefined) {
    valueScaled = order.referencePriceMinor * order.quantityMinor;
    checkMin = notional.applyMinToMarket;
    checkMax = checkMax && notional.applyMaxToMarket;
  }
  if (valueScaled === undefined) return;
  if (checkMin && valueScaled < notional.minMinor * unit) {
    throw refuse(
      "NOTIONAL",
      `value ${quoteText(valueScaled / unit)} is below the minimum ${quoteText(notional.minMinor)}`,
    );
  }
  if (checkMax && valueScaled > notional.maxMinor * unit) {
    throw refuse(
      "NOTIONAL",
      `value ${quoteText(valueScaled / unit)} is above the maximum ${quoteText(notional.maxMinor)}`,
    );
  }
}

function checkRange(
  range: Range,
  value: bigint,
  filter: string,
  name: string,
  show: (minor: bigint) => string,
  refuse: (filter: string, detail: string) => ExchangeFilterError,
): void {
  if (range.minMinor > 0n && value < range.minMinor) {
    throw refuse(filter, `${name} ${show(value)} is below the minimum ${show(range.minMinor)}`);
  }
  if (range.maxMinor > 0n && value > range.maxMinor) {
    throw refuse(filter, `${name} ${show(value)} is above the maximum ${show(range.maxMinor)}`);
  }
  if (range.stepMinor > 0n && (value - range.minMinor) % range.stepMinor !== 0n) {
    throw refuse(filter, `${name} ${show(value)} is not on the step ${show(range.stepMinor)}`);
  }
}

function invalidOrder(message: string): ExchangeError {
  return new ExchangeError("invalid_order", message, { definite: true, retryable: false });
}
