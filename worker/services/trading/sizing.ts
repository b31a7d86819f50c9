import { divide, floorToStep, pow10 } from "../markets/decimal.ts";
import type { OrderSide, OrderType } from "../markets/filters.ts";
import { type FeeRates, maxFeeMinor, spendableAfterFees } from "./fees.ts";

/**
 * How much an order holds, and how big "25 % / 50 % / 75 % / 100 %" of a balance is. Pure and
 * free of server code, so the Trade page computes its buttons with the very functions the
 * server holds funds with: a 100 % order never fails for a rounding the page did differently.
 */

/**
 * A market buy sized by quantity cannot know its cost before it executes; it holds the cost
 * of walking the book now plus this margin, and stops filling if the price runs past it (the
 * rest expires). Basis points of the estimate.
 */
const MARKET_BUY_SLIPPAGE_BPS = 100n;
const BPS = 10_000n;

interface HoldTerms {
  side: OrderSide;
  type: OrderType;
  baseScale: number;
  rates: FeeRates;
  quantityMinor?: bigint | undefined;
  quoteAmountMinor?: bigint | undefined;
  priceMinor?: bigint | undefined;
  /**
   * Market buys by quantity: the exact value (quote minor x 10^baseScale) of walking the book
   * for the quantity now.
   */
  estimatedValueScaled?: bigint | undefined;
}

interface HoldPlan {
  /** Held from the spent asset: quote for a buy, base for a sell. */
  amountMinor: bigint;
  /** For market buys by quantity: the most the fills may be worth, exact (see walkByQuantity). */
  maxValueScaled?: bigint;
}

export function holdFor(terms: HoldTerms): HoldPlan {
  const unit = pow10(terms.baseScale);
  if (terms.side === "sell") {
    if (terms.quantityMinor === undefined) throw new RangeError("a sell is sized by quantity");
    return { amountMinor: terms.quantityMinor };
  }
  if (terms.quoteAmountMinor !== undefined) {
    return { amountMinor: terms.quoteAmountMinor + maxFeeMinor(terms.rates, terms.quoteAmountMinor) };
  }
  if (terms.quantityMinor === undefined) throw new RangeError("a buy needs a quantity or a quote amount");
  if (terms.type === "limit") {
    if (terms.priceMinor === undefined) throw new RangeError("a limit buy needs a price");
    const notional = divide(terms.quantityMinor * terms.priceMinor, unit, "ceil");
    return { amountMinor: notional + maxFeeMinor(terms.rates, notional) };
  }
  if (terms.estimatedValueScaled === undefined)
    throw new RangeError("a market buy by quantity needs an estimate");
  const notional = divide(terms.estimatedValueScaled * (BPS + MARKET_BUY_SLIPPAGE_BPS), BPS * unit, "ceil");
  return { amountMinor: notional + maxFeeMinor(terms.rates, notional), maxValueScaled: notional * unit };
}

export const PERCENT_CHOICES = [25, 50, 75, 100] as const;
export type PercentChoice = (typeof PERCENT_CHOICES)[number];

interface PercentInput {
  side: OrderSide;
  type: OrderType;
  /** Size the order in base (quantity) or in quote (quote amount: market buys only). */
  sizeIn: "base" | "quote";
  percent: PercentChoice;
  /** Available balance of the asset the order spends: quote for a buy, base for a sell. */
  availableMinor: bigint;
  /** Limit price; for a market order the best price on the other side (ask for a buy). */
  priceMinor: bigint;
  baseScale: number;
  stepMinor: bigint;
  rates: FeeRates;
}

/**
 * The order that spends `percent` of the available balance, fees included, rounded DOWN to the
 * lot step (quantities) or the minor unit (quote amounts): never more than the balance holds.
 */
export function sizeForPercent(
  input: PercentInput,
): { quantityMinor: bigint } | { quoteAmountMinor: bigint } {
  const budget = (input.availableMinor * BigInt(input.percent)) / 100n;
  if (input.side === "sell") return { quantityMinor: floorToStep(budget, input.stepMinor) };
  const spendable = spendableAfterFees(input.rates, budget);
  if (input.sizeIn === "quote" && input.type === "market") return { quoteAmountMinor: spendable };
  if (input.priceMinor <= 0n) return { quantityMinor: 0n };
  const unit = pow10(input.baseScale);
  // A market buy by quantity holds its estimate plus the slippage margin: size against that.
  const price =
    input.type === "market"
      ? divide(input.priceMinor * (BPS + MARKET_BUY_SLIPPAGE_BPS), BPS, "ceil")
      : input.priceMinor;
  return { quantityMinor: floorToStep((spendable * unit) / price, input.stepMinor) };
}
