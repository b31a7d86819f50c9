import { describe, expect, it } from "vitest";
import { ApiError } from "../../../worker/errors.ts";
import {
  assertOrderFilters,
  checkOrderFilters,
  FilterFailure,
  type OrderFilterInput,
} from "../../../worker/services/markets/filters.ts";

function failure(symbol: string, input: OrderFilterInput, referencePriceMinor?: bigint) {
  const result = checkOrderFilters(
    symbol,
    input,
    referencePriceMinor === undefined ? {} : { referencePriceMinor },
  );
  if (result.ok) throw new Error("expected a failure");
  return result.error;
}

const limitBuy = (quantity: string, price: string): OrderFilterInput => ({
  side: "buy",
  type: "limit",
  quantity,
  price,
});

describe("order filters", () => {
  it("accepts a valid limit order and returns exact units", () => {
    const order = assertOrderFilters("BTC-GBP", limitBuy("0.01500", "70000.01"), {
      referencePriceMinor: 7_000_000n,
    });
    expect(order.priceMinor).toBe(7_000_001n);
    expect(order.quantityMinor).toBe(1_500_000n);
    expect(order.market.symbol).toBe("BTC-GBP");
  });

  it("price off the tick: tick_size with the nearest tick, in message and fields", () => {
    const error = failure("BTC-GBP", limitBuy("0.01", "70000.005"));
    expect(error).toBeInstanceOf(FilterFailure);
    expect(error.status).toBe(400);
    expect(error.code).toBe("filter_failure");
    expect((error as FilterFailure).rule).toBe("tick_size");
    expect((error as FilterFailure).nearestValid).toBe("70000.01");
    expect(error.message).toContain("tick size 0.01");
    expect(error.message).toContain("70000.01");
    expect(error.fields?.price).toMatch(/^tick_size: .*70000\.01/);
  });

  it("computes the nearest tick exactly, even past the quote asset's scale (no double rounding)", () => {
    // 0.0149996 rounds to 0.015000 at 6 decimals and then up to 0.02; the true nearest is 0.01.
    expect((failure("ETH-BTC", limitBuy("1", "0.034994999")) as FilterFailure).nearestValid).toBe("0.03499");
    expect((failure("BTC-USDT", limitBuy("0.001", "60000.0049996")) as FilterFailure).nearestValid).toBe(
      "60000.00",
    );
    expect((failure("BTC-USDT", limitBuy("0.001", "60000.005")) as FilterFailure).nearestValid).toBe(
      "60000.01",
    );
  });

  it("quantity off the lot step: lot_size, rounded down (never more than asked)", () => {
    const error = failure("BTC-GBP", limitBuy("0.123456", "70000.00")) as FilterFailure;
    expect(error.rule).toBe("lot_size");
    expect(error.nearestValid).toBe("0.12345000");
    expect(error.fields?.quantity).toContain("lot_size");
  });

  it("min and max quantity", () => {
    expect((failure("SOL-GBP", limitBuy("0.0009", "100.00")) as FilterFailure).rule).toBe("lot_size");
    const below = failure("ETH-BTC", {
      side: "sell",
      type: "limit",
      quantity: "0.00001",
      price: "0.05000",
    }) as FilterFailure;
    expect(below.rule).toBe("lot_size");
    expect(below.nearestValid).toBe("0.00010000");
    const above = failure("BTC-USDT", limitBuy("9000.00001", "60000.00")) as FilterFailure;
    expect(above.rule).toBe("max_quantity");
    const tooMany = failure("BTC-USDT", limitBuy("9001", "60000.00")) as FilterFailure;
    expect(tooMany.rule).toBe("max_quantity");
    expect(tooMany.nearestValid).toBe("9000.00000000");
  });

  it("min notional for limit orders names the smallest quantity that meets it", () => {
    // 0.00005 BTC x 70000 = 3.50 GBP < 5.00 GBP; the smallest passing quantity is 0.00008 (5.60).
    const error = failure("BTC-GBP", limitBuy("0.00005", "70000.00")) as FilterFailure;
    expect(error.rule).toBe("min_notional");
    expect(error.nearestValid).toBe("0.00008000");
    expect(error.message).toContain("3.50 GBP");
    expect(assertOrderFilters("BTC-GBP", limitBuy("0.00008", "70000.00")).quantityMinor).toBe(8_000n);
  });

  it("min notional for a market buy by quote amount, and for a market order by quantity at the reference price", () => {
    const byQuote = failure("ETH-GBP", { side: "buy", type: "market", quoteAmount: "4.99" }) as FilterFailure;
    expect(byQuote.rule).toBe("min_notional");
    expect(byQuote.field).toBe("quoteAmount");
    expect(byQuote.nearestValid).toBe("5.00");
    expect(
      assertOrderFilters("ETH-GBP", { side: "buy", type: "market", quoteAmount: "5000.00" }).quoteAmountMinor,
    ).toBe(500_000n);
    const byQuantity = failure(
      "ETH-GBP",
      { side: "sell", type: "market", quantity: "0.0010" },
      260_000n,
    ) as FilterFailure;
    expect(byQuantity.rule).toBe("min_notional");
    expect(byQuantity.nearestValid).toBe("0.00200000");
  });

  it("min and max price, and the percent-price band around the reference", () => {
    expect((failure("BTC-GBP", limitBuy("1", "1000000.01")) as FilterFailure).rule).toBe("max_price");
    const band = failure("BTC-GBP", limitBuy("0.01", "7000.00"), 7_000_000n) as FilterFailure;
    expect(band.rule).toBe("percent_price");
    expect(band.nearestValid).toBe("14000.00");
    const high = failure("BTC-GBP", limitBuy("0.0001", "350000.01"), 7_000_000n) as FilterFailure;
    expect(high.nearestValid).toBe("350000.00");
  });

  it("malformed input is invalid_request naming each field, not a filter failure", () => {
    const both = failure("BTC-GBP", { side: "buy", type: "market", quantity: "1", quoteAmount: "10.00" });
    expect(both.code).toBe("invalid_request");
    expect(Object.keys(both.fields ?? {}).sort()).toEqual(["quantity", "quoteAmount"]);
    const neither = failure("BTC-GBP", { side: "buy", type: "market" });
    expect(neither.code).toBe("invalid_request");
    const shape = failure("BTC-GBP", { side: "hold", type: "stop", quantity: 1 as unknown as string });
    expect(Object.keys(shape.fields ?? {}).sort()).toEqual(["quantity", "side", "type"]);
    expect(shape.fields?.quantity).toContain("not a JSON number");
    for (const bad of ["-1", "1e3", " 1", "01", "1.", ".5", "0", "0.000"]) {
      expect(failure("BTC-GBP", limitBuy(bad, "70000.00")).code).toBe("invalid_request");
    }
    expect(failure("BTC-GBP", { side: "buy", type: "limit", quantity: "1" }).fields?.price).toContain(
      "required",
    );
    expect(
      failure("BTC-GBP", { side: "buy", type: "market", quantity: "1", price: "1.00" }).fields?.price,
    ).toContain("must not");
    expect(
      failure("BTC-GBP", { side: "sell", type: "market", quoteAmount: "10.00" }).fields?.quoteAmount,
    ).toContain("only market buys");
    expect(failure("BTC-GBP", { side: "buy", type: "market", quoteAmount: "10.001" }).code).toBe(
      "invalid_request",
    );
  });

  it("an unknown symbol is 404 unknown_symbol", () => {
    const error = failure("DOGE-GBP", limitBuy("1", "1.00"));
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(404);
    expect(error.code).toBe("unknown_symbol");
  });
});
