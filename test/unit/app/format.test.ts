import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chartLocalization } from "../../../app/components/chart-format.ts";
import { formatDateTime } from "../../../app/components/date-time.tsx";
import { amountText, formatAmount, formatChartPrice } from "../../../app/components/money.tsx";
import { percentChangeText, percentText } from "../../../app/components/percent.ts";

/** The shown text back to an exact decimal at `scale` (sign, grouping and point removed). */
function shownMinor(text: string, scale: number): bigint {
  const negative = text.startsWith("−");
  const [whole = "0", fraction = ""] = text.replace("−", "").replaceAll(",", "").split(".");
  const minor =
    BigInt(whole) * 10n ** BigInt(scale) + BigInt(fraction.padEnd(scale, "0").slice(0, scale) || "0");
  return negative ? -minor : minor;
}

function decimalOf(minor: bigint, scale: number): string {
  const magnitude = minor < 0n ? -minor : minor;
  const digits = magnitude.toString().padStart(scale + 1, "0");
  return `${minor < 0n ? "-" : ""}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

describe("the one formatter (app/components/money.tsx, percent.ts, date-time.tsx)", () => {
  it("shows amounts at the asset's display decimals, en-GB grouped, zero as 0.00", () => {
    expect(formatAmount("5000.000000", "USDT")).toBe("5,000.00");
    expect(formatAmount("4934.439507", "USDT")).toBe("4,934.43");
    expect(formatAmount("0.01891743", "BTC")).toBe("0.01891743");
    expect(formatAmount("1.50000000", "ETH")).toBe("1.50000000");
    expect(formatAmount("0.000000", "USDT")).toBe("0.00");
    expect(formatAmount("0.00000000", "BTC")).toBe("0.00");
    expect(formatAmount("300", "GBP")).toBe("300.00");
    expect(formatAmount("-0.130860", "USDT")).toBe("−0.13");
    expect(formatAmount("0.000650", "USDT")).toBe("0.00065");
    expect(amountText("4990.01", "GBP")).toBe("4,990.01 GBP");
    // Prices keep their tick's decimals.
    expect(formatAmount("0.03469", "BTC")).toBe("0.03469");
    expect(formatAmount("105599.38", "USDT")).toBe("105,599.38");
  });

  it("never shows an amount larger than it is, nor a non-zero amount as zero (USDT, 6 decimals)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (minor) => {
        const text = formatAmount(decimalOf(minor, 6), "USDT");
        const shown = shownMinor(text, 6);
        const magnitude = (value: bigint) => (value < 0n ? -value : value);
        expect(magnitude(shown) <= magnitude(minor)).toBe(true);
        if (minor !== 0n) expect(shown).not.toBe(0n);
        // Cut to cents unless less than a cent: at most a cent (10,000 minor units) below.
        if (magnitude(minor) >= 10_000n) expect(magnitude(minor) - magnitude(shown) < 10_000n).toBe(true);
        expect(text).toMatch(/^−?\d{1,3}(,\d{3})*\.\d{2,6}$/);
      }),
    );
  });

  it("writes percentages one way: rates and changes alike", () => {
    expect(percentText("0.0010")).toBe("0.10 %");
    expect(percentChangeText("-1.25")).toBe("−1.25 %");
    expect(percentChangeText("2.08", { signed: true })).toBe("+2.08 %");
    expect(percentChangeText("1234.5")).toBe("1,234.5 %");
  });

  it("labels the charts with the same prices and moments as the pages", () => {
    expect(formatChartPrice(82800, 2)).toBe("82,800.00");
    expect(formatChartPrice(0.0347, 5)).toBe("0.03470");
    const labels = chartLocalization(2);
    expect(labels.priceFormatter(76271.951)).toBe("76,271.95");
    expect(labels.timeFormatter(Date.UTC(2026, 11, 1, 3, 41) / 1000)).toBe("2026-12-01 03:41:00 UTC");
    expect(formatDateTime("2026-12-01T03:41:30.000Z")).toBe("2026-12-01 03:41:30 UTC");
  });
});
