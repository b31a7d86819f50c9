import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { plainDecimal } from "../../../worker/services/exchange/binance-spot.ts";
import { ServerClock } from "../../../worker/services/exchange/clock.ts";
import {
  ExchangeFilterError,
  ExchangeRateLimitError,
  ExchangeStatusUnknownError,
  errorFromExchange,
  WeightBudgetError,
} from "../../../worker/services/exchange/errors.ts";
import { clientOrderIdFor, orderIdFromClientOrderId } from "../../../worker/services/exchange/ids.ts";
import { balanceOf, parseAccount, parseOrder, parseTrade } from "../../../worker/services/exchange/parse.ts";
import {
  assertWithinRules,
  parseExchangeInfo,
  type SymbolRules,
} from "../../../worker/services/exchange/rules.ts";
import { WeightBudget } from "../../../worker/services/exchange/weight.ts";
import { decimalToMinor } from "../../../worker/services/markets/decimal.ts";
import { MARKET_SYMBOLS, MARKETS } from "../../../worker/services/markets/symbols.ts";

/** The adapter's pure parts: error mapping, ids, units, rules, weight and clock arithmetic. */

const recordedInfo = JSON.parse(
  readFileSync("test/fixtures/markets/binance/exchange-info.json", "utf8"),
) as unknown;

describe("errorFromExchange", () => {
  const cases: [
    number,
    { code: number; msg: string } | undefined,
    number | undefined,
    Record<string, unknown>,
  ][] = [
    [
      400,
      { code: -1013, msg: "Filter failure: LOT_SIZE" },
      undefined,
      { kind: "filter_failure", filter: "LOT_SIZE", local: false },
    ],
    [
      400,
      { code: -2010, msg: "Account has insufficient balance for requested action." },
      undefined,
      { kind: "insufficient_balance", retryable: true },
    ],
    [
      400,
      { code: -2010, msg: "Duplicate order sent." },
      undefined,
      { kind: "order_rejected", retryable: false },
    ],
    [400, { code: -2011, msg: "Unknown order sent." }, undefined, { kind: "unknown_order", status: 404 }],
    [400, { code: -2013, msg: "Order does not exist." }, undefined, { kind: "unknown_order" }],
    [
      400,
      { code: -1021, msg: "Timestamp for this request is outside of the recvWindow." },
      undefined,
      { kind: "timestamp" },
    ],
    [
      400,
      { code: -1022, msg: "Signature for this request is not valid." },
      undefined,
      { kind: "signature", definite: true },
    ],
    [401, { code: -2014, msg: "API-key format invalid." }, undefined, { kind: "invalid_key" }],
    [
      401,
      { code: -2015, msg: "Invalid API-key, IP, or permissions for action." },
      undefined,
      { kind: "invalid_key" },
    ],
    [
      429,
      { code: -1003, msg: "Too much request weight used" },
      17_000,
      { kind: "rate_limited", retryAfterMs: 17_000, banned: false },
    ],
    [
      418,
      { code: -1003, msg: "IP banned" },
      120_000,
      { kind: "rate_limited", retryAfterMs: 120_000, banned: true },
    ],
    [
      429,
      { code: -1015, msg: "Too many new orders" },
      undefined,
      { kind: "rate_limited", retryAfterMs: 60_000 },
    ],
    [400, { code: -1003, msg: "Too many requests queued." }, undefined, { kind: "rate_limited" }],
    [
      503,
      { code: -1007, msg: "Timeout waiting for response from backend server." },
      undefined,
      { kind: "status_unknown", definite: false },
    ],
    [500, undefined, undefined, { kind: "status_unknown", definite: false }],
    [
      400,
      { code: -1102, msg: "Mandatory parameter 'symbol' was not sent" },
      undefined,
      { kind: "bad_request", status: 502 },
    ],
  ];
  it.each(cases)("HTTP %i %o -> %o", (status, body, retryAfterMs, expected) => {
    const error = errorFromExchange("/api/v3/order", status, body, retryAfterMs);
    expect(error).toMatchObject({ httpStatus: status, exchangeCode: body?.code, ...expected });
  });

  it("gives the right classes and a Retry-After header for the API", () => {
    expect(
      errorFromExchange("/x", 400, { code: -1013, msg: "Filter failure: NOTIONAL" }, undefined),
    ).toBeInstanceOf(ExchangeFilterError);
    const limited = errorFromExchange("/x", 429, { code: -1003, msg: "slow down" }, 1_500);
    expect(limited).toBeInstanceOf(ExchangeRateLimitError);
    expect(limited.headers).toEqual({ "Retry-After": "2" });
    expect(errorFromExchange("/x", 502, undefined, undefined)).toBeInstanceOf(ExchangeStatusUnknownError);
  });
});

