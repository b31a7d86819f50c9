import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../../worker/errors.ts";
import { BinanceMarketData } from "../../../worker/services/markets/binance.ts";
import { CoinGeckoMarketData } from "../../../worker/services/markets/coingecko.ts";
import type { FetchLike } from "../../../worker/services/markets/http.ts";
import { SimulatedMarket } from "../../../worker/services/markets/sim/market.ts";
import { getMarketSource } from "../../../worker/services/markets/source.ts";

const fixture = (path: string) =>
  readFileSync(new URL(`../../fixtures/markets/${path}`, import.meta.url), "utf8");

/** Serves recorded bodies by path; records every URL asked for. */
function recordedFetch(routes: Record<string, string | (() => Response | Promise<Response>)>) {
  const calls: string[] = [];
  const fetch: FetchLike = async (input, init) => {
    calls.push(input);
    const { pathname } = new URL(input);
    const route = routes[pathname];
    if (route === undefined) return new Response("not found", { status: 404 });
    if (typeof route === "function") {
      // Honour the timeout like a real fetch: a hanging upstream rejects when the signal fires.
      return new Promise<Response>((resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        Promise.resolve(route()).then(resolve, reject);
      });
    }
    return new Response(route, { status: 200, headers: { "Content-Type": "application/json" } });
  };
  return { fetch, calls };
}

const hang = () => new Promise<Response>(() => {});
const fast = { timeoutMs: 30, backoffBaseMs: 1, backoffMaxMs: 2, sleep: async () => {} };

const binanceRoutes = {
  "/api/v3/ticker/24hr": fixture("binance/ticker-24hr.json"),
  "/api/v3/klines": fixture("binance/klines-btcusdt-1m.json"),
  "/api/v3/depth": fixture("binance/depth-btcusdt.json"),
  "/api/v3/trades": fixture("binance/trades-btcusdt.json"),
  "/api/v3/exchangeInfo": fixture("binance/exchange-info.json"),
};

