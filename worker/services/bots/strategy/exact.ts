import { ASSETS, type AssetCode } from "../../ledger/assets.ts";
import { ceilToStep, divide, floorToStep, formatMinor, pow10 } from "../../markets/decimal.ts";
import type { BasicOrderType, OrderSide } from "../../markets/filters.ts";
import { MARKETS, type MarketDefinition, type MarketSymbol } from "../../markets/symbols.ts";
import { FEE_TIERS, type FeeRates, ratesOf } from "../../trading/fees.ts";
import { holdFor } from "../../trading/sizing.ts";

/**
 * The exact arithmetic the strategies share: percentages as exact rationals, integer roots for
 * geometric grids, tick/step alignment, the holds the order desk will take (through
 * trading/sizing.ts itself, so a bot never proposes an order the desk would hold differently),
 * and the exchange filters of markets/filters.ts restated on minor units, so that a proposal
 * is checked without formatting it to text and back. A unit test holds this restatement equal
 * to `checkOrderFilters` on every order the planners propose.
 *
 * Nothing here is a float: a price is quote minor units per whole base unit, a quantity base
 * minor units, a percentage `digits / 10^scale` percent.
 */

export type MarketFilters = MarketDefinition["filters"];

/** A percentage as typed by the trader: "1.5" is 1.5 %, exactly `digits / 10^scale` percent. */
export interface Percent {
  text: string;
  digits: bigint;
  scale: number;
}

/** 100 % at the percentage's scale: `p` as a fraction of one is `p.digits / percentDenominator(p)`. */
export function percentDenominator(percent: Percent): bigint {
  return 100n * pow10(percent.scale);
}

/** A factor such as a volume scale: `digits / 10^scale`. */
export interface Factor {
  text: string;
  digits: bigint;
  scale: number;
}

export class StrategyInvariantError extends Error {
  constructor(message: string) {
    super(`bot strategy invariant violated: ${message}`);
    this.name = "StrategyInvariantError";
  }
}

/** A broken invariant is a bug in the planner: it stops the tick before anything is proposed. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new StrategyInvariantError(message);
}

/** Bound on the bisection of an integer root: prices fit far below 2^256. */
const MAX_ROOT_BITS = 256;

/**
 * floor(value^(1/degree)) for value >= 0, exactly. Bisection on the root's bits (at most a few
 * dozen steps for a price) rather than Newton, whose first steps crawl for a degree near 200.
 */
export function integerRoot(value: bigint, degree: number): bigint {
  invariant(value >= 0n && Number.isInteger(degree) && degree >= 1, "integerRoot domain");
  if (degree === 1 || value < 2n) return value;
  const exponent = BigInt(degree);
  const bits = value.toString(2).length;
  const rootBits = Math.ceil(bits / degree) + 1;
  invariant(rootBits <= MAX_ROOT_BITS, "integerRoot: value out of range");
  let low = 0n;
  let high = 1n << BigInt(rootBits);
  // Invariant: low^degree <= value < high^degree.
  while (high - low > 1n) {
    const middle = (low + high) / 2n;
    if (middle ** exponent <= value) low = middle;
    else high = middle;
  }
  return low;
}

/** The market as the strategies see it: the registry entry with its scales resolved. */
export interface MarketContext {
  symbol: MarketSymbol;
  base: AssetCode;
  quote: AssetCode;
  baseScale: number;
  quoteScale: number;
  /** 10^baseScale: the minor units in one whole base unit. */
  baseUnit: bigint;
  priceDecimals: number;
  quantityDecimals: number;
  filters: MarketFilters;
}

export function marketContext(symbol: MarketSymbol, filters?: MarketFilters): MarketContext {
  const market = MARKETS[symbol];
  const baseScale = ASSETS[market.base].scale;
  return {
    symbol,
    base: market.base,
    quote: market.quote,
    baseScale,
    quoteScale: ASSETS[market.quote].scale,
    baseUnit: pow10(baseScale),
    priceDecimals: market.priceDecimals,
    quantityDecimals: market.quantityDecimals,
    filters: filters ?? market.filters,
  };
}

