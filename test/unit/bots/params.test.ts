import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { marketContext } from "../../../worker/services/bots/strategy/exact.ts";
import {
  type DcaParams,
  dcaLadder,
  type GridParams,
  gridInitialSides,
  gridLevelPrices,
  gridLevelsOf,
  gridQuantityPerOrderMinor,
  parseDcaParams,
  parseGridParams,
  requiredBudget,
} from "../../../worker/services/bots/strategy/index.ts";
import { gridBudgetMinor, gridMinimumQuantityMinor } from "../../../worker/services/bots/strategy/ladder.ts";
import { FIELD_MESSAGES } from "../../../worker/services/forms/messages.ts";
import { formatMinor } from "../../../worker/services/markets/decimal.ts";
import { ratesOf } from "../../../worker/services/trading/fees.ts";
import { holdFor } from "../../../worker/services/trading/sizing.ts";

const DCA = {
  baseOrder: "25.00",
  safetyOrder: "50.00",
  safetyOrders: 3,
  priceDeviationPercent: "2",
  volumeScale: "1.5",
  takeProfitPercent: "1.5",
};
const GRID = { lowerPrice: "60000.00", upperPrice: "70000.00", gridLevels: 11, spacing: "arithmetic" };

function dca(raw: Record<string, unknown> = {}): DcaParams {
  const result = parseDcaParams("BTC-GBP", { ...DCA, ...raw });
  if (!result.ok) throw new Error(JSON.stringify(result.fieldErrors));
  return result.params;
}

function grid(raw: Record<string, unknown> = {}): GridParams {
  const result = parseGridParams("BTC-GBP", { ...GRID, ...raw });
  if (!result.ok) throw new Error(JSON.stringify(result.fieldErrors));
  return result.params;
}

function dcaErrors(raw: unknown, symbol: "BTC-GBP" | "ETH-USDT" = "BTC-GBP"): Record<string, string> {
  const result = parseDcaParams(symbol, raw);
  if (result.ok) throw new Error("expected a refusal");
  return result.fieldErrors;
}

function gridErrors(raw: unknown): Record<string, string> {
  const result = parseGridParams("BTC-GBP", raw);
  if (result.ok) throw new Error("expected a refusal");
  return result.fieldErrors;
}

