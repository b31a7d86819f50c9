import { describe, expect, it } from "vitest";
import {
  combinedDiscount,
  FEE_TIERS,
  feeScheduleFor,
  orderFeeBreakdown,
  orderFeeMinor,
  ratesOf,
  rateText,
} from "../../../worker/services/trading/fees.ts";

describe("fee tiers", () => {
  it("steps down at £50k, £250k and £1M of 30-day volume, with the next tier named", () => {
    const at = (pounds: bigint) => feeScheduleFor(pounds * 100n);
    expect(at(0n).tier).toBe("standard");
    expect(at(0n).nextTier).toEqual({ tier: "silver", volumeRequiredGbpMinor: 5_000_000n });
    expect(at(49_999n).tier).toBe("standard");
    expect(at(50_000n).tier).toBe("silver");
    expect(at(50_000n).rates.taker.text).toBe("0.0016");
    expect(at(250_000n).tier).toBe("gold");
    expect(at(1_000_000n).tier).toBe("platinum");
    expect(at(1_000_000n).nextTier).toBeNull();
  });

  it("never charges a higher rate for more volume", () => {
    for (let index = 1; index < FEE_TIERS.length; index++) {
      const lower = FEE_TIERS[index - 1];
      const upper = FEE_TIERS[index];
      if (!lower || !upper) throw new Error("tier table has holes");
      expect(upper.minVolumeGbpMinor).toBeGreaterThan(lower.minVolumeGbpMinor);
      expect(ratesOf(upper.makerRate, upper.takerRate).taker.perUnit).toBeLessThanOrEqual(
        ratesOf(lower.makerRate, lower.takerRate).taker.perUnit,
      );
    }
  });
});

describe("fee discounts", () => {
  it("compound instead of adding up", () => {
    expect(
      combinedDiscount([
        { source: "plan", rate: "0.25", untilMs: null },
        { source: "referral", rate: "0.10", untilMs: 1 },
      ]),
    ).toBe("0.3250");
    expect(combinedDiscount([])).toBe("0");
    expect(rateText(10_000_000n)).toBe("0.1000");
  });

  it("waive floor(list fee x discount): the list fee is exact, the trader pays the rest", () => {
    const rates = ratesOf("0.0010", "0.0020", "0.10");
    // £5,000 taker: list 10.00, 10 % waived = 1.00, paid 9.00.
    expect(orderFeeBreakdown(rates, 0n, 500_000n)).toEqual({
      listMinor: 1_000n,
      discountMinor: 100n,
      feeMinor: 900n,
    });
    // £49.99 taker: list ceil(9.998p) = 10p, waived floor(1.0p) = 1p.
    expect(orderFeeBreakdown(rates, 0n, 4_999n)).toEqual({ listMinor: 10n, discountMinor: 1n, feeMinor: 9n });
    expect(orderFeeMinor(rates, 0n, 4_999n)).toBe(9n);
  });

  it("only ever grows, fill by fill, both the fee and the waived part", () => {
    const rates = ratesOf("0.0010", "0.0020", "0.325");
    let before = orderFeeBreakdown(rates, 0n, 0n);
    for (let quote = 1n; quote < 20_000n; quote += 37n) {
      const after = orderFeeBreakdown(rates, quote / 3n, quote - quote / 3n);
      expect(after.feeMinor).toBeGreaterThanOrEqual(before.feeMinor);
      expect(after.discountMinor).toBeGreaterThanOrEqual(before.discountMinor);
      expect(after.feeMinor + after.discountMinor).toBe(after.listMinor);
      before = after;
    }
  });

  it("shows the discounted rates of a referred pro trader", () => {
    const schedule = feeScheduleFor(0n, [
      { source: "plan", rate: "0.10", untilMs: null },
      { source: "referral", rate: "0.10", untilMs: 1 },
    ]);
    expect(schedule.rates.discount.text).toBe("0.1900");
    expect(schedule.listRates.taker.text).toBe("0.0020");
  });
});
