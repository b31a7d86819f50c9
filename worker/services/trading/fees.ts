import { divide, parseDecimal, pow10, toScaleExact } from "../markets/decimal.ts";

/**
 * The one fee schedule. Rates are decimal strings on the wire and in the records ("0.0010" =
 * 0.10 %); in code an exact rational `perUnit / 10^RATE_SCALE`, so a fee is computed on
 * bigints and rounded exactly once.
 *
 * The schedule is a function of the trader's 30-day LIVE volume (GBP-equivalent pence) and
 * their discounts (bot plan, referral: worker/services/monetisation/); volume tiers are a table
 * change here.
 * Paper orders pay the rate of the user's real tier, so paper results predict live ones; paper
 * volume never earns a tier.
 *
 * Fees are charged in the quote asset, always: a buy pays it on top of what it spends (taken
 * from the same hold), a sell pays it out of what it receives. So the fee account grows in
 * GBP/USDT/BTC only, and "the fee where it is charged in GBP" is the whole fee of a GBP pair.
 */

const RATE_SCALE = 8;
const RATE_DENOMINATOR = pow10(RATE_SCALE);

interface FeeRate {
  /** As shown and stored: "0.0010". */
  text: string;
  /** The rate x 10^RATE_SCALE, exact. */
  perUnit: bigint;
}

export interface FeeRates {
  maker: FeeRate;
  taker: FeeRate;
  /**
   * The share of the list fee waived (plan and referral discounts combined), exact; "0" for
   * none. The fee charged is the list fee minus floor(list fee x discount): both are rounded
   * over the whole order, so the waived part only ever grows fill by fill, and so does the fee.
   */
  discount: FeeRate;
}

interface FeeTier {
  tier: string;
  /** 30-day LIVE volume from which the tier applies, GBP-equivalent pence. */
  minVolumeGbpMinor: bigint;
  makerRate: string;
  takerRate: string;
}

/**
 * Lowest volume first: a retail schedule (maker 0.10 % / taker 0.20 % at the bottom, lower
 * above £50k, £250k and £1M of 30-day LIVE volume). A table change here, nothing else.
 */
export const FEE_TIERS: readonly FeeTier[] = [
  { tier: "standard", minVolumeGbpMinor: 0n, makerRate: "0.0010", takerRate: "0.0020" },
  { tier: "silver", minVolumeGbpMinor: 5_000_000n, makerRate: "0.0008", takerRate: "0.0016" },
  { tier: "gold", minVolumeGbpMinor: 25_000_000n, makerRate: "0.0006", takerRate: "0.0012" },
  { tier: "platinum", minVolumeGbpMinor: 100_000_000n, makerRate: "0.0004", takerRate: "0.0008" },
];

/** A discount on the list fee, and where it comes from (shown to the trader). */
export interface FeeDiscount {
  source: "plan" | "referral";
  /** Share of the fee waived, e.g. "0.10" for 10 %. */
  rate: string;
  /** When it ends (Unix ms), or null while the source lasts (a plan). */
  untilMs: number | null;
}

export interface FeeSchedule {
  tier: string;
  volume30dGbpMinor: bigint;
  /** The tier's rates before discounts. */
  listRates: FeeRates;
  /** What an order placed now pays: the list rates with `discounts` applied. */
  rates: FeeRates;
  discounts: FeeDiscount[];
  nextTier: { tier: string; volumeRequiredGbpMinor: bigint } | null;
}

export function parseRate(text: string): FeeRate {
  const parsed = parseDecimal(text);
  const perUnit = parsed ? toScaleExact(parsed, RATE_SCALE) : null;
  if (perUnit === null || perUnit < 0n || perUnit >= RATE_DENOMINATOR) {
    throw new RangeError(
      `fee rate ${JSON.stringify(text)} must be a decimal in [0, 1) with at most 8 places`,
    );
  }
  return { text, perUnit };
}

export function ratesOf(makerRate: string, takerRate: string, discountRate = "0"): FeeRates {
  const rates = {
    maker: parseRate(makerRate),
    taker: parseRate(takerRate),
    discount: parseRate(discountRate),
  };
  // Holds reserve the taker fee; a maker rate above it would overdraw the hold.
  if (rates.maker.perUnit > rates.taker.perUnit) throw new RangeError("maker rate above taker rate");
  return rates;
}

/**
 * Discounts compound: 10 % and 25 % waive 1 - 0.9 x 0.75 = 32.5 %, never 35 %. Rounded down to
 * the rate scale (a fraction of a millionth of a percent, in the platform's favour).
 */