describe("client order ids", () => {
  it("derive from a UUID, fit Binance's pattern, and map back", () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        const clientOrderId = clientOrderIdFor(uuid);
        expect(clientOrderId).toMatch(/^[.A-Z:/a-z0-9_-]{1,36}$/);
        expect(orderIdFromClientOrderId(clientOrderId)).toBe(uuid.toLowerCase());
      }),
    );
  });

  it("refuse an order id that is not a UUID, and ignore others' client ids", () => {
    expect(() => clientOrderIdFor("order-1")).toThrow(/UUID/);
    expect(orderIdFromClientOrderId("x-U5D79M5B1234567890123456")).toBeNull();
    expect(orderIdFromClientOrderId("6gCrw2kRUAF9CvJDGP16IP")).toBeNull();
  });
});

describe("decimal text for the exchange", () => {
  it("is exact and minimal at every scale", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 17n }), fc.integer({ min: 0, max: 8 }), (minor, scale) => {
        const text = plainDecimal(minor, scale);
        expect(text).toMatch(/^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/);
        expect(decimalToMinor(text, scale)).toBe(minor);
      }),
    );
    expect(plainDecimal(100_000n, 8)).toBe("0.001");
    expect(plainDecimal(65_000_000_000n, 6)).toBe("65000");
  });
});

