import { divide, parseDecimal, pow10, toScaleExact } from "../markets/decimal.ts";

/**
 * The one fee schedule. Rates are decimal strings on the wire and in the records ("0.0010" =
 * 0.10 %); in code an exact rational `perUnit / 10^RATE_SCALE`, so a fee is computed on
 * bigints and rounded exactly once.
 *
 * The schedule is a function of the user and their 30-day LIVE volume (GBP-equivalent pence):
 * volume tiers are a table change here, and every caller already passes what a tier needs.
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
}

interface FeeTier {
  tier: string;
  /** 30-day LIVE volume from which the tier applies, GBP-equivalent pence. */
  minVolumeGbpMinor: bigint;
  makerRate: string;
  takerRate: string;
}

/** Lowest volume first. One tier for now; monetisation adds rows, not code. */
export const FEE_TIERS: readonly FeeTier[] = [
  { tier: "standard", minVolumeGbpMinor: 0n, makerRate: "0.0010", takerRate: "0.0020" },
];

export interface FeeSchedule {
  tier: string;
  volume30dGbpMinor: bigint;
  rates: FeeRates;
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

export function ratesOf(makerRate: string, takerRate: string): FeeRates {
  const rates = { maker: parseRate(makerRate), taker: parseRate(takerRate) };
  // Holds reserve the taker fee; a maker rate above it would overdraw the hold.
  if (rates.maker.perUnit > rates.taker.perUnit) throw new RangeError("maker rate above taker rate");
  return rates;
}

/** The user's schedule at their current volume. `user` is where per-user deals will plug in. */
export function feeScheduleFor(_user: { id: string }, volume30dGbpMinor: bigint): FeeSchedule {
  let index = 0;
  for (let candidate = 0; candidate < FEE_TIERS.length; candidate++) {
    const tier = FEE_TIERS[candidate];
    if (tier && volume30dGbpMinor >= tier.minVolumeGbpMinor) index = candidate;
  }
  const tier = FEE_TIERS[index];
  if (!tier) throw new RangeError("the fee schedule has no tiers");
  const next = FEE_TIERS[index + 1];
  return {
    tier: tier.tier,
    volume30dGbpMinor,
    rates: ratesOf(tier.makerRate, tier.takerRate),
    nextTier: next ? { tier: next.tier, volumeRequiredGbpMinor: next.minVolumeGbpMinor } : null,
  };
}

/**
 * The whole fee of an order that has filled `makerQuoteMinor` as maker and `takerQuoteMinor`
 * as taker, rounded up once. Each fill is charged the difference between this before and after
 * it, so partial fills never add up to more than the order's fee, and never to less.
 */
export function orderFeeMinor(rates: FeeRates, makerQuoteMinor: bigint, takerQuoteMinor: bigint): bigint {
  const scaled = makerQuoteMinor * rates.maker.perUnit + takerQuoteMinor * rates.taker.perUnit;
  return divide(scaled, RATE_DENOMINATOR, "ceil");
}

/** The most an order worth `quoteMinor` can pay in fees: all of it at the taker rate. */
export function maxFeeMinor(rates: FeeRates, quoteMinor: bigint): bigint {
  return orderFeeMinor(rates, 0n, quoteMinor);
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
