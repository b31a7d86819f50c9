import { ceilToStep, divide, floorToStep, pow10 } from "../../markets/decimal.ts";
import type { FeeRates } from "../../trading/fees.ts";
import {
  type Factor,
  integerRoot,
  invariant,
  type MarketContext,
  type MarketFilters,
  type Percent,
  percentDenominator,
  reserveFor,
} from "./exact.ts";

/**
 * The price and size arithmetic of both strategies, shared by the planners, by
 * `requiredBudget` and by the wizard's preview, so the ladder a trader is shown is the ladder
 * the bot places:
 *
 * DCA
 *   safety order i (1-based) spends  ceil(safetyOrder x volumeScale^(i-1))  quote minor units,
 *   at  floor_tick(entry x (1 - i x deviation)),  for  floor_step(amount / price)  base.
 *   Rounding each amount up to the minor unit is what `requiredBudget` charges; the order
 *   itself, with its quantity floored to the lot step, never holds more than that amount plus
 *   the taker fee on it.
 *   The take profit sells the position at  ceil_tick(average x (1 + takeProfit)), where the
 *   average entry is the quote spent over the base bought, fees excluded (as an order's
 *   average price is shown everywhere else).
 *
 * Grid
 *   levels L0 < L1 < ... < L(n-1), L0 = lower and L(n-1) = upper exactly, the others rounded
 *   to the nearest tick (half up) from their exact value: arithmetic  lower + i x (upper -
 *   lower) / (n-1);  geometric  lower^(1-t) x upper^t  with t = i / (n-1), computed exactly
 *   with an integer root. Interval j is [Lj, Lj+1]: it either waits to buy at Lj or to sell
 *   at Lj+1, always the same base quantity per order.
 */

/** Amount of safety order `index` (1-based), quote minor units, rounded up. */
export function safetyOrderAmountMinor(safetyOrderMinor: bigint, volumeScale: Factor, index: number): bigint {
  invariant(Number.isInteger(index) && index >= 1, "safety orders are numbered from 1");
  const power = BigInt(index - 1);
  return divide(safetyOrderMinor * volumeScale.digits ** power, pow10(volumeScale.scale) ** power, "ceil");
}

/** Price of safety order `index`: entry x (1 - index x deviation), down to the tick; 0 if none. */
export function safetyOrderPriceMinor(
  entryPriceMinor: bigint,
  deviation: Percent,
  index: number,
  filters: MarketFilters,
): bigint {
  const denominator = percentDenominator(deviation);
  const remaining = denominator - BigInt(index) * deviation.digits;
  if (remaining <= 0n || entryPriceMinor <= 0n) return 0n;
  return floorToStep(divide(entryPriceMinor * remaining, denominator, "floor"), filters.tickSizeMinor);
}

/** Take-profit price: the exact average entry x (1 + takeProfit), up to the tick. */
export function takeProfitPriceMinor(
  boughtQuoteMinor: bigint,
  boughtQuantityMinor: bigint,
  takeProfit: Percent,
  market: MarketContext,
): bigint {
  invariant(boughtQuantityMinor > 0n, "a take profit needs a position");
  const denominator = percentDenominator(takeProfit);
  const exact = divide(
    boughtQuoteMinor * market.baseUnit * (denominator + takeProfit.digits),
    boughtQuantityMinor * denominator,
    "ceil",
  );
  return ceilToStep(exact, market.filters.tickSizeMinor);
}

/** True when `priceMinor` is at or below the exact average entry x (1 - stopLoss). */
export function stopLossReached(
  priceMinor: bigint,
  boughtQuoteMinor: bigint,
  boughtQuantityMinor: bigint,
  stopLoss: Percent,
  baseUnit: bigint,
): boolean {
  if (boughtQuantityMinor <= 0n) return false;
  const denominator = percentDenominator(stopLoss);
  return (
    priceMinor * boughtQuantityMinor * denominator <=
    boughtQuoteMinor * baseUnit * (denominator - stopLoss.digits)
  );
}

export interface LadderStep {
  /** 1-based safety order number. */
  index: number;
  priceMinor: bigint;
  /** What the safety order may spend, before the fee. */
  amountMinor: bigint;
  /** Base bought: the amount at the price, down to the lot step. */
  quantityMinor: bigint;
}

/** The safety-order ladder below an entry price (for the wizard's preview and the planner). */
export function dcaLadder(
  params: { safetyOrderMinor: bigint; safetyOrders: number; priceDeviation: Percent; volumeScale: Factor },
  entryPriceMinor: bigint,
  market: MarketContext,
): LadderStep[] {
  const steps: LadderStep[] = [];
  for (let index = 1; index <= params.safetyOrders; index++) {
    const priceMinor = safetyOrderPriceMinor(entryPriceMinor, params.priceDeviation, index, market.filters);
    const amountMinor = safetyOrderAmountMinor(params.safetyOrderMinor, params.volumeScale, index);
    const quantityMinor =
      priceMinor > 0n
        ? floorToStep((amountMinor * market.baseUnit) / priceMinor, market.filters.stepSizeMinor)
        : 0n;
    steps.push({ index, priceMinor, amountMinor, quantityMinor });
  }
  return steps;
}

