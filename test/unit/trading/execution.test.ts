import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BookLevel } from "../../../worker/services/markets/types.ts";
import {
  accrue,
  averagePriceMinor,
  consumedFromHold,
  NO_PROGRESS,
  type Progress,
  type Slice,
  walkByQuantity,
  walkByQuote,
} from "../../../worker/services/trading/execution.ts";
import {
  FEE_TIERS,
  feeScheduleFor,
  maxFeeMinor,
  orderFeeMinor,
  parseRate,
  ratesOf,
  spendableAfterFees,
} from "../../../worker/services/trading/fees.ts";
import { holdFor, sizeForPercent } from "../../../worker/services/trading/sizing.ts";

const rates = ratesOf("0.0010", "0.0020");
const BTC_UNIT = 100_000_000n;

/** Asks ascending from `best`, `levels` deep, each on the tick and the lot step. */
const asksArbitrary = fc
  .tuple(
    fc.bigInt({ min: 100_000n, max: 10_000_000n }),
    fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 500n }), fc.bigInt({ min: 1n, max: 50_000n })), {
      minLength: 1,
      maxLength: 30,
    }),
  )
  .map(([best, steps]) => {
    let price = best;
    return steps.map(([gap, lots]): BookLevel => {
      const level = { priceMinor: price, quantityMinor: lots * 1_000n };
      price += gap;
      return level;
    });
  });

function valueScaledOf(slices: readonly Slice[]): bigint {
  return slices.reduce((sum, slice) => sum + slice.quantityMinor * slice.priceMinor, 0n);
}

describe("fee schedule", () => {
  it("is one module: maker 0.10 %, taker 0.20 % at the bottom, as decimal strings", () => {
    const schedule = feeScheduleFor(0n);
    expect(schedule.rates.maker.text).toBe("0.0010");
    expect(schedule.rates.taker.text).toBe("0.0020");
    expect(schedule.tier).toBe(FEE_TIERS[0]?.tier);
    expect(feeScheduleFor(10n ** 12n).rates.taker.text).toBe("0.0008");
  });

  it("refuses malformed rates and a maker rate above the taker rate", () => {
    expect(() => parseRate("0.1%")).toThrow();
    expect(() => parseRate("1")).toThrow();
    expect(() => parseRate("0.000000001")).toThrow();
    expect(() => ratesOf("0.0030", "0.0020")).toThrow();
  });

  it("rounds a fee up to the minor unit, once per order", () => {
    expect(orderFeeMinor(rates, 0n, 500_000n)).toBe(1_000n); // 5000.00 at 0.20 % = 10.00
    expect(orderFeeMinor(rates, 0n, 499_001n)).toBe(999n); // 9.98002 -> 9.99
    expect(orderFeeMinor(rates, 1n, 0n)).toBe(1n);
    expect(orderFeeMinor(rates, 0n, 0n)).toBe(0n);
  });

  it("spendableAfterFees is the largest amount whose fee still fits (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), (budget) => {
        const spend = spendableAfterFees(rates, budget);
        expect(spend + maxFeeMinor(rates, spend)).toBeLessThanOrEqual(budget);
        const more = spend + 1n;
        if (budget > 0n) expect(more + maxFeeMinor(rates, more)).toBeGreaterThan(budget);
      }),
    );
  });
});

