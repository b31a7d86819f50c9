import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const BASE = "http://example.com/api/v1";
const DECIMAL = /^-?\d+(\.\d+)?$/;

async function get(path: string) {
  const response = await SELF.fetch(`${BASE}${path}`);
  return { response, body: (await response.json()) as Record<string, unknown> };
}

describe("public market data API (sim source)", () => {
  it("GET /markets lists every symbol with exact field names and decimal strings", async () => {
    const { response, body } = await get("/markets");
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("public, max-age=1");
    expect(response.headers.get("X-Request-Id")).toBeTruthy();
    const markets = body.markets as Record<string, unknown>[];
    expect(markets.map((market) => market.symbol)).toEqual([
      "BTC-GBP",
      "ETH-GBP",
      "SOL-GBP",
      "BTC-USDT",
      "ETH-USDT",
      "SOL-USDT",
      "ETH-BTC",
    ]);
    for (const market of markets) {
      for (const key of ["symbol", "base", "quote", "last", "change24h", "volume24h", "liveTradable"]) {
        expect(market).toHaveProperty(key);
      }
      for (const key of ["last", "change24h", "volume24h"]) {
        expect(typeof market[key]).toBe("string");
        expect(market[key]).toMatch(DECIMAL);
      }
      expect(typeof market.liveTradable).toBe("boolean");
    }
    const btcGbp = markets[0];
    expect(btcGbp).toMatchObject({ base: "BTC", quote: "GBP", liveTradable: false });
    expect(btcGbp?.last).toMatch(/^\d+\.\d{2}$/);
    expect(markets.find((market) => market.symbol === "BTC-USDT")?.liveTradable).toBe(true);
  });

  it("is cached at the edge for a second, keyed on the full URL", async () => {
    const first = await SELF.fetch(`${BASE}/markets/ETH-BTC/book?depth=3`);
    const second = await SELF.fetch(`${BASE}/markets/ETH-BTC/book?depth=3`);
    expect(first.headers.get("X-Cache")).toBe("MISS");
    expect(second.headers.get("X-Cache")).toBe("HIT");
    expect(await second.json()).toEqual(await first.json());
    const other = await SELF.fetch(`${BASE}/markets/ETH-BTC/book?depth=4`);
    expect(other.headers.get("X-Cache")).toBe("MISS");
    expect(((await other.json()) as { bids: unknown[] }).bids).toHaveLength(4);
  });

  it("GET /markets/:symbol/ticker", async () => {
    const { response, body } = await get("/markets/ETH-GBP/ticker");
    expect(response.status).toBe(200);
    const ticker = body.ticker as Record<string, unknown>;
    expect(ticker).toMatchObject({
      symbol: "ETH-GBP",
      base: "ETH",
      quote: "GBP",
      source: "sim",
      stale: false,
    });
    for (const key of [
      "last",
      "bid",
      "ask",
      "open24h",
      "high24h",
      "low24h",
      "change24h",
      "volume24h",
      "quoteVolume24h",
    ]) {
      expect(ticker[key]).toMatch(DECIMAL);
    }
    expect(BigInt(String(ticker.bid).replace(".", "")) < BigInt(String(ticker.ask).replace(".", ""))).toBe(
      true,
    );
  });

  it("GET /markets/:symbol returns the filters", async () => {
    const { body } = await get("/markets/BTC-USDT");
    expect(body.market).toMatchObject({
      symbol: "BTC-USDT",
      liveTradable: true,
      filters: {
        tickSize: "0.01",
        stepSize: "0.00001000",
        minQuantity: "0.00001000",
        minNotional: "5.000000",
      },
    });
  });

  it("GET /markets/:symbol/candles validates interval and limit and returns consistent candles", async () => {
    const { response, body } = await get("/markets/BTC-GBP/candles?interval=5m&limit=30");
    expect(response.status).toBe(200);
    const candles = body.candles as Record<string, unknown>[];
    expect(candles).toHaveLength(30);
    expect(body.interval).toBe("5m");
    for (const [index, candle] of candles.entries()) {
      expect(Object.keys(candle).sort()).toEqual(["close", "high", "low", "open", "openTime", "volume"]);
      expect(typeof candle.openTime).toBe("number");
      for (const key of ["open", "high", "low", "close", "volume"]) expect(candle[key]).toMatch(DECIMAL);
      if (index > 0) expect(candle.open).toBe(candles[index - 1]?.close);
    }
    const bad = await get("/markets/BTC-GBP/candles?interval=2m&limit=5000");
    expect(bad.response.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: "invalid_request" });
    expect(Object.keys((bad.body.error as { fields: object }).fields).sort()).toEqual(["interval", "limit"]);
    expect((await get("/markets/BTC-GBP/candles?limit=1.5")).response.status).toBe(400);
    expect((await get("/markets/BTC-GBP/candles?limit=0")).response.status).toBe(400);
  });

  it("GET /markets/:symbol/book is sorted with a positive spread; depth is bounded", async () => {
    const { body } = await get("/markets/SOL-USDT/book?depth=10");
    const bids = body.bids as { price: string; quantity: string }[];
    const asks = body.asks as { price: string; quantity: string }[];
    expect(bids).toHaveLength(10);
    expect(asks).toHaveLength(10);
    const value = (price: string) => BigInt(price.replace(".", ""));
    for (let index = 1; index < 10; index++) {
      expect(value(bids[index]?.price ?? "0") < value(bids[index - 1]?.price ?? "0")).toBe(true);
      expect(value(asks[index]?.price ?? "0") > value(asks[index - 1]?.price ?? "0")).toBe(true);
    }
    expect(value(asks[0]?.price ?? "0") > value(bids[0]?.price ?? "0")).toBe(true);
    expect((await get("/markets/SOL-USDT/book?depth=101")).response.status).toBe(400);
  });

  it("GET /markets/:symbol/trades", async () => {
    const { body } = await get("/markets/BTC-USDT/trades?limit=5");
    const trades = body.trades as Record<string, unknown>[];
    expect(trades).toHaveLength(5);
    expect(trades[0]).toMatchObject({
      price: expect.stringMatching(DECIMAL),
      quantity: expect.stringMatching(DECIMAL),
    });
  });

  it("an unknown symbol is 404 unknown_symbol on every market route", async () => {
    for (const path of [
      "/markets/DOGE-GBP",
      "/markets/DOGE-GBP/ticker",
      "/markets/btc-gbp/candles",
      "/markets/XYZ/book",
    ]) {
      const { response, body } = await get(path);
      expect(response.status).toBe(404);
      expect(body.error).toMatchObject({ code: "unknown_symbol" });
      expect(response.headers.get("Cache-Control")).not.toBe("public, max-age=1");
    }
  });

  it("needs no session", async () => {
    const response = await SELF.fetch(`${BASE}/markets`, { headers: { Cookie: "" } });
    expect(response.status).toBe(200);
  });
});
