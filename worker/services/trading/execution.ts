import { divide, minBigint, pow10 } from "../markets/decimal.ts";
import type { OrderSide } from "../markets/filters.ts";
import type { BookLevel } from "../markets/types.ts";
import { type FeeRates, orderFeeBreakdown } from "./fees.ts";

/**
 * The exact arithmetic of execution, with no I/O: walking a book, and turning executed slices
 * into the amounts the ledger settles. Prices are quote minor units per whole base unit,
 * quantities base minor units, so a slice is worth `quantity x price / 10^baseScale` quote
 * minor units — a fraction in general. That value is accumulated exactly over the whole order
 * and rounded once (buys up, sells down: the platform never pays out a fraction it did not
 * receive), and each fill settles the difference. Fees likewise (fees.ts).
 */

type Liquidity = "maker" | "taker";

/** Part of an order executed at one price. */
export interface Slice {
  priceMinor: bigint;
  quantityMinor: bigint;
  liquidity: Liquidity;
}

/** Bound on levels walked: the book of any source is at most this deep (types.ts). */
const MAX_LEVELS = 1_000;

interface QuantityWalk {
  /** Best first: asks ascending for a buy, bids descending for a sell. */
  levels: readonly BookLevel[];
  side: OrderSide;
  quantityMinor: bigint;
  /** Stop at levels worse than this (limit orders). */
  limitPriceMinor?: bigint | undefined;
  /**
   * Stop before the value (quantity x price, exact, in quote minor x 10^baseScale) would pass
   * this: a market buy by quantity never spends more than its hold (slippage protection).
   */
  maxValueScaled?: bigint | undefined;
  /** Lot step: a slice cut short by the value cap is cut to a multiple of it. */
  stepMinor: bigint;
}

/** Takes liquidity level by level until the quantity is done or a bound is hit. */
export function walkByQuantity(walk: QuantityWalk): Slice[] {
  const slices: Slice[] = [];
  let remaining = walk.quantityMinor;
  let value = 0n;
  for (const [index, level] of walk.levels.entries()) {
    if (remaining <= 0n || index >= MAX_LEVELS) break;
    if (walk.limitPriceMinor !== undefined && worseThan(walk.side, level.priceMinor, walk.limitPriceMinor))
      break;
    let take = minBigint(level.quantityMinor, remaining);
    if (walk.maxValueScaled !== undefined) {
      const room = walk.maxValueScaled - value;
      const affordable = room <= 0n ? 0n : (room / level.priceMinor / walk.stepMinor) * walk.stepMinor;
      if (affordable < take) take = affordable;
    }
    if (take <= 0n) break;
    slices.push({ priceMinor: level.priceMinor, quantityMinor: take, liquidity: "taker" });
    remaining -= take;
    value += take * level.priceMinor;
  }
  return slices;
}

/**
 * Exact value (quote minor x 10^baseScale) of buying `quantityMinor` from `asks` now: the walk
 * through the visible depth, and beyond it the rest priced at the deepest ask (the hold's
 * margin covers drift). Sizes a market buy's hold, on paper and LIVE alike.
 */
export function buyValueScaled(asks: readonly BookLevel[], quantityMinor: bigint, stepMinor: bigint): bigint {
  const slices = walkByQuantity({ levels: asks, side: "buy", quantityMinor, stepMinor });
  let value = 0n;
  let filled = 0n;
  for (const slice of slices) {
    value += slice.quantityMinor * slice.priceMinor;
    filled += slice.quantityMinor;
  }
  const deepest = asks.at(-1)?.priceMinor ?? 0n;
  return value + (quantityMinor - filled) * deepest;
}

/**
 * A market buy sized by what it spends: takes asks until `quoteMinor` is spent, in base minor
 * units (not lot steps), so that the amount spent is the amount asked to the minor unit
 * wherever one base minor unit is worth less than one quote minor unit (every listed pair but
 * the USDT ones, where it is within 0.001 USDT). The order has no quantity field for the lot
 * size to apply to; what it receives is what the money buys.
 */
export function walkByQuote(levels: readonly BookLevel[], quoteMinor: bigint, baseScale: number): Slice[] {
  const slices: Slice[] = [];
  let room = quoteMinor * pow10(baseScale);
  for (const [index, level] of levels.entries()) {
    if (room <= 0n || index >= MAX_LEVELS) break;
    const affordable = room / level.priceMinor;
    const take = minBigint(affordable, level.quantityMinor);
    if (take <= 0n) break;
    slices.push({ priceMinor: level.priceMinor, quantityMinor: take, liquidity: "taker" });
    room -= take * level.priceMinor;
  }
  return slices;
}

function worseThan(side: OrderSide, price: bigint, limit: bigint): boolean {
  return side === "buy" ? price > limit : price < limit;
}