describe("walking the book", () => {
  it("by quantity: takes best levels first, exactly the quantity, never past a limit (property)", () => {
    fc.assert(
      fc.property(asksArbitrary, fc.bigInt({ min: 1n, max: 2_000_000n }), (asks, lots) => {
        const quantityMinor = lots * 1_000n;
        const slices = walkByQuantity({ levels: asks, side: "buy", quantityMinor, stepMinor: 1_000n });
        const total = slices.reduce((sum, slice) => sum + slice.quantityMinor, 0n);
        const depth = asks.reduce((sum, level) => sum + level.quantityMinor, 0n);
        expect(total).toBe(quantityMinor < depth ? quantityMinor : depth);
        for (const [index, slice] of slices.entries()) {
          expect(slice.priceMinor).toBe(asks[index]?.priceMinor);
          expect(slice.quantityMinor).toBeLessThanOrEqual(asks[index]?.quantityMinor ?? 0n);
        }
        const limit = asks[Math.floor(asks.length / 2)]?.priceMinor ?? 0n;
        const limited = walkByQuantity({
          levels: asks,
          side: "buy",
          quantityMinor,
          limitPriceMinor: limit,
          stepMinor: 1_000n,
        });
        for (const slice of limited) expect(slice.priceMinor).toBeLessThanOrEqual(limit);
      }),
    );
  });

  it("sells walk bids downwards and stop at the limit", () => {
    const bids: BookLevel[] = [
      { priceMinor: 7_000_000n, quantityMinor: 10_000n },
      { priceMinor: 6_999_000n, quantityMinor: 10_000n },
      { priceMinor: 6_998_000n, quantityMinor: 10_000n },
    ];
    const slices = walkByQuantity({
      levels: bids,
      side: "sell",
      quantityMinor: 25_000n,
      limitPriceMinor: 6_999_000n,
      stepMinor: 1_000n,
    });
    expect(slices.map((slice) => [slice.priceMinor, slice.quantityMinor])).toEqual([
      [7_000_000n, 10_000n],
      [6_999_000n, 10_000n],
    ]);
  });

  it("a value cap stops a market buy at what its hold pays for, in whole lot steps", () => {
    fc.assert(
      fc.property(asksArbitrary, fc.bigInt({ min: 1n, max: 10n ** 12n }), (asks, cap) => {
        const slices = walkByQuantity({
          levels: asks,
          side: "buy",
          quantityMinor: 10n ** 12n,
          maxValueScaled: cap,
          stepMinor: 1_000n,
        });
        expect(valueScaledOf(slices)).toBeLessThanOrEqual(cap);
        for (const slice of slices) expect(slice.quantityMinor % 1_000n).toBe(0n);
      }),
    );
  });

  it("by quote amount: never spends more than asked, and on BTC-GBP spends exactly it (property)", () => {
    fc.assert(
      fc.property(asksArbitrary, fc.bigInt({ min: 500n, max: 10_000_000n }), (asks, quote) => {
        const slices = walkByQuote(asks, quote, 8);
        const accrued = accrue(NO_PROGRESS, slices, { side: "buy", baseScale: 8, rates });
        expect(accrued.totals.quoteMinor).toBeLessThanOrEqual(quote);
        const depthValue = asks.reduce((sum, level) => sum + level.quantityMinor * level.priceMinor, 0n);
        // Where the book is deep enough and a satoshi is worth under a penny, to the penny.
        if (depthValue >= quote * BTC_UNIT && (asks.at(-1)?.priceMinor ?? 0n) < BTC_UNIT) {
          expect(accrued.totals.quoteMinor).toBe(quote);
        }
      }),
    );
  });
});

