import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatAmount, MAX_AMOUNT_TEXT_LENGTH, parseAmount } from "../../../worker/services/ledger/amount.ts";
import {
  ASSET_CODES,
  ASSETS,
  type AssetCode,
  MAX_ASSET_AMOUNT_MINOR,
  MAX_BALANCE_MINOR,
  SQLITE_INTEGER_MAX,
  unitMinor,
} from "../../../worker/services/ledger/assets.ts";

const asset = fc.constantFrom(...ASSET_CODES);

function parsed(code: AssetCode, input: unknown, allowZero = false): bigint | string {
  const result = parseAmount(code, input, { allowZero });
  return result.ok ? result.amountMinor : result.problem;
}

describe("asset registry", () => {
  it("has the scales the product relies on", () => {
    expect(Object.fromEntries(ASSET_CODES.map((code) => [code, ASSETS[code].scale]))).toEqual({
      GBP: 2,
      USDT: 6,
      BTC: 8,
      ETH: 8,
      SOL: 8,
    });
  });

  it("keeps every balance and movement inside SQLite's signed 64-bit INTEGER with headroom", () => {
    for (const code of ASSET_CODES) {
      expect(ASSETS[code].maxAmountMinor).toBeLessThanOrEqual(MAX_ASSET_AMOUNT_MINOR);
    }
    // The largest balance plus the largest single movement still fits: `balance + amount` in
    // SQLite is always exact and the CHECK on the bound sees the true value.
    expect(MAX_BALANCE_MINOR + MAX_ASSET_AMOUNT_MINOR).toBeLessThan(SQLITE_INTEGER_MAX);
    expect(SQLITE_INTEGER_MAX).toBe(2n ** 63n - 1n);
  });

  it("documents why ETH is not stored at 18 decimals: 9.3 ETH would not fit", () => {
    const weiPerEth = 10n ** 18n;
    expect((93n * weiPerEth) / 10n).toBeGreaterThan(SQLITE_INTEGER_MAX);
    // At 8 decimals the whole ETH supply (~120 million) fits in one balance 300 times over.
    expect(120_000_000n * unitMinor("ETH") * 300n).toBeLessThan(MAX_BALANCE_MINOR);
    // And the whole BTC supply, in satoshi, 1,000 times over.
    expect(21_000_000n * unitMinor("BTC") * 1000n).toBeLessThan(MAX_BALANCE_MINOR);
  });
});