export function combinedDiscount(discounts: readonly FeeDiscount[]): string {
  let kept = RATE_DENOMINATOR;
  for (const discount of discounts) {
    kept = (kept * (RATE_DENOMINATOR - parseRate(discount.rate).perUnit)) / RATE_DENOMINATOR;
  }
  return rateText(RATE_DENOMINATOR - kept);
}

/** A rate at the scale as text, with at least four places: "0.0010", "0.325", "0". */
export function rateText(perUnit: bigint): string {
  if (perUnit === 0n) return "0";
  const digits = perUnit.toString().padStart(RATE_SCALE + 1, "0");
  const whole = digits.slice(0, -RATE_SCALE);
  let fraction = digits.slice(-RATE_SCALE).replace(/0+$/, "");
  if (fraction.length < 4) fraction = fraction.padEnd(4, "0");
  return `${whole}.${fraction}`;
}

/** A rate after a discount: what the trader pays per unit of value, exact where it can be. */
export function discountedRateText(rate: FeeRate, discount: FeeRate): string {
  return rateText(divide(rate.perUnit * (RATE_DENOMINATOR - discount.perUnit), RATE_DENOMINATOR, "ceil"));
}

/** The tier for a 30-day volume, with the trader's discounts applied. */
export function feeScheduleFor(
  volume30dGbpMinor: bigint,
  discounts: readonly FeeDiscount[] = [],
): FeeSchedule {
  let index = 0;
  for (let candidate = 0; candidate < FEE_TIERS.length; candidate++) {
    const tier = FEE_TIERS[candidate];
    if (tier && volume30dGbpMinor >= tier.minVolumeGbpMinor) index = candidate;
  }
  const tier = FEE_TIERS[index];
  if (!tier) throw new RangeError("the fee schedule has no tiers");
  const next = FEE_TIERS[index + 1];
  const active = discounts.filter((discount) => parseRate(discount.rate).perUnit > 0n);
  return {
    tier: tier.tier,
    volume30dGbpMinor,
    listRates: ratesOf(tier.makerRate, tier.takerRate),
    rates: ratesOf(tier.makerRate, tier.takerRate, combinedDiscount(active)),
    discounts: active,
    nextTier: next ? { tier: next.tier, volumeRequiredGbpMinor: next.minVolumeGbpMinor } : null,
  };
}

/**
 * The list fee of an order that has filled `makerQuoteMinor` as maker and `takerQuoteMinor` as
 * taker, rounded up once, and the part of it waived, rounded down once. Each fill is charged
 * the difference between this before and after it, so partial fills never add up to more than
 * the order's fee, and never to less.
 */
export function orderFeeBreakdown(
  rates: FeeRates,
  makerQuoteMinor: bigint,
  takerQuoteMinor: bigint,
): { listMinor: bigint; discountMinor: bigint; feeMinor: bigint } {
  const scaled = makerQuoteMinor * rates.maker.perUnit + takerQuoteMinor * rates.taker.perUnit;
  const listMinor = divide(scaled, RATE_DENOMINATOR, "ceil");
  const discountMinor = divide(listMinor * rates.discount.perUnit, RATE_DENOMINATOR, "floor");
  return { listMinor, discountMinor, feeMinor: listMinor - discountMinor };
}

/** What the order pays: the list fee less its discount (orderFeeBreakdown). */
export function orderFeeMinor(rates: FeeRates, makerQuoteMinor: bigint, takerQuoteMinor: bigint): bigint {
  return orderFeeBreakdown(rates, makerQuoteMinor, takerQuoteMinor).feeMinor;
}

/** The most an order worth `quoteMinor` can pay in fees: all of it at the taker rate. */
export function maxFeeMinor(rates: FeeRates, quoteMinor: bigint): bigint {
  return orderFeeBreakdown(rates, 0n, quoteMinor).feeMinor;
}

/** Largest quote amount q with q + maxFee(q) <= budget: what "100 %" of a balance can buy. */
export function spendableAfterFees(rates: FeeRates, budgetMinor: bigint): bigint {
  if (budgetMinor <= 0n) return 0n;
  // q x (1 + rate) <= budget, so q = floor(budget / (1 + rate)); then ceil rounding of the fee
  // can add at most one minor unit, which the loop below takes back (at most twice).
  let quote = divide(budgetMinor * RATE_DENOMINATOR, RATE_DENOMINATOR + rates.taker.perUnit, "floor");
  for (let step = 0; step < 3 && quote > 0n && quote + maxFeeMinor(rates, quote) > budgetMinor; step++) {
    quote -= 1n;
  }
  return quote;
}