export const GRID_SPACINGS = ["arithmetic", "geometric"] as const;
export type GridSpacing = (typeof GRID_SPACINGS)[number];

/** The grid's prices, lowest first; adjacent levels may coincide only if the caller allows it (params refuse it). */
export function gridLevelPrices(
  lowerPriceMinor: bigint,
  upperPriceMinor: bigint,
  gridLevels: number,
  spacing: GridSpacing,
  tickSizeMinor: bigint,
): bigint[] {
  invariant(Number.isInteger(gridLevels) && gridLevels >= 2 && gridLevels <= 200, "grid levels out of range");
  invariant(0n < lowerPriceMinor && lowerPriceMinor < upperPriceMinor, "grid range");
  if (spacing === "geometric") {
    const cacheKey = `${lowerPriceMinor}:${upperPriceMinor}:${gridLevels}:${tickSizeMinor}`;
    let levels = geometricLevelsCache.get(cacheKey);
    if (!levels) {
      levels = computeLevels(lowerPriceMinor, upperPriceMinor, gridLevels, spacing, tickSizeMinor);
      if (geometricLevelsCache.size >= MAX_CACHED_GRIDS) {
        const oldest = geometricLevelsCache.keys().next().value;
        if (oldest !== undefined) geometricLevelsCache.delete(oldest);
      }
      geometricLevelsCache.set(cacheKey, levels);
    }
    return [...levels];
  }
  return computeLevels(lowerPriceMinor, upperPriceMinor, gridLevels, spacing, tickSizeMinor);
}

/**
 * Geometric levels cost a few milliseconds for 200 levels (exact roots of numbers of thousands
 * of bits), and params are parsed on every tick: the last few hundred grids are remembered.
 * The result depends on the key alone, so the cache changes nothing but the time taken.
 */
const geometricLevelsCache = new Map<string, readonly bigint[]>();
const MAX_CACHED_GRIDS = 256;

function computeLevels(
  lowerPriceMinor: bigint,
  upperPriceMinor: bigint,
  gridLevels: number,
  spacing: GridSpacing,
  tickSizeMinor: bigint,
): bigint[] {
  const intervals = gridLevels - 1;
  const span = BigInt(intervals);
  const levels: bigint[] = [lowerPriceMinor];
  // Geometric: an upper bound of the ratio between levels, as a 64-bit binary fraction, so each
  // level's root starts from a guess a few units above it (see integerRootFrom).
  const ratioScaled =
    spacing === "geometric"
      ? integerRoot((upperPriceMinor << (RATIO_BITS * span)) / lowerPriceMinor, intervals) + 1n
      : 0n;
  let previousDoubled = (2n * lowerPriceMinor) / tickSizeMinor;
  // 2^k x lower^(k-i) x upper^i, kept from level to level (x upper / lower stays exact for i < k).
  let numerator = spacing === "geometric" ? 2n ** span * lowerPriceMinor ** span : 0n;
  const tickPower = spacing === "geometric" ? tickSizeMinor ** span : 1n;
  for (let index = 1; index < intervals; index++) {
    const at = BigInt(index);
    let ticks: bigint;
    if (spacing === "arithmetic") {
      ticks = divide(
        lowerPriceMinor * span + at * (upperPriceMinor - lowerPriceMinor),
        span * tickSizeMinor,
        "half-up",
      );
    } else {
      // floor(2X / tick) for X = lower^((k-i)/k) x upper^(i/k), k = intervals: the k-th root of
      // 2^k x lower^(k-i) x upper^i / tick^k, exactly; then half up to whole ticks.
      numerator = (numerator / lowerPriceMinor) * upperPriceMinor;
      // 2X(i)/tick = 2X(i-1)/tick x ratio < (previous + 1) x ratio: a guess at or above the root.
      const guess = (((previousDoubled + 1n) * ratioScaled) >> RATIO_BITS) + 1n;
      const doubled = integerRootFrom(numerator / tickPower, intervals, guess);
      previousDoubled = doubled;
      ticks = (doubled + 1n) / 2n;
    }
    levels.push(ticks * tickSizeMinor);
  }
  levels.push(upperPriceMinor);
  return levels;
}

/** Fraction bits of the ratio bound used to seed each geometric level's root. */
const RATIO_BITS = 64n;
/** Newton steps from a guess a few units above the root: two or three are enough. */
const MAX_NEWTON_STEPS = 64;

/**
 * floor(value^(1/degree)) by integer Newton steps from `guess` >= the root: the iterates fall
 * monotonically to the root and stop there. Falls back to bisection if the guess is below the
 * root or the steps run out (neither happens for a grid; the bound is there to be sure).
 */
function integerRootFrom(value: bigint, degree: number, guess: bigint): bigint {
  const exponent = BigInt(degree);
  if (guess < 1n || guess ** exponent < value) return integerRoot(value, degree);
  let root = guess;
  for (let step = 0; step < MAX_NEWTON_STEPS; step++) {
    const next = ((exponent - 1n) * root + value / root ** (exponent - 1n)) / exponent;
    if (next >= root) return root;
    root = next;
  }
  return integerRoot(value, degree);
}