describe("parseAmount", () => {
  it("reads decimal strings into minor units", () => {
    expect(parsed("GBP", "250.00")).toBe(25_000n);
    expect(parsed("GBP", "250")).toBe(25_000n);
    expect(parsed("GBP", "0.5")).toBe(50n);
    expect(parsed("GBP", "0.01")).toBe(1n);
    expect(parsed("BTC", "0.00150000")).toBe(150_000n);
    expect(parsed("BTC", "0.00000001")).toBe(1n);
    expect(parsed("USDT", "1.000001")).toBe(1_000_001n);
    expect(parsed("ETH", "12.5")).toBe(1_250_000_000n);
  });

  it.each([
    ["a JSON number", 250, "not_a_string"],
    ["a bigint", 250n, "not_a_string"],
    ["null", null, "not_a_string"],
    ["an object", { amount: "1" }, "not_a_string"],
    ["empty", "", "empty"],
    ["negative", "-1.00", "malformed"],
    ["leading plus", "+1.00", "malformed"],
    ["exponent", "1e5", "malformed"],
    ["capital exponent", "1E2", "malformed"],
    ["leading space", " 1.00", "malformed"],
    ["trailing space", "1.00 ", "malformed"],
    ["newline", "1.00\n", "malformed"],
    ["leading zeros", "007", "malformed"],
    ["leading zero before point", "00.5", "malformed"],
    ["bare point", ".5", "malformed"],
    ["trailing point", "5.", "malformed"],
    ["thousands separator", "1,000.00", "malformed"],
    ["underscore", "1_000", "malformed"],
    ["comma decimal", "1,5", "malformed"],
    ["fullwidth digits", "１２", "malformed"],
    ["hex", "0x10", "malformed"],
    ["two points", "1.0.0", "malformed"],
    ["NaN", "NaN", "malformed"],
    ["Infinity", "Infinity", "malformed"],
    ["too many decimals", "1.001", "too_many_decimals"],
    ["zero", "0", "zero"],
    ["zero with decimals", "0.00", "zero"],
    ["absurd length", "1".repeat(MAX_AMOUNT_TEXT_LENGTH + 1), "too_long"],
  ])("refuses %s", (_label, input, problem) => {
    expect(parsed("GBP", input)).toBe(problem);
  });

  it("accepts zero only where asked to", () => {
    expect(parsed("GBP", "0", true)).toBe(0n);
    expect(parsed("BTC", "0.00000000", true)).toBe(0n);
  });

  it("accepts exactly the asset's maximum and refuses one minor unit more", () => {
    for (const code of ASSET_CODES) {
      const max = ASSETS[code].maxAmountMinor;
      expect(parsed(code, formatAmount(code, max))).toBe(max);
      expect(parsed(code, formatAmount(code, max + 1n))).toBe("too_large");
    }
  });

  it("allows exactly the asset's decimals and refuses one more", () => {
    for (const code of ASSET_CODES) {
      const scale = ASSETS[code].scale;
      expect(parsed(code, `1.${"1".repeat(scale)}`)).toBe(unitMinor(code) + (unitMinor(code) - 1n) / 9n);
      expect(parsed(code, `1.${"1".repeat(scale + 1)}`)).toBe("too_many_decimals");
    }
  });

  it("never throws, whatever it is given", () => {
    fc.assert(
      fc.property(asset, fc.anything(), (code, input) => {
        parseAmount(code, input);
      }),
      { numRuns: 2_000 },
    );
    fc.assert(
      fc.property(asset, fc.string({ maxLength: 60 }), (code, input) => {
        const result = parseAmount(code, input);
        if (result.ok) {
          // Anything accepted is within bounds and means what it says.
          expect(result.amountMinor).toBeGreaterThan(0n);
          expect(result.amountMinor).toBeLessThanOrEqual(ASSETS[code].maxAmountMinor);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("formatAmount", () => {
  it("always prints exactly the asset's scale", () => {
    expect(formatAmount("GBP", 25_000n)).toBe("250.00");
    expect(formatAmount("GBP", 0n)).toBe("0.00");
    expect(formatAmount("GBP", 1n)).toBe("0.01");
    expect(formatAmount("BTC", 150_000n)).toBe("0.00150000");
    expect(formatAmount("USDT", 1n)).toBe("0.000001");
    expect(formatAmount("GBP", -310n)).toBe("-3.10");
    expect(formatAmount("ETH", -1n)).toBe("-0.00000001");
  });

  it("round-trips: parse(format(x)) = x for every valid amount", () => {
    fc.assert(
      fc.property(
        asset.chain((code) =>
          fc.tuple(fc.constant(code), fc.bigInt({ min: 1n, max: ASSETS[code].maxAmountMinor })),
        ),
        ([code, amountMinor]) => {
          const text = formatAmount(code, amountMinor);
          expect(text.split(".")[1]?.length).toBe(ASSETS[code].scale);
          expect(parsed(code, text)).toBe(amountMinor);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it("round-trips the other way: format(parse(s)) is s padded to the scale", () => {
    const decimal = asset.chain((code) =>
      fc.tuple(
        fc.constant(code),
        fc.bigInt({ min: 0n, max: 999_999n }),
        fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 0, maxLength: ASSETS[code].scale }),
      ),
    );
    fc.assert(
      fc.property(decimal, ([code, whole, fraction]) => {
        const text = fraction.length > 0 ? `${whole}.${fraction}` : `${whole}`;
        const result = parseAmount(code, text, { allowZero: true });
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(formatAmount(code, result.amountMinor)).toBe(
          `${whole}.${fraction.padEnd(ASSETS[code].scale, "0")}`,
        );
      }),
      { numRuns: 3_000 },
    );
  });

  it("is monotonic and sign-symmetric", () => {
    fc.assert(
      fc.property(asset, fc.bigInt({ min: 0n, max: 10n ** 17n }), (code, amountMinor) => {
        expect(formatAmount(code, -amountMinor)).toBe(
          amountMinor === 0n ? formatAmount(code, 0n) : `-${formatAmount(code, amountMinor)}`,
        );
      }),
    );
  });
});