/**
 * The fee rates a bot assumes when the caller does not pass the owner's: the tier with the
 * highest taker rate, so a budget sized with them covers every tier's holds.
 */
export const BOT_DEFAULT_FEE_RATES: FeeRates = (() => {
  let worst = FEE_TIERS[0];
  for (const tier of FEE_TIERS) {
    if (
      worst === undefined ||
      ratesOf(tier.makerRate, tier.takerRate).taker.perUnit >
        ratesOf(worst.makerRate, worst.takerRate).taker.perUnit
    ) {
      worst = tier;
    }
  }
  invariant(worst !== undefined, "the fee schedule has no tiers");
  return ratesOf(worst.makerRate, worst.takerRate);
})();

export const alignPriceDown = (priceMinor: bigint, filters: MarketFilters): bigint =>
  floorToStep(priceMinor, filters.tickSizeMinor);
export const alignPriceUp = (priceMinor: bigint, filters: MarketFilters): bigint =>
  ceilToStep(priceMinor, filters.tickSizeMinor);
export const alignQuantityDown = (quantityMinor: bigint, filters: MarketFilters): bigint =>
  quantityMinor <= 0n ? 0n : floorToStep(quantityMinor, filters.stepSizeMinor);

/** An order as the planners propose it, in exact units (the OrderRequest fields). */
export interface OrderShape {
  side: OrderSide;
  type: BasicOrderType;
  quantityMinor?: bigint | undefined;
  quoteAmountMinor?: bigint | undefined;
  priceMinor?: bigint | undefined;
}

/**
 * What the order desk holds for the order, from the allocation: quote (fees included) for a
 * buy, base for a sell. A market buy by quantity is held at `referencePriceMinor` plus the
 * desk's slippage margin, as a live venue holds it (a paper desk holds what the fills take,
 * which is less).
 */
export function reserveFor(
  order: OrderShape,
  market: MarketContext,
  rates: FeeRates,
  referencePriceMinor: bigint,
): { asset: "quote" | "base"; amountMinor: bigint } {
  if (order.side === "sell") {
    invariant(order.quantityMinor !== undefined, "a sell is sized by quantity");
    return { asset: "base", amountMinor: order.quantityMinor };
  }
  const estimatedValueScaled =
    order.type === "market" && order.quantityMinor !== undefined
      ? order.quantityMinor * referencePriceMinor
      : undefined;
  const plan = holdFor({
    side: "buy",
    type: order.type,
    baseScale: market.baseScale,
    rates,
    quantityMinor: order.quantityMinor,
    quoteAmountMinor: order.quoteAmountMinor,
    priceMinor: order.priceMinor,
    estimatedValueScaled,
  });
  return { asset: "quote", amountMinor: plan.amountMinor };
}

/** Why a proposal would fail the exchange filters; `band` is temporary, the others are not. */
export type RuleFailure =
  | { rule: "min_notional"; message: string }
  | { rule: "band"; message: string }
  | { rule: "limits"; message: string };

/** The percent-price band around the reference price, on the tick grid (filters.ts). */
export function priceBand(
  referencePriceMinor: bigint,
  filters: MarketFilters,
): { lowestMinor: bigint; highestMinor: bigint } {
  const lowestMinor = ceilToStep(
    divide(referencePriceMinor * filters.percentPriceDownBps, 10_000n, "ceil"),
    filters.tickSizeMinor,
  );
  const highestMinor = floorToStep(
    divide(referencePriceMinor * filters.percentPriceUpBps, 10_000n, "floor"),
    filters.tickSizeMinor,
  );
  return { lowestMinor, highestMinor };
}

/**
 * The checks of markets/filters.ts (tick, price range, percent band, lot step, quantity range,
 * notional range), on an order already in minor units. Null when the order passes.
 */