describe("DCA params", () => {
  it("parse to exact minor units and percentages", () => {
    const params = dca({ stopLossPercent: "7.25", cooldownSeconds: 90 });
    expect(params).toEqual({
      symbol: "BTC-GBP",
      baseOrderMinor: 2500n,
      safetyOrderMinor: 5000n,
      safetyOrders: 3,
      priceDeviation: { text: "2", digits: 2n, scale: 0 },
      volumeScale: { text: "1.5", digits: 15n, scale: 1 },
      takeProfit: { text: "1.5", digits: 15n, scale: 1 },
      stopLoss: { text: "7.25", digits: 725n, scale: 2 },
      cooldownSeconds: 90,
    });
    expect(dca().stopLoss).toBeNull();
    expect(dca().cooldownSeconds).toBe(0);
  });

  it("refuse out-of-range params, each field named with a stable message", () => {
    expect(
      dcaErrors({
        baseOrder: 25,
        safetyOrder: "1.001",
        safetyOrders: 26,
        priceDeviationPercent: "-1",
        volumeScale: "11",
        takeProfitPercent: "0",
        stopLossPercent: "100",
        cooldownSeconds: 86_401,
      }),
    ).toEqual({
      baseOrder: 'must be a decimal string such as "1.5", not a JSON number',
      safetyOrder: "at most 2 decimals for GBP",
      safetyOrders: "must be an integer from 0 to 25",
      priceDeviationPercent: FIELD_MESSAGES.notAPlainNumber,
      volumeScale: "must be between 1 and 10",
      takeProfitPercent: "must be more than zero",
      stopLossPercent: "must be greater than 0 and at most 99 %",
      cooldownSeconds: "must be an integer from 0 to 86400",
    });
  });

  it("refuse every bound at its edge and accept the edge itself", () => {
    expect(dcaErrors({ ...DCA, safetyOrders: -1 }).safetyOrders).toBe("must be an integer from 0 to 25");
    expect(dcaErrors({ ...DCA, safetyOrders: 2.5 }).safetyOrders).toBe("must be an integer from 0 to 25");
    expect(dcaErrors({ ...DCA, safetyOrders: "3" }).safetyOrders).toBe("must be an integer from 0 to 25");
    expect(dca({ safetyOrders: 25, priceDeviationPercent: "3.9999" }).safetyOrders).toBe(25);
    expect(dca({ safetyOrders: 0 }).safetyOrders).toBe(0);
    expect(dcaErrors({ ...DCA, priceDeviationPercent: "1.00001" }).priceDeviationPercent).toBe(
      "allows at most 4 decimal places",
    );
    expect(dcaErrors({ ...DCA, priceDeviationPercent: "50.0001" }).priceDeviationPercent).toBe(
      "must be greater than 0 and at most 50 %",
    );
    expect(dcaErrors({ ...DCA, priceDeviationPercent: "50.01" }).priceDeviationPercent).toBe(
      "must be greater than 0 and at most 50 %",
    );
    expect(dca({ safetyOrders: 1, priceDeviationPercent: "50" }).priceDeviation.text).toBe("50");
    expect(dcaErrors({ ...DCA, volumeScale: "0.99" }).volumeScale).toBe("must be between 1 and 10");
    expect(dcaErrors({ ...DCA, volumeScale: "1.005" }).volumeScale).toBe("allows at most 2 decimal places");
    expect(dca({ volumeScale: "10" }).volumeScale.text).toBe("10");
    expect(dca({ volumeScale: "1" }).volumeScale.text).toBe("1");
    expect(dcaErrors({ ...DCA, takeProfitPercent: "100.01" }).takeProfitPercent).toBe(
      "must be greater than 0 and at most 100 %",
    );
    expect(dca({ takeProfitPercent: "100" }).takeProfit.text).toBe("100");
    expect(dca({ stopLossPercent: "99" }).stopLoss?.text).toBe("99");
    expect(dcaErrors({ ...DCA, cooldownSeconds: -1 }).cooldownSeconds).toBe(
      "must be an integer from 0 to 86400",
    );
    expect(dca({ cooldownSeconds: 86_400 }).cooldownSeconds).toBe(86_400);
    expect(dcaErrors({ ...DCA, baseOrder: "0" }).baseOrder).toBe("must be more than zero");
    expect(dcaErrors({ ...DCA, baseOrder: "1e3" }).baseOrder).toBe(FIELD_MESSAGES.notAPlainNumber);
    expect(dcaErrors({ ...DCA, baseOrder: " 25" }).baseOrder).toBe(FIELD_MESSAGES.notAPlainNumber);
  });

  it("refuse orders below the market's minimum order value or above its maximum", () => {
    expect(dcaErrors({ ...DCA, baseOrder: "4.99" }).baseOrder).toBe("minimum order 5.00 GBP");
    expect(dcaErrors({ ...DCA, safetyOrder: "9000000.01" }).safetyOrder).toBe(
      "maximum order 9,000,000.00 GBP",
    );
    expect(dcaErrors({ ...DCA, baseOrder: "25.0000001" }, "ETH-USDT").baseOrder).toBe(
      "at most 6 decimals for USDT",
    );
    expect(dca({ baseOrder: "5.00" }).baseOrderMinor).toBe(500n);
  });

  it("refuse a ladder that would reach zero: safetyOrders x deviation must stay below 100 %", () => {
    expect(dcaErrors({ ...DCA, safetyOrders: 25, priceDeviationPercent: "4" })).toEqual({
      priceDeviationPercent:
        "with 25 safety orders the deepest would be 100 % below the entry: safetyOrders x priceDeviationPercent must stay below 100",
    });
    expect(dcaErrors({ ...DCA, safetyOrders: 3, priceDeviationPercent: "40" }).priceDeviationPercent).toMatch(
      /the deepest would be 120 % below/,
    );
  });

  it("refuse missing fields, unknown fields and a body that is not an object", () => {
    expect(dcaErrors({})).toEqual({
      baseOrder: "is required",
      safetyOrder: "is required",
      safetyOrders: "is required",
      priceDeviationPercent: "is required",
      volumeScale: "is required",
      takeProfitPercent: "is required",
    });
    expect(dcaErrors({ ...DCA, takeProfit: "1" })).toEqual({ takeProfit: "is not a DCA parameter" });
    expect(dcaErrors("25")).toEqual({ params: "must be an object of DCA parameters" });
    expect(dcaErrors(null)).toEqual({ params: "must be an object of DCA parameters" });
    expect(dcaErrors([])).toEqual({ params: "must be an object of DCA parameters" });
  });
});