describe("answers in minor units", () => {
  const full = {
    symbol: "BTCUSDT",
    orderId: 28,
    orderListId: -1,
    clientOrderId: "chx0b8c1d2e3f404a5b8c6d7e8f90a1b2c3",
    transactTime: 1507725176595,
    price: "0.00000000",
    origQty: "0.00200000",
    executedQty: "0.00200000",
    origQuoteOrderQty: "0.00000000",
    cummulativeQuoteQty: "130.00000100",
    status: "FILLED",
    timeInForce: "GTC",
    type: "MARKET",
    side: "SELL",
    workingTime: 1507725176595,
    selfTradePreventionMode: "NONE",
    fills: [
      {
        price: "65000.01000000",
        qty: "0.00001000",
        commission: "0.00065000",
        commissionAsset: "USDT",
        tradeId: 56,
      },
      {
        price: "65000.00000000",
        qty: "0.00199000",
        commission: "0.12935000",
        commissionAsset: "USDT",
        tradeId: 57,
      },
      {
        price: "65000.00000000",
        qty: "0.00000000",
        commission: "0.00000065",
        commissionAsset: "USDT",
        tradeId: 58,
      },
      {
        price: "65000.00000000",
        qty: "0.00000000",
        commission: "0.01000000",
        commissionAsset: "BNB",
        tradeId: 59,
      },
    ],
  };

  it("parse an order exactly; a USDT figure with more than 6 places rounds as documented", () => {
    const order = parseOrder(full);
    expect(order).toMatchObject({
      symbol: "BTC-USDT",
      exchangeOrderId: 28,
      orderId: "0b8c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3",
      side: "sell",
      type: "market",
      status: "FILLED",
      priceMinor: 0n,
      executedQuantityMinor: 200_000n,
      cumulativeQuoteMinor: 130_000_001n, // 130.000001|00: exact here
      cumulativeQuoteText: "130.00000100",
    });
    expect(order.fills.map((fill) => [fill.priceMinor, fill.quantityMinor, fill.commissionMinor])).toEqual([
      [65_000_010_000n, 1_000n, 650n],
      [65_000_000_000n, 199_000n, 129_350n],
      [65_000_000_000n, 0n, 1n], // 0.00000065 USDT: a cost, rounded up to the micro-USDT
      [65_000_000_000n, 0n, null], // BNB is not one of our assets: text only
    ]);
    expect(order.fills[3]?.commissionText).toBe("0.01000000");
  });

  it("refuse a price off our grid instead of rounding it", () => {
    expect(() => parseOrder({ ...full, price: "65000.0000001" })).toThrow(/malformed/);
    expect(() => parseOrder({ ...full, symbol: "LTCBTC" })).toThrow(/malformed/);
    expect(() => parseOrder({ ...full, status: "SOMETHING" })).toThrow(/malformed/);
  });

  it("parse trades and balances; balances round down and say so", () => {
    const trade = parseTrade({
      symbol: "ETHBTC",
      id: 7,
      orderId: 9,
      orderListId: -1,
      price: "0.03651000",
      qty: "0.01000000",
      quoteQty: "0.00036510",
      commission: "0.00001000",
      commissionAsset: "ETH",
      time: 1,
      isBuyer: true,
      isMaker: true,
      isBestMatch: true,
    });
    expect(trade).toMatchObject({
      symbol: "ETH-BTC",
      tradeId: 7,
      priceMinor: 3_651_000n,
      quantityMinor: 1_000_000n,
      quoteQuantityMinor: 36_510n,
      commissionMinor: 1_000n,
      liquidity: "maker",
      side: "buy",
    });
    const account = parseAccount({
      canTrade: true,
      updateTime: 5,
      balances: [
        { asset: "USDT", free: "9993.49999935", locked: "1.00000000" },
        { asset: "BTC", free: "1.00099900", locked: "0.00000000" },
        { asset: "LTC", free: "3.00000000", locked: "0.00000000" },
      ],
    });
    expect(account.balances[0]).toMatchObject({
      freeMinor: 9_993_499_999n,
      lockedMinor: 1_000_000n,
      exact: false,
    });
    expect(account.balances[1]).toMatchObject({ freeMinor: 100_099_900n, exact: true });
    expect(account.balances[2]).toEqual({ asset: "LTC", freeText: "3.00000000", lockedText: "0.00000000" });
    expect(balanceOf(account, "SOL")).toEqual({ freeMinor: 0n, lockedMinor: 0n });
  });
});

