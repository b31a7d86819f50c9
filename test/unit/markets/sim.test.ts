import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SIM_GENESIS_MS, SimulatedMarket } from "../../../worker/services/markets/sim/market.ts";
import { MARKET_SYMBOLS, MARKETS, type MarketSymbol } from "../../../worker/services/markets/symbols.ts";
import { CANDLE_INTERVALS, type Candle } from "../../../worker/services/markets/types.ts";

const NOW = Date.UTC(2026, 10, 26, 14, 37, 21);
const market = (seed: string | number = "coinhubx", now = NOW) =>
  new SimulatedMarket({ seed, clock: () => now });

function expectConsistent(candles: Candle[]) {
  for (const [index, candle] of candles.entries()) {
    expect(candle.highMinor >= candle.openMinor && candle.highMinor >= candle.closeMinor).toBe(true);
    expect(candle.lowMinor <= candle.openMinor && candle.lowMinor <= candle.closeMinor).toBe(true);
    expect(candle.volumeMinor >= 0n).toBe(true);
    const previous = candles[index - 1];
    if (previous) expect(candle.openMinor).toBe(previous.closeMinor);
  }
}

// Math.max and Math.min cannot take bigint.
const maxBig = (values: bigint[], start: bigint) =>
  values.reduce((best, value) => (value > best ? value : best), start);
const minBig = (values: bigint[], start: bigint) =>
  values.reduce((best, value) => (value < best ? value : best), start);

describe("simulated market: determinism", () => {
  it("the same seed gives the same tickers, candles, book and trades; another seed does not", async () => {
    const [a, b, other] = [market(), market(), market("another seed")];
    expect(await a.tickers()).toEqual(await b.tickers());
    expect(await a.candles("BTC-GBP", "1m", { limit: 120 })).toEqual(
      await b.candles("BTC-GBP", "1m", { limit: 120 }),
    );
    expect(await a.book("ETH-USDT", 50)).toEqual(await b.book("ETH-USDT", 50));
    expect(await a.trades("SOL-GBP", 30)).toEqual(await b.trades("SOL-GBP", 30));
    expect((await other.ticker("BTC-GBP")).lastMinor).not.toBe((await a.ticker("BTC-GBP")).lastMinor);
  });

  it("a price does not depend on what was asked before (pure function of time)", () => {
    const warm = market();
    for (let step = 0; step < 50; step++) warm.priceAt("BTC-GBP", NOW - step * 3_600_000);
    const cold = market();
    const at = NOW - 7 * 86_400_000 + 12_345;
    expect(cold.priceAt("BTC-GBP", at)).toBe(warm.priceAt("BTC-GBP", at));
  });

  it("moves every second, within a realistic band of its anchors", async () => {
    const sim = market();
    const seen = new Set<bigint>();
    for (let second = 0; second < 30; second++) seen.add(sim.priceAt("BTC-USDT", NOW + second * 1000));
    expect(seen.size).toBeGreaterThan(10);
    const btc = await sim.ticker("BTC-GBP");
    expect(btc.lastMinor > 3_000_000n && btc.lastMinor < 20_000_000n).toBe(true); // 30k..200k GBP
  });
});