describe("Grid params", () => {
  it("parse prices to minor units on the tick", () => {
    expect(grid({ stopLossPrice: "59000.00", takeProfitPrice: "71000.50", spacing: "geometric" })).toEqual({
      symbol: "BTC-GBP",
      lowerPriceMinor: 6_000_000n,
      upperPriceMinor: 7_000_000n,
      gridLevels: 11,
      spacing: "geometric",
      stopLossPriceMinor: 5_900_000n,
      takeProfitPriceMinor: 7_100_050n,
    });
  });

  it("refuse lowerPrice >= upperPrice", () => {
    expect(gridErrors({ ...GRID, lowerPrice: "70000.00" })).toEqual({
      lowerPrice: "must be below upperPrice",
    });
    expect(gridErrors({ ...GRID, lowerPrice: "70000.01" })).toEqual({
      lowerPrice: "must be below upperPrice",
    });
    // Reported even when other fields are wrong too.
    expect(gridErrors({ ...GRID, lowerPrice: "70000.00", spacing: "log", gridLevels: 300 })).toEqual({
      lowerPrice: "must be below upperPrice",
      spacing: "must be one of arithmetic, geometric",
      gridLevels: "must be an integer from 2 to 200",
    });
  });

  it("refuse levels beyond limits, and levels that would share a tick", () => {
    expect(gridErrors({ ...GRID, gridLevels: 1 }).gridLevels).toBe("must be an integer from 2 to 200");
    expect(gridErrors({ ...GRID, gridLevels: 201 }).gridLevels).toBe("must be an integer from 2 to 200");
    expect(gridErrors({ ...GRID, gridLevels: 10.5 }).gridLevels).toBe("must be an integer from 2 to 200");
    expect(gridErrors({ ...GRID, gridLevels: "10" }).gridLevels).toBe("must be an integer from 2 to 200");
    expect(grid({ gridLevels: 2 }).gridLevels).toBe(2);
    expect(grid({ gridLevels: 200 }).gridLevels).toBe(200);
    expect(gridErrors({ ...GRID, upperPrice: "60001.00", gridLevels: 200 })).toEqual({
      gridLevels:
        "levels 1 and 2 would both be at 60000.01 GBP on the tick grid: use fewer levels or a wider range",
    });
    // 101 levels over 100 ticks: exactly one tick apart, accepted.
    expect(grid({ upperPrice: "60001.00", gridLevels: 101 }).gridLevels).toBe(101);
  });

  it("refuse prices off the tick or outside the market's price range, and misplaced stops", () => {
    expect(gridErrors({ ...GRID, lowerPrice: "60000.001" }).lowerPrice).toBe(
      "must be a multiple of the tick size 0.01 GBP of BTC-GBP",
    );
    expect(gridErrors({ ...GRID, upperPrice: "1000000.01" }).upperPrice).toBe(
      "must be between 0.01 GBP and 1000000.00 GBP on BTC-GBP",
    );
    expect(gridErrors({ ...GRID, lowerPrice: "0" }).lowerPrice).toBe("must be more than zero");
    expect(gridErrors({ ...GRID, stopLossPrice: "60000.00" })).toEqual({
      stopLossPrice: "must be below lowerPrice",
    });
    expect(gridErrors({ ...GRID, takeProfitPrice: "70000.00" })).toEqual({
      takeProfitPrice: "must be above upperPrice",
    });
    expect(gridErrors({ ...GRID, lowerPrice: 60000 }).lowerPrice).toBe(
      'must be a decimal string such as "1.5", not a JSON number',
    );
    expect(gridErrors({ ...GRID, step: "1" })).toEqual({ step: "is not a Grid parameter" });
  });
});