describe("Binance adapter on recorded responses", () => {
  it("parses the 24 h ticker exactly to minor units", async () => {
    const { fetch, calls } = recordedFetch(binanceRoutes);
    const binance = new BinanceMarketData({ fetch, ...fast });
    const ticker = await binance.ticker("BTC-USDT");
    expect(ticker.lastMinor).toBe(60_755_180_000n); // 60755.18 USDT at 6 decimals
    expect(ticker.bidMinor).toBe(60_755_180_000n);
    expect(ticker.askMinor).toBe(60_755_190_000n);
    expect(ticker.open24hMinor).toBe(62_636_130_000n);
    expect(ticker.volume24hMinor).toBe(5_307_684_650_000n);
    expect(ticker.quoteVolume24hMinor).toBe(3_289_695_271_677_177n); // 8 decimals floored to 6
    expect(ticker.stale).toBe(false);
    expect(ticker.asOfMs).toBe(1634944401452);
    const url = new URL(calls[0] ?? "");
    expect(JSON.parse(url.searchParams.get("symbols") ?? "[]")).toEqual([
      "BTCUSDT",
      "ETHUSDT",
      "SOLUSDT",
      "ETHBTC",
    ]);
    expect((await binance.ticker("ETH-BTC")).lastMinor).toBe(2_264_000n);
  });

  it("a listed symbol missing from the answer is unavailable, not invented", async () => {
    const binance = new BinanceMarketData({ fetch: recordedFetch(binanceRoutes).fetch, ...fast });
    await expect(binance.ticker("ETH-USDT")).rejects.toMatchObject({
      status: 503,
      code: "market_data_unavailable",
    });
  });

  it("klines, depth and trades", async () => {
    const { fetch, calls } = recordedFetch(binanceRoutes);
    const binance = new BinanceMarketData({ fetch, ...fast });
    const series = await binance.candles("BTC-USDT", "1m", { limit: 10 });
    expect(series.candles).toHaveLength(10);
    expect(series.candles[0]).toEqual({
      openTimeMs: 1634943780000,
      openMinor: 60_685_220_000n,
      highMinor: 60_729_840_000n,
      lowMinor: 60_670_900_000n,
      closeMinor: 60_719_270_000n,
      volumeMinor: 2_163_272_000n,
    });
    const book = await binance.book("BTC-USDT", 7);
    expect(new URL(calls.at(-1) ?? "").searchParams.get("limit")).toBe("10");
    expect(book.bids).toHaveLength(7);
    expect(book.bids[0]).toEqual({ priceMinor: 60_650_000_000n, quantityMinor: 213_000n });
    expect(book.asks[0]?.priceMinor).toBe(60_650_010_000n);
    const { trades } = await binance.trades("BTC-USDT", 10);
    expect(trades[0]).toMatchObject({ id: "1111468882", takerSide: "sell", quantityMinor: 997_000n });
    expect(trades.at(-1)).toMatchObject({ id: "1111468873", takerSide: "sell" });
    expect(trades.find((trade) => trade.id === "1111468874")?.takerSide).toBe("buy");
  });

  it("lists from exchangeInfo the symbols that trade; no GBP pair among them", async () => {
    const binance = new BinanceMarketData({ fetch: recordedFetch(binanceRoutes).fetch, ...fast });
    const listed = await binance.listedSymbols();
    expect([...listed].sort()).toEqual(["BTCUSDT", "ETHBTC", "ETHUSDT", "SOLBTC", "SOLETH", "SOLUSDT"]);
  });

  it("GBP pairs go to the fallback source", async () => {
    const now = Date.UTC(2026, 10, 26, 12);
    const sim = new SimulatedMarket({ clock: () => now });
    const { fetch, calls } = recordedFetch(binanceRoutes);
    const binance = new BinanceMarketData({ fetch, ...fast, fallback: sim });
    expect((await binance.ticker("BTC-GBP")).source).toBe("sim");
    expect(calls).toHaveLength(0);
    const all = await binance.tickers();
    expect(all.map((ticker) => `${ticker.symbol}:${ticker.source}`)).toEqual([
      "BTC-GBP:sim",
      "ETH-GBP:sim",
      "SOL-GBP:sim",
      "BTC-USDT:binance",
      "ETH-USDT:sim",
      "SOL-USDT:sim",
      "ETH-BTC:binance",
    ]);
  });

  it("timeout -> retry with backoff -> success", async () => {
    let attempts = 0;
    const waits: number[] = [];
    const { fetch } = recordedFetch({
      ...binanceRoutes,
      "/api/v3/depth": () => {
        attempts += 1;
        return attempts < 3 ? hang() : new Response(fixture("binance/depth-btcusdt.json"));
      },
    });
    const binance = new BinanceMarketData({
      fetch,
      ...fast,
      backoffBaseMs: 100,
      backoffMaxMs: 1_000,
      random: () => 0.999,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    const book = await binance.book("BTC-USDT", 5);
    expect(attempts).toBe(3);
    expect(waits).toEqual([99, 199]); // exponential, with (here maximal) jitter
    expect(book.stale).toBe(false);
  });

  it("upstream down: the last good value is served marked stale; without one, 503", async () => {
    let clock = 1_000_000;
    let down = false;
    const { fetch } = recordedFetch({
      ...binanceRoutes,
      "/api/v3/ticker/24hr": () =>
        down ? new Response("busy", { status: 503 }) : new Response(fixture("binance/ticker-24hr.json")),
    });
    const binance = new BinanceMarketData({ fetch, ...fast, now: () => clock, maxStaleMs: 60_000 });
    const fresh = await binance.ticker("BTC-USDT");
    expect(fresh.stale).toBe(false);
    down = true;
    clock += 10_000; // past the 2 s freshness
    const stale = await binance.ticker("BTC-USDT");
    expect(stale.stale).toBe(true);
    expect(stale.lastMinor).toBe(fresh.lastMinor);
    expect(binance.cache.lastError?.status).toBe(503);
    clock += 120_000; // past the staleness bound
    await expect(binance.ticker("BTC-USDT")).rejects.toMatchObject({
      status: 503,
      code: "market_data_unavailable",
    });
    const cold = new BinanceMarketData({ fetch, ...fast });
    await expect(cold.book("BTC-USDT", 5)).resolves.toBeDefined();
    await expect(cold.ticker("BTC-USDT")).rejects.toBeInstanceOf(ApiError);
  });

  it("does not retry a client error, and treats a malformed body as a failure", async () => {
    let attempts = 0;
    const { fetch } = recordedFetch({
      "/api/v3/klines": () => {
        attempts += 1;
        return new Response('{"code":-1121,"msg":"Invalid symbol."}', { status: 400 });
      },
      "/api/v3/trades": '[{"id": 1, "price": 60000, "qty": "1", "time": 1, "isBuyerMaker": true}]',
    });
    const binance = new BinanceMarketData({ fetch, ...fast });
    await expect(binance.candles("BTC-USDT", "1m", { limit: 5 })).rejects.toMatchObject({
      code: "market_data_unavailable",
    });
    expect(attempts).toBe(1);
    await expect(binance.trades("BTC-USDT", 5)).rejects.toMatchObject({ code: "market_data_unavailable" });
  });
});

describe("CoinGecko adapter on recorded responses", () => {
  const now = Date.UTC(2026, 10, 26, 12);
  function coingecko() {
    const calls: string[] = [];
    // One path, two recordings: the body depends on vs_currency.
    const byCurrency: FetchLike = async (input) => {
      const url = new URL(input);
      calls.push(input);
      if (url.pathname !== "/api/v3/coins/markets") return new Response("not found", { status: 404 });
      const currency = url.searchParams.get("vs_currency");
      return new Response(fixture(`coingecko/coins-markets-${currency}.json`));
    };
    return {
      source: new CoinGeckoMarketData({
        fetch: byCurrency,
        ...fast,
        now: () => now,
        sim: new SimulatedMarket({ clock: () => now }),
      }),
      calls,
    };
  }

  it("GBP pairs from vs_currency=gbp, rounded to the tick", async () => {
    const { source, calls } = coingecko();
    const ticker = await source.ticker("BTC-GBP");
    expect(ticker.lastMinor).toBe(4_411_100n);
    expect(ticker.open24hMinor).toBe(4_542_995n); // 44111 + 1318.954... = 45429.95
    expect(ticker.high24hMinor).toBe(4_636_000n);
    expect(ticker.asOfMs).toBe(Date.parse("2021-10-23T00:28:19.259Z"));
    expect(ticker.bidMinor < ticker.askMinor).toBe(true);
    const gbpCall = calls
      .map((call) => new URL(call))
      .find((url) => url.searchParams.get("vs_currency") === "gbp");
    expect(gbpCall?.searchParams.get("ids")).toBe("bitcoin,ethereum,solana");
  });

  it("USDT pairs through tether's USD price, and ETH-BTC from the legs", async () => {
    const { source } = coingecko();
    const btc = await source.ticker("BTC-USDT");
    // 41682 / 0.999691 = 41694.88... USDT
    expect(btc.lastMinor).toBe(41_694_880_000n);
    const ethBtc = await source.ticker("ETH-BTC");
    expect(ethBtc.lastMinor).toBe(5_436_000n); // 2265.86 / 41682 = 0.054360
    const symbols = (await source.tickers()).map((ticker) => ticker.symbol);
    expect(symbols).toEqual(["BTC-GBP", "BTC-USDT", "ETH-USDT", "SOL-USDT", "ETH-BTC"]);
    await expect(source.ticker("ETH-GBP")).rejects.toMatchObject({ code: "market_data_unavailable" });
  });

  it("book and candles are the simulation anchored to the real price, marked synthetic", async () => {
    const { source } = coingecko();
    const book = await source.book("BTC-GBP", 20);
    expect(book.synthetic).toBe(true);
    const mid = ((book.bids[0]?.priceMinor ?? 0n) + (book.asks[0]?.priceMinor ?? 0n)) / 2n;
    expect(Number(mid) / 4_411_100).toBeCloseTo(1, 3);
    for (let index = 1; index < book.bids.length; index++) {
      expect((book.bids[index]?.priceMinor ?? 0n) < (book.bids[index - 1]?.priceMinor ?? 0n)).toBe(true);
    }
    const series = await source.candles("BTC-GBP", "1h", { limit: 24 });
    expect(series.synthetic).toBe(true);
    expect(series.candles.at(-1)?.closeMinor).toBe(4_411_100n);
  });
});

describe("getMarketSource", () => {
  it("chooses by MARKET_SOURCE and keeps one instance per isolate", () => {
    expect(getMarketSource({ MARKET_SOURCE: "sim" }).name).toBe("sim");
    expect(getMarketSource({ MARKET_SOURCE: "sim" })).toBe(getMarketSource({ MARKET_SOURCE: "sim" }));
    expect(getMarketSource({ MARKET_SOURCE: "coingecko" }).name).toBe("coingecko");
    expect(getMarketSource({ MARKET_SOURCE: "binance" }).name).toBe("binance");
    expect(getMarketSource({ MARKET_SOURCE: "sim" }, { seed: 7 })).not.toBe(
      getMarketSource({ MARKET_SOURCE: "sim" }),
    );
  });
});