describe("exchange rules", () => {
  const rules = parseExchangeInfo(recordedInfo);
  const btc = rules.get("BTC-USDT") as SymbolRules;

  it("parse the recorded exchangeInfo into the registry's own filter values", () => {
    const live = MARKET_SYMBOLS.filter((symbol) => MARKETS[symbol].liveTradable);
    expect([...rules.keys()].sort()).toEqual([...live].sort());
    for (const symbol of live) {
      const parsed = rules.get(symbol) as SymbolRules;
      const filters = MARKETS[symbol].filters;
      expect(parsed.price).toEqual({
        minMinor: filters.minPriceMinor,
        maxMinor: filters.maxPriceMinor,
        stepMinor: filters.tickSizeMinor,
      });
      expect(parsed.lot).toEqual({
        minMinor: filters.minQuantityMinor,
        maxMinor: filters.maxQuantityMinor,
        stepMinor: filters.stepSizeMinor,
      });
      expect(parsed.notional?.minMinor).toBe(filters.minNotionalMinor);
      expect(parsed.notional?.maxMinor).toBe(filters.maxNotionalMinor);
    }
  });

  it("refuse what the exchange would refuse, naming the exchange's filter", () => {
    const limit = {
      side: "buy" as const,
      type: "limit" as const,
      quantityMinor: 100_000n,
      priceMinor: 50_000_000_000n,
    };
    expect(() => assertWithinRules(btc, limit)).not.toThrow();
    const refusals: [Record<string, unknown>, string][] = [
      [{ priceMinor: 50_000_005_000n }, "PRICE_FILTER"], // off the 0.01 tick
      [{ priceMinor: 2_000_000_000_000n }, "PRICE_FILTER"], // above 1,000,000
      [{ quantityMinor: 100_500n }, "LOT_SIZE"],
      [{ quantityMinor: 0n + 1_000n, priceMinor: 10_000n }, "NOTIONAL"], // 0.00001 BTC at 0.01
      [{ type: "market", priceMinor: undefined, quantityMinor: 13_000_000_000n }, "MARKET_LOT_SIZE"],
      [
        { type: "market", priceMinor: undefined, quantityMinor: 10_000n, referencePriceMinor: 10_000_000n },
        "NOTIONAL",
      ],
      [
        { type: "market", priceMinor: undefined, quantityMinor: undefined, quoteAmountMinor: 4_999_999n },
        "NOTIONAL",
      ],
    ];
    for (const [change, filter] of refusals) {
      expect(() => assertWithinRules(btc, { ...limit, ...change })).toThrow(
        expect.objectContaining({ filter, local: true, kind: "filter_failure" }),
      );
    }
    expect(() =>
      assertWithinRules(btc, { side: "buy", type: "market", quoteAmountMinor: 5_000_000n }),
    ).not.toThrow();
    expect(() => assertWithinRules({ ...btc, status: "HALT" }, limit)).toThrow(
      expect.objectContaining({ kind: "symbol_not_tradable" }),
    );
    expect(() =>
      assertWithinRules(btc, { side: "sell", type: "market", quoteAmountMinor: 5_000_000n }),
    ).toThrow(expect.objectContaining({ kind: "invalid_order" }));
  });

  it("count a grid finer than our minor unit as one unit, and drop a symbol whose grid we cannot hit", () => {
    const info = JSON.parse(JSON.stringify(recordedInfo)) as {
      symbols: { symbol: string; filters: Record<string, string>[] }[];
    };
    const entry = info.symbols.find((symbol) => symbol.symbol === "BTCUSDT");
    const priceFilter = entry?.filters.find((filter) => filter.filterType === "PRICE_FILTER");
    if (!priceFilter) throw new Error("fixture changed");
    priceFilter.tickSize = "0.00000001";
    priceFilter.minPrice = "0.00000001";
    const finer = parseExchangeInfo(info).get("BTC-USDT");
    expect(finer?.price).toEqual({ minMinor: 1n, maxMinor: 1_000_000_000_000n, stepMinor: 1n });
    priceFilter.tickSize = "0.00000003"; // no multiple of 0.000001 USDT is on this grid
    expect(parseExchangeInfo(info).has("BTC-USDT")).toBe(false);
  });
});

describe("weight budget and clock", () => {
  it("counts per minute, adopts a higher reported count, and blocks after a 429", () => {
    const budget = new WeightBudget(100);
    budget.reserve(60, 60_000);
    budget.observe(90, 60_500);
    expect(budget.used(61_000)).toBe(90);
    expect(() => budget.reserve(20, 61_000)).toThrow(WeightBudgetError);
    budget.reserve(10, 61_000);
    expect(budget.used(119_999)).toBe(100);
    // A clock stepping back does not hand out a fresh minute.
    expect(budget.used(59_000)).toBe(100);
    expect(budget.used(120_000)).toBe(0);
    budget.blockUntil(125_000);
    expect(() => budget.reserve(1, 124_999)).toThrow(expect.objectContaining({ retryAfterMs: 1 }));
    budget.reserve(1, 125_000);
  });

  it("takes the server's time at the midpoint of the round trip", async () => {
    let local = 1_000;
    const clock = new ServerClock(
      () => local,
      async () => {
        local += 40; // 40 ms there, 40 ms back
        const serverTime = local + 5_000;
        local += 40;
        return serverTime;
      },
      60_000,
    );
    expect(clock.needsSync()).toBe(true);
    await clock.sync();
    expect(clock.offset).toBe(5_000);
    expect(clock.now()).toBe(local + 5_000);
    local += 59_999;
    expect(clock.needsSync()).toBe(false);
    local += 1;
    expect(clock.needsSync()).toBe(true);
  });
});