/** An order's executed totals: what the orders table keeps (schema: db/schema/orders.ts). */
export interface Progress {
  filledQuantityMinor: bigint;
  filledQuoteMinor: bigint;
  /** Rounding carried (see orders.quote_remainder), in [0, 10^baseScale). */
  quoteRemainder: bigint;
  makerQuoteMinor: bigint;
  takerQuoteMinor: bigint;
  /** What the order paid in fees so far, and what its discount waived of the list fee. */
  feeMinor: bigint;
  feeDiscountMinor: bigint;
}

export const NO_PROGRESS: Progress = {
  filledQuantityMinor: 0n,
  filledQuoteMinor: 0n,
  quoteRemainder: 0n,
  makerQuoteMinor: 0n,
  takerQuoteMinor: 0n,
  feeMinor: 0n,
  feeDiscountMinor: 0n,
};

/** One executed slice with its settled share of quote and fee. */
interface SettledSlice extends Slice {
  quoteMinor: bigint;
  feeMinor: bigint;
  feeDiscountMinor: bigint;
}

/** What one fill moves: the sum of its slices. */
interface FillTotals {
  quantityMinor: bigint;
  quoteMinor: bigint;
  feeMinor: bigint;
  feeDiscountMinor: bigint;
}

interface Accrued {
  progress: Progress;
  slices: SettledSlice[];
  totals: FillTotals;
}

/**
 * Adds slices to an order's progress. The exact value so far is
 * `filledQuote x unit - remainder` for a buy (rounded up) and `filledQuote x unit + remainder`
 * for a sell (rounded down); each slice gets the change of the rounded total, so the slices of
 * an order always sum to the order's rounded value, and the fees to the order's fee.
 */
export function accrue(
  before: Progress,
  slices: readonly Slice[],
  terms: { side: OrderSide; baseScale: number; rates: FeeRates },
): Accrued {
  const unit = pow10(terms.baseScale);
  let progress = before;
  const settled: SettledSlice[] = [];
  const totals: FillTotals = { quantityMinor: 0n, quoteMinor: 0n, feeMinor: 0n, feeDiscountMinor: 0n };
  for (const slice of slices) {
    if (slice.quantityMinor <= 0n || slice.priceMinor <= 0n) {
      throw new RangeError("a slice must have a positive quantity and price");
    }
    const exactBefore =
      terms.side === "buy"
        ? progress.filledQuoteMinor * unit - progress.quoteRemainder
        : progress.filledQuoteMinor * unit + progress.quoteRemainder;
    const exactAfter = exactBefore + slice.quantityMinor * slice.priceMinor;
    const filledQuote = divide(exactAfter, unit, terms.side === "buy" ? "ceil" : "floor");
    const remainder =
      terms.side === "buy" ? filledQuote * unit - exactAfter : exactAfter - filledQuote * unit;
    const quoteMinor = filledQuote - progress.filledQuoteMinor;
    const makerQuote = progress.makerQuoteMinor + (slice.liquidity === "maker" ? quoteMinor : 0n);
    const takerQuote = progress.takerQuoteMinor + (slice.liquidity === "taker" ? quoteMinor : 0n);
    const fee = orderFeeBreakdown(terms.rates, makerQuote, takerQuote);
    const feeMinor = fee.feeMinor - progress.feeMinor;
    const feeDiscountMinor = fee.discountMinor - progress.feeDiscountMinor;
    progress = {
      filledQuantityMinor: progress.filledQuantityMinor + slice.quantityMinor,
      filledQuoteMinor: filledQuote,
      quoteRemainder: remainder,
      makerQuoteMinor: makerQuote,
      takerQuoteMinor: takerQuote,
      feeMinor: fee.feeMinor,
      feeDiscountMinor: fee.discountMinor,
    };
    settled.push({ ...slice, quoteMinor, feeMinor, feeDiscountMinor });
    totals.quantityMinor += slice.quantityMinor;
    totals.quoteMinor += quoteMinor;
    totals.feeMinor += feeMinor;
    totals.feeDiscountMinor += feeDiscountMinor;
  }
  return { progress, slices: settled, totals };
}

/** What the hold has paid out so far: a buy's quote spent plus fees, a sell's base sold. */
export function consumedFromHold(side: OrderSide, progress: Progress): bigint {
  return side === "buy" ? progress.filledQuoteMinor + progress.feeMinor : progress.filledQuantityMinor;
}

/**
 * Exact average price of the fills, in quote minor units per whole base unit, rounded half up
 * to the minor unit; null before the first fill.
 */
export function averagePriceMinor(side: OrderSide, progress: Progress, baseScale: number): bigint | null {
  if (progress.filledQuantityMinor <= 0n) return null;
  const unit = pow10(baseScale);
  const exact =
    side === "buy"
      ? progress.filledQuoteMinor * unit - progress.quoteRemainder
      : progress.filledQuoteMinor * unit + progress.quoteRemainder;
  return divide(exact, progress.filledQuantityMinor, "half-up");
}