describe("settling fills", () => {
  const sliceArbitrary = fc.record({
    priceMinor: fc.bigInt({ min: 1_000n, max: 10_000_000n }),
    quantityMinor: fc.bigInt({ min: 1n, max: 5_000n }).map((lots) => lots * 1_000n),
    liquidity: fc.constantFrom<"maker" | "taker">("maker", "taker"),
  });

  it("slices of an order add up to its value rounded once, and fees to its fee (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(sliceArbitrary, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom<"buy" | "sell">("buy", "sell"),
        (fills, side) => {
          let progress: Progress = NO_PROGRESS;
          let quoteSum = 0n;
          let feeSum = 0n;
          let exact = 0n;
          let maker = 0n;
          let taker = 0n;
          for (const fill of fills) {
            const accrued = accrue(progress, fill, { side, baseScale: 8, rates });
            progress = accrued.progress;
            quoteSum += accrued.totals.quoteMinor;
            feeSum += accrued.totals.feeMinor;
            for (const slice of accrued.slices) {
              expect(slice.feeMinor).toBeGreaterThanOrEqual(0n);
              if (slice.liquidity === "maker") maker += slice.quoteMinor;
              else taker += slice.quoteMinor;
            }
            exact += valueScaledOf(fill);
          }
          const rounded = side === "buy" ? (exact + BTC_UNIT - 1n) / BTC_UNIT : exact / BTC_UNIT;
          expect(progress.filledQuoteMinor).toBe(rounded);
          expect(quoteSum).toBe(rounded);
          expect(feeSum).toBe(progress.feeMinor);
          expect(progress.feeMinor).toBe(orderFeeMinor(rates, maker, taker));
          // Never more than the taker fee on the whole: the hold reserved exactly that.
          expect(progress.feeMinor).toBeLessThanOrEqual(maxFeeMinor(rates, rounded));
          expect(progress.quoteRemainder).toBeGreaterThanOrEqual(0n);
          expect(progress.quoteRemainder).toBeLessThan(BTC_UNIT);
        },
      ),
    );
  });

  it("a limit buy's fills never take more than its hold, however they are split (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 100_000n }).map((lots) => lots * 1_000n),
        fc.bigInt({ min: 1_000n, max: 10_000_000n }),
        fc.array(fc.bigInt({ min: 1n, max: 100n }), { minLength: 1, maxLength: 8 }),
        (quantityMinor, priceMinor, weights) => {
          const hold = holdFor({
            side: "buy",
            type: "limit",
            baseScale: 8,
            rates,
            quantityMinor,
            priceMinor,
          });
          let progress: Progress = NO_PROGRESS;
          let left = quantityMinor;
          const total = weights.reduce((sum, weight) => sum + weight, 0n);
          for (const [index, weight] of weights.entries()) {
            const lots =
              index === weights.length - 1 ? left : ((quantityMinor * weight) / total / 1_000n) * 1_000n;
            const take = lots > left ? left : lots;
            if (take <= 0n) continue;
            left -= take;
            progress = accrue(
              progress,
              [{ priceMinor, quantityMinor: take, liquidity: index === 0 ? "taker" : "maker" }],
              {
                side: "buy",
                baseScale: 8,
                rates,
              },
            ).progress;
          }
          expect(progress.filledQuantityMinor).toBe(quantityMinor);
          expect(consumedFromHold("buy", progress)).toBeLessThanOrEqual(hold.amountMinor);
          expect(averagePriceMinor("buy", progress, 8)).toBe(priceMinor);
        },
      ),
    );
  });

  it("the 'done when' numbers: 5000.00 GBP spent at one price costs a 10.00 GBP fee", () => {
    const accrued = accrue(
      NO_PROGRESS,
      walkByQuote([{ priceMinor: 7_000_000n, quantityMinor: 10n ** 8n }], 500_000n, 8),
      {
        side: "buy",
        baseScale: 8,
        rates,
      },
    );
    expect(accrued.totals).toEqual({
      quantityMinor: 7_142_857n,
      quoteMinor: 500_000n,
      feeMinor: 1_000n,
      feeDiscountMinor: 0n,
    });
    expect(
      holdFor({ side: "buy", type: "market", baseScale: 8, rates, quoteAmountMinor: 500_000n }).amountMinor,
    ).toBe(501_000n);
  });
});

describe("percent buttons", () => {
  it("50 % of 10,000.00 GBP as a market buy in GBP: 4,990.01 + 9.99 fee = 5,000.00", () => {
    const size = sizeForPercent({
      side: "buy",
      type: "market",
      sizeIn: "quote",
      percent: 50,
      availableMinor: 1_000_000n,
      priceMinor: 7_000_000n,
      baseScale: 8,
      stepMinor: 1_000n,
      rates,
    });
    expect(size).toEqual({ quoteAmountMinor: 499_001n });
  });

  it("round DOWN to the lot step and never hold more than the balance (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 11n }),
        fc.bigInt({ min: 1_000n, max: 10_000_000n }),
        fc.constantFrom(25 as const, 50 as const, 75 as const, 100 as const),
        fc.constantFrom<"buy" | "sell">("buy", "sell"),
        fc.constantFrom<"market" | "limit">("market", "limit"),
        fc.constantFrom<"base" | "quote">("base", "quote"),
        (available, priceMinor, percent, side, type, sizeIn) => {
          const stepMinor = 1_000n;
          const size = sizeForPercent({
            side,
            type,
            sizeIn,
            percent,
            availableMinor: available,
            priceMinor,
            baseScale: 8,
            stepMinor,
            rates,
          });
          const budget = (available * BigInt(percent)) / 100n;
          if ("quoteAmountMinor" in size) {
            expect(side === "buy" && type === "market" && sizeIn === "quote").toBe(true);
            const hold = holdFor({
              side,
              type,
              baseScale: 8,
              rates,
              quoteAmountMinor: size.quoteAmountMinor,
            });
            expect(hold.amountMinor).toBeLessThanOrEqual(budget);
            return;
          }
          expect(size.quantityMinor % stepMinor).toBe(0n);
          if (side === "sell") {
            expect(size.quantityMinor).toBeLessThanOrEqual(budget);
            expect(budget - size.quantityMinor).toBeLessThan(stepMinor);
            return;
          }
          const hold = holdFor({
            side,
            type,
            baseScale: 8,
            rates,
            quantityMinor: size.quantityMinor,
            priceMinor,
            // A market buy's estimate when the best level takes it all.
            estimatedValueScaled: size.quantityMinor * priceMinor,
          });
          expect(hold.amountMinor).toBeLessThanOrEqual(budget);
        },
      ),
    );
  });
});