export type GridSide = "buy" | "sell";

/**
 * The opening side of each interval at price P: an interval wholly below P waits to buy at its
 * lower level, one wholly above P holds base and waits to sell at its upper level. The interval
 * P is inside goes to whichever leaves more room: P in its lower half holds base (selling at the
 * upper level gains at least half the interval), P in its upper half waits to buy. So the
 * level nearest P is left empty and n levels carry n-1 orders.
 */
export function gridInitialSides(levels: readonly bigint[], priceMinor: bigint): GridSide[] {
  const sides: GridSide[] = [];
  for (let index = 0; index + 1 < levels.length; index++) {
    const lower = levels[index] ?? 0n;
    const upper = levels[index + 1] ?? 0n;
    if (upper <= priceMinor) sides.push("buy");
    else if (lower >= priceMinor) sides.push("sell");
    else sides.push(priceMinor - lower <= upper - priceMinor ? "sell" : "buy");
  }
  return sides;
}

/** Price of interval `index`'s order on `side`: its lower level for a buy, its upper for a sell. */
export function gridOrderPriceMinor(levels: readonly bigint[], index: number, side: GridSide): bigint {
  const price = levels[side === "buy" ? index : index + 1];
  invariant(price !== undefined, `no grid interval ${index}`);
  return price;
}

/**
 * What the grid holds from its quote budget with `quantityMinor` base per order at price P: a
 * limit buy of that quantity at the lower level of every interval that waits to buy, plus one
 * market buy at P of the base every interval that waits to sell will sell. Each is the hold
 * the order desk takes (trading/sizing.ts: the notional rounded up plus the taker fee; the
 * market buy valued at P plus the desk's slippage margin).
 */
export function gridBudgetMinor(
  levels: readonly bigint[],
  sides: readonly GridSide[],
  quantityMinor: bigint,
  priceMinor: bigint,
  market: MarketContext,
  rates: FeeRates,
): bigint {
  if (quantityMinor <= 0n) return 0n;
  let total = 0n;
  let sells = 0n;
  for (const [index, side] of sides.entries()) {
    if (side === "sell") {
      sells += 1n;
      continue;
    }
    const price = gridOrderPriceMinor(levels, index, "buy");
    total += reserveFor(
      { side: "buy", type: "limit", quantityMinor, priceMinor: price },
      market,
      rates,
      priceMinor,
    ).amountMinor;
  }
  if (sells > 0n) {
    total += reserveFor(
      { side: "buy", type: "market", quantityMinor: sells * quantityMinor },
      market,
      rates,
      priceMinor,
    ).amountMinor;
  }
  return total;
}

/**
 * The smallest quantity per order that puts every level of the grid, and the opening market
 * buy, at or above the market's minimum quantity and order value.
 */
export function gridMinimumQuantityMinor(
  levels: readonly bigint[],
  sides: readonly GridSide[],
  priceMinor: bigint,
  market: MarketContext,
): bigint {
  const { filters, baseUnit } = market;
  const lowest = levels[0] ?? 0n;
  invariant(lowest > 0n, "a grid needs levels");
  let quantity = filters.minQuantityMinor;
  const forLevels = ceilToStep(
    divide(filters.minNotionalMinor * baseUnit, lowest, "ceil"),
    filters.stepSizeMinor,
  );
  if (forLevels > quantity) quantity = forLevels;
  const sells = BigInt(sides.filter((side) => side === "sell").length);
  if (sells > 0n && priceMinor > 0n) {
    const forOpening = ceilToStep(
      divide(filters.minNotionalMinor * baseUnit, sells * priceMinor, "ceil"),
      filters.stepSizeMinor,
    );
    if (forOpening > quantity) quantity = forOpening;
  }
  return quantity;
}

/** Bound on the bisection for the quantity per order. */
const MAX_SIZING_STEPS = 200;

/** The largest quantity per order (a lot-step multiple) whose grid fits in `budgetMinor`; 0 if none. */
export function gridQuantityPerOrderMinor(
  levels: readonly bigint[],
  sides: readonly GridSide[],
  priceMinor: bigint,
  budgetMinor: bigint,
  market: MarketContext,
  rates: FeeRates,
): bigint {
  const step = market.filters.stepSizeMinor;
  const lowest = levels[0] ?? 0n;
  const cheapest = priceMinor > 0n && priceMinor < lowest ? priceMinor : lowest;
  if (budgetMinor <= 0n || cheapest <= 0n) return 0n;
  // Each order is worth at least quantity x cheapest, so no more steps than this can fit.
  let low = 0n;
  let high = (budgetMinor * market.baseUnit) / (cheapest * step) + 1n;
  // Invariant: the grid with low steps fits, the grid with high steps does not.
  for (let round = 0; round < MAX_SIZING_STEPS && high - low > 1n; round++) {
    const middle = (low + high) / 2n;
    if (gridBudgetMinor(levels, sides, middle * step, priceMinor, market, rates) <= budgetMinor) low = middle;
    else high = middle;
  }
  invariant(high - low <= 1n, "grid sizing did not converge");
  return low * step;
}