export function checkRules(
  order: OrderShape,
  market: MarketContext,
  referencePriceMinor: bigint,
): RuleFailure | null {
  const { filters } = market;
  const price = (minor: bigint) => formatPrice(minor, market);
  const quote = (minor: bigint) => `${formatMinor(minor, market.quoteScale)} ${market.quote}`;
  if (order.quoteAmountMinor !== undefined) {
    if (order.quoteAmountMinor < filters.minNotionalMinor) {
      return {
        rule: "min_notional",
        message: `the order value ${quote(order.quoteAmountMinor)} is below the minimum ${quote(filters.minNotionalMinor)}`,
      };
    }
    if (order.quoteAmountMinor > filters.maxNotionalMinor) {
      return {
        rule: "limits",
        message: `the order value is above the maximum ${quote(filters.maxNotionalMinor)}`,
      };
    }
    return null;
  }
  const quantityMinor = order.quantityMinor ?? 0n;
  if (order.priceMinor !== undefined) {
    const priceMinor = order.priceMinor;
    if (priceMinor <= 0n || priceMinor < filters.minPriceMinor) {
      return { rule: "min_notional", message: `the price ${price(priceMinor)} is below the minimum price` };
    }
    if (priceMinor > filters.maxPriceMinor || priceMinor % filters.tickSizeMinor !== 0n) {
      return { rule: "limits", message: `the price ${price(priceMinor)} is not a valid price` };
    }
    if (referencePriceMinor > 0n) {
      const band = priceBand(referencePriceMinor, filters);
      if (priceMinor < band.lowestMinor || priceMinor > band.highestMinor) {
        return {
          rule: "band",
          message: `the price ${price(priceMinor)} is outside the allowed band ${price(band.lowestMinor)} to ${price(band.highestMinor)} around the market price ${price(referencePriceMinor)}`,
        };
      }
    }
  }
  if (quantityMinor <= 0n || quantityMinor < filters.minQuantityMinor) {
    return {
      rule: "min_notional",
      message: `the quantity ${formatQuantity(quantityMinor, market)} is below the minimum ${formatQuantity(filters.minQuantityMinor, market)}`,
    };
  }
  if (quantityMinor % filters.stepSizeMinor !== 0n || quantityMinor > filters.maxQuantityMinor) {
    return {
      rule: "limits",
      message: `the quantity ${formatQuantity(quantityMinor, market)} is not a valid quantity`,
    };
  }
  const valuedAt = order.priceMinor ?? referencePriceMinor;
  if (valuedAt > 0n) {
    const valueScaled = quantityMinor * valuedAt;
    if (valueScaled < filters.minNotionalMinor * market.baseUnit) {
      return {
        rule: "min_notional",
        message: `the order value ${quote(valueScaled / market.baseUnit)} is below the minimum ${quote(filters.minNotionalMinor)}`,
      };
    }
    if (valueScaled > filters.maxNotionalMinor * market.baseUnit) {
      return {
        rule: "limits",
        message: `the order value is above the maximum ${quote(filters.maxNotionalMinor)}`,
      };
    }
  }
  return null;
}

export function formatPrice(minor: bigint, market: MarketContext): string {
  return `${formatMinor(minor, market.quoteScale, market.priceDecimals)} ${market.quote}`;
}

export function formatQuantity(minor: bigint, market: MarketContext): string {
  return `${formatMinor(minor, market.baseScale, market.quantityDecimals)} ${market.base}`;
}

export function formatQuote(minor: bigint, market: MarketContext): string {
  return `${formatMinor(minor, market.quoteScale)} ${market.quote}`;
}

/** Average price of fills, quote minor per whole base unit, half up; null without fills. */
export function averagePrice(quoteMinor: bigint, quantityMinor: bigint, baseUnit: bigint): bigint | null {
  if (quantityMinor <= 0n) return null;
  return divide(quoteMinor * baseUnit, quantityMinor, "half-up");
}