describe("simulated market: prices and candles", () => {
  it("prices sit on the tick and quantities on the lot step", async () => {
    const sim = market();
    for (const symbol of MARKET_SYMBOLS) {
      const { tickSizeMinor, stepSizeMinor } = MARKETS[symbol].filters;
      const ticker = await sim.ticker(symbol);
      for (const price of [
        ticker.lastMinor,
        ticker.bidMinor,
        ticker.askMinor,
        ticker.high24hMinor,
        ticker.low24hMinor,
      ]) {
        expect(price % tickSizeMinor).toBe(0n);
      }
      const book = await sim.book(symbol, 20);
      for (const level of [...book.bids, ...book.asks]) {
        expect(level.priceMinor % tickSizeMinor).toBe(0n);
        expect(level.quantityMinor % stepSizeMinor).toBe(0n);
      }
    }
  });

  it.each(CANDLE_INTERVALS)("%s candles are consistent and aligned", async (interval) => {
    const series = await market().candles("ETH-GBP", interval, { limit: 300 });
    expect(series.candles.length).toBeGreaterThan(1);
    expectConsistent(series.candles);
    const size = { "1m": 60_000, "5m": 300_000, "1h": 3_600_000, "1d": 86_400_000 }[interval];
    for (const candle of series.candles) expect((candle.openTimeMs - SIM_GENESIS_MS) % size).toBe(0);
    // The last candle is the one forming now and closes at the current price.
    expect(series.candles.at(-1)?.closeMinor).toBe(market().priceAt("ETH-GBP", NOW));
  });

  it("a coarse candle is exactly the aggregate of its fine candles", async () => {
    const sim = market();
    const end = Date.UTC(2026, 10, 25, 0, 0, 0) - 1_000; // a whole day in the past
    const [day] = (await sim.candles("SOL-USDT", "1d", { limit: 1, endTimeMs: end })).candles;
    const hours = (await sim.candles("SOL-USDT", "1h", { limit: 24, endTimeMs: end })).candles;
    expect(day && hours.length === 24).toBe(true);
    if (!day) return;
    expect(hours[0]?.openMinor).toBe(day.openMinor);
    expect(hours[23]?.closeMinor).toBe(day.closeMinor);
    expect(
      maxBig(
        hours.map((candle) => candle.highMinor),
        0n,
      ),
    ).toBe(day.highMinor);
    expect(
      minBig(
        hours.map((candle) => candle.lowMinor),
        day.highMinor,
      ),
    ).toBe(day.lowMinor);
    expect(hours.reduce((sum, candle) => sum + candle.volumeMinor, 0n)).toBe(day.volumeMinor);
    const [hour] = (await sim.candles("SOL-USDT", "1h", { limit: 1, endTimeMs: end })).candles;
    const minutes = (await sim.candles("SOL-USDT", "1m", { limit: 60, endTimeMs: end })).candles;
    expect(
      maxBig(
        minutes.map((candle) => candle.highMinor),
        0n,
      ),
    ).toBe(hour?.highMinor);
    expect(minutes.reduce((sum, candle) => sum + candle.volumeMinor, 0n)).toBe(hour?.volumeMinor);
  });

  it("every second of a minute lies within its candle, and the candle's extremes are traded", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MARKET_SYMBOLS),
        fc.integer({ min: 0, max: 600_000 }),
        (symbol, minutesAgo) => {
          const sim = market();
          const open = Math.floor((NOW - SIM_GENESIS_MS) / 60_000 - 1 - minutesAgo) * 60_000 + SIM_GENESIS_MS;
          // Ending at the next minute's first second: the first of two candles is the whole minute.
          const [candle] = sim.candlesUntil(symbol, "1m", (open - SIM_GENESIS_MS) / 1000 + 60, 2);
          if (!candle) throw new Error("no candle");
          const prices = Array.from({ length: 61 }, (_, second) => sim.priceAt(symbol, open + second * 1000));
          expect(prices[0]).toBe(candle.openMinor);
          expect(prices[60]).toBe(candle.closeMinor);
          expect(prices.every((price) => price <= candle.highMinor && price >= candle.lowMinor)).toBe(true);
          expect(prices).toContain(candle.highMinor);
          expect(prices).toContain(candle.lowMinor);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("cross rates hold: ETH-BTC is ETH-GBP / BTC-GBP (to rounding on the hour, closely within it)", () => {
    const sim = market();
    for (const offset of [0, 3_600_000, 86_400_000 * 30, 86_400_000 * 400]) {
      const onTheHour = Math.floor((NOW - offset) / 3_600_000) * 3_600_000;
      const ratio = Number(sim.priceAt("ETH-GBP", onTheHour)) / Number(sim.priceAt("BTC-GBP", onTheHour));
      expect(Math.abs(Number(sim.priceAt("ETH-BTC", onTheHour)) / 1e8 - ratio) / ratio).toBeLessThan(0.0004);
      const within = NOW - offset;
      const ratioWithin = Number(sim.priceAt("ETH-GBP", within)) / Number(sim.priceAt("BTC-GBP", within));
      expect(Math.abs(Number(sim.priceAt("ETH-BTC", within)) / 1e8 - ratioWithin) / ratioWithin).toBeLessThan(
        0.02,
      );
    }
  });

  it("24 h change and volume come from the window ending now", async () => {
    const sim = market();
    const ticker = await sim.ticker("BTC-GBP");
    expect(ticker.open24hMinor).toBe(sim.priceAt("BTC-GBP", NOW - 86_400_000));
    expect(ticker.high24hMinor >= ticker.lastMinor && ticker.low24hMinor <= ticker.lastMinor).toBe(true);
    expect(ticker.volume24hMinor > 0n && ticker.quoteVolume24hMinor > 0n).toBe(true);
  });

  it("serves 1d history from genesis quickly (bounded work per candle)", async () => {
    const started = performance.now();
    const series = await market().candles("BTC-GBP", "1d", { limit: 1000 });
    expect(series.candles[0]?.openTimeMs).toBe(SIM_GENESIS_MS);
    expectConsistent(series.candles);
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});

describe("simulated market: book and trades", () => {
  it.each(MARKET_SYMBOLS)(
    "%s book is sorted, uncrossed and around the last price",
    async (symbol: MarketSymbol) => {
      const sim = market();
      const book = await sim.book(symbol, 100);
      expect(book.bids.length).toBe(100);
      expect(book.asks.length).toBe(100);
      for (let index = 1; index < 100; index++) {
        expect((book.bids[index]?.priceMinor ?? 0n) < (book.bids[index - 1]?.priceMinor ?? 0n)).toBe(true);
        expect((book.asks[index]?.priceMinor ?? 0n) > (book.asks[index - 1]?.priceMinor ?? 0n)).toBe(true);
      }
      const bestBid = book.bids[0]?.priceMinor ?? 0n;
      const bestAsk = book.asks[0]?.priceMinor ?? 0n;
      expect(bestAsk - bestBid > 0n).toBe(true);
      const last = sim.priceAt(symbol, NOW);
      expect(bestBid <= last && last <= bestAsk).toBe(true);
    },
  );

  it("the spread widens and depth thins when the market is more volatile", async () => {
    // Same moment of the day, quiet night hour versus the busy US open, averaged over days.
    let quietSpread = 0;
    let busySpread = 0;
    let quietDepth = 0n;
    let busyDepth = 0n;
    for (let day = 0; day < 20; day++) {
      const base = Date.UTC(2026, 9, 1 + day);
      const quiet = await market("coinhubx", base + 3 * 3_600_000).book("BTC-USDT", 10);
      const busy = await market("coinhubx", base + 15 * 3_600_000).book("BTC-USDT", 10);
      const spread = (book: typeof quiet) =>
        Number((book.asks[0]?.priceMinor ?? 0n) - (book.bids[0]?.priceMinor ?? 0n)) /
        Number(book.bids[0]?.priceMinor ?? 1n);
      quietSpread += spread(quiet);
      busySpread += spread(busy);
      quietDepth += quiet.bids.reduce((sum, level) => sum + level.quantityMinor, 0n);
      busyDepth += busy.bids.reduce((sum, level) => sum + level.quantityMinor, 0n);
    }
    expect(busySpread).toBeGreaterThan(quietSpread);
    expect(busyDepth < quietDepth).toBe(true);
  });

  it("recent trades are newest first with unique ids and on-grid values", async () => {
    const { trades } = await market().trades("ETH-BTC", 100);
    expect(trades.length).toBe(100);
    expect(new Set(trades.map((trade) => trade.id)).size).toBe(100);
    for (let index = 1; index < trades.length; index++) {
      expect((trades[index]?.timeMs ?? 0) <= (trades[index - 1]?.timeMs ?? 0)).toBe(true);
    }
    for (const trade of trades) {
      expect(trade.priceMinor % MARKETS["ETH-BTC"].filters.tickSizeMinor).toBe(0n);
      expect(trade.quantityMinor >= MARKETS["ETH-BTC"].filters.minQuantityMinor).toBe(true);
    }
  });
});