describe("required budget", () => {
  it("DCA: the base and every safety order, each with the taker fee the desk holds on top", () => {
    // 25.00 + 50.00 + 75.00 + 112.50 at 0.20 % taker: fees 0.05 + 0.10 + 0.15 + 0.225 -> 0.23.
    expect(requiredBudget("BTC-GBP", "dca", dca())).toBe(
      2500n + 5n + 5000n + 10n + 7500n + 15n + 11250n + 23n,
    );
    // The same as what holdFor would hold for each order: a market buy by quote, then limit buys
    // sized from each amount (their hold never exceeds amount + fee).
    const rates = ratesOf("0.0010", "0.0020");
    const params = dca({ volumeScale: "1.37", safetyOrders: 7 });
    let expected = holdFor({
      side: "buy",
      type: "market",
      baseScale: 8,
      rates,
      quoteAmountMinor: 2500n,
    }).amountMinor;
    let amount = 5000n;
    let numerator = 5000n;
    let denominator = 1n;
    for (let index = 1; index <= 7; index++) {
      amount = (numerator + denominator - 1n) / denominator;
      expected += holdFor({
        side: "buy",
        type: "market",
        baseScale: 8,
        rates,
        quoteAmountMinor: amount,
      }).amountMinor;
      numerator *= 137n;
      denominator *= 100n;
    }
    expect(requiredBudget("BTC-GBP", "dca", params, { rates })).toBe(expected);
    expect(amount).toBe(33_060n); // 50.00 x 1.37^6 = 330.5928... rounded up
  });

  it("DCA: a cheaper fee tier needs less, never more", () => {
    const params = dca();
    expect(requiredBudget("BTC-GBP", "dca", params, { rates: ratesOf("0", "0") })).toBe(
      2500n + 5000n + 7500n + 11250n,
    );
  });

  it("DCA: every safety order placed from the ladder holds at most what the budget counted for it", () => {
    const market = marketContext("BTC-GBP");
    const rates = ratesOf("0.0010", "0.0020");
    fc.assert(
      fc.property(
        fc.integer({ min: 500, max: 100_000 }),
        fc.integer({ min: 100, max: 300 }),
        fc.integer({ min: 1, max: 20 }),
        fc.bigInt({ min: 100_000n, max: 100_000_000n }),
        (safetyOrder, scale, count, entry) => {
          const params = dca({
            safetyOrder: formatMinor(BigInt(safetyOrder), 2),
            volumeScale: formatMinor(BigInt(scale), 2),
            safetyOrders: count,
            priceDeviationPercent: "4.5",
          });
          const withoutSafety = requiredBudget("BTC-GBP", "dca", { ...params, safetyOrders: 0 }, { rates });
          let counted = requiredBudget("BTC-GBP", "dca", params, { rates }) - withoutSafety;
          for (const step of dcaLadder(params, entry, market)) {
            const hold =
              step.quantityMinor > 0n
                ? holdFor({
                    side: "buy",
                    type: "limit",
                    baseScale: 8,
                    rates,
                    quantityMinor: step.quantityMinor,
                    priceMinor: step.priceMinor,
                  }).amountMinor
                : 0n;
            expect(hold).toBeLessThanOrEqual(step.amountMinor + (step.amountMinor * 2n + 999n) / 1000n);
            counted -= step.amountMinor + (step.amountMinor * 2n + 999n) / 1000n;
          }
          expect(counted).toBe(0n);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("Grid: a limit buy at every level below the price plus the market buy of the sells' base", () => {
    const params = grid();
    const rates = ratesOf("0.0010", "0.0020");
    const price = 6_550_000n;
    const quantity = 100_000n; // 0.001 BTC per order
    const levels = gridLevelsOf(params);
    expect(levels).toEqual([
      6_000_000n,
      6_100_000n,
      6_200_000n,
      6_300_000n,
      6_400_000n,
      6_500_000n,
      6_600_000n,
      6_700_000n,
      6_800_000n,
      6_900_000n,
      7_000_000n,
    ]);
    expect(gridInitialSides(levels, price)).toEqual([
      "buy",
      "buy",
      "buy",
      "buy",
      "buy",
      "sell", // 65,500 sits in the lower half of [65,000, 66,000]: hold base, sell at 66,000
      "sell",
      "sell",
      "sell",
      "sell",
    ]);
    // Buys at 60,000..64,000: 0.001 BTC each = 60.00 + 61.00 + ... + 64.00 = 310.00, plus
    // 0.20 % on each rounded up (0.12, 0.13, 0.13, 0.13, 0.13); the market buy of 0.005 BTC at
    // 65,500 = 327.50, plus the desk's 1 % slippage margin = 330.78 (rounded up), plus its fee 0.67.
    const expected = 31_000n + (12n + 13n + 13n + 13n + 13n) + 33_078n + 67n;
    expect(
      requiredBudget("BTC-GBP", "grid", params, {
        lastPriceMinor: price,
        quantityPerOrderMinor: quantity,
        rates,
      }),
    ).toBe(expected);
  });

  it("Grid: the default is the least budget on which every level meets the minimum order value", () => {
    const params = grid();
    const market = marketContext("BTC-GBP");
    const rates = ratesOf("0.0010", "0.0020");
    const price = 6_550_000n;
    const levels = gridLevelsOf(params);
    const sides = gridInitialSides(levels, price);
    // 5.00 GBP at 60,000 is 0.00008333 BTC: 0.00009 on the lot step.
    expect(gridMinimumQuantityMinor(levels, sides, price, market)).toBe(9_000n);
    const minimum = requiredBudget("BTC-GBP", "grid", params, { lastPriceMinor: price, rates });
    expect(minimum).toBe(gridBudgetMinor(levels, sides, 9_000n, price, market, rates));
    expect(gridQuantityPerOrderMinor(levels, sides, price, minimum, market, rates)).toBe(9_000n);
    expect(gridQuantityPerOrderMinor(levels, sides, price, minimum - 1n, market, rates)).toBe(8_000n);
  });
});

describe("grid levels", () => {
  it("geometric levels are the exact geometric mean rounded half up to the tick", () => {
    const params = grid({ spacing: "geometric" });
    const levels = gridLevelsOf(params);
    const k = 10n;
    for (const [index, level] of levels.entries()) {
      const i = BigInt(index);
      // (2L - 1)^k <= 2^k x lower^(k-i) x upper^i < (2L + 1)^k  (tick 1 minor unit)
      const exact = 2n ** k * 6_000_000n ** (k - i) * 7_000_000n ** i;
      expect((2n * level - 1n) ** k <= exact).toBe(true);
      expect(exact < (2n * level + 1n) ** k).toBe(true);
    }
    expect(levels[5]).toBe(6_480_741n); // 60,000 x (7/6)^0.5 = 64,807.407...
  });

  it("geometric levels are exactly rounded for any range, tick and count (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10_000_000n }),
        fc.bigInt({ min: 1n, max: 100_000_000n }),
        fc.integer({ min: 3, max: 200 }),
        fc.constantFrom(1n, 7n, 1_000n),
        (lowTicks, spanTicks, levelsCount, tick) => {
          const lower = lowTicks * tick;
          const upper = lower + spanTicks * tick;
          const levels = gridLevelPrices(lower, upper, levelsCount, "geometric", tick);
          const k = BigInt(levelsCount - 1);
          for (let index = 1; index < levelsCount - 1; index++) {
            const i = BigInt(index);
            const ticks = (levels[index] ?? 0n) / tick;
            // Half up to the tick: (2j - 1) tick / 2 <= X < (2j + 1) tick / 2, raised to the k.
            const exact = 2n ** k * lower ** (k - i) * upper ** i;
            expect((2n * ticks - 1n) ** k * tick ** k <= exact).toBe(true);
            expect(exact < (2n * ticks + 1n) ** k * tick ** k).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("are strictly increasing within [lower, upper], both ends exact (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 50_000_000n }),
        fc.bigInt({ min: 1n, max: 50_000_000n }),
        fc.integer({ min: 2, max: 200 }),
        fc.constantFrom("arithmetic" as const, "geometric" as const),
        fc.constantFrom(1n, 5n, 1_000n),
        (lowTicks, spanTicks, levelsCount, spacing, tick) => {
          const lower = lowTicks * tick;
          const upper = lower + spanTicks * tick;
          const levels = gridLevelPrices(lower, upper, levelsCount, spacing, tick);
          expect(levels).toHaveLength(levelsCount);
          expect(levels[0]).toBe(lower);
          expect(levels.at(-1)).toBe(upper);
          for (const level of levels) {
            expect(level % tick).toBe(0n);
            expect(level >= lower && level <= upper).toBe(true);
          }
          const distinct = levels.every((level, index) => index === 0 || level > (levels[index - 1] ?? 0n));
          const nonDecreasing = levels.every(
            (level, index) => index === 0 || level >= (levels[index - 1] ?? 0n),
          );
          expect(nonDecreasing).toBe(true);
          // Strictly increasing whenever the params are accepted, which is exactly when no two meet.
          const raw = {
            lowerPrice: formatMinor(lower, 2),
            upperPrice: formatMinor(upper, 2),
            gridLevels: levelsCount,
            spacing,
          };
          if (tick === 1n) {
            const parsed = parseGridParams("BTC-GBP", raw);
            expect(parsed.ok).toBe(distinct);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
