import { describe, expect, it } from "vitest";
import { SimulatedMarket } from "../../../worker/services/markets/sim/market.ts";
import type { MarketSymbol } from "../../../worker/services/markets/symbols.ts";
import type { MarketDataSource, OrderBook, Ticker } from "../../../worker/services/markets/types.ts";
import { PaperVenue } from "../../../worker/services/trading/paper-venue.ts";
import { VenueUnavailableError } from "../../../worker/services/trading/venue.ts";

/** A source whose answers are the simulated market's, marked stale (the upstream is down). */
function staleSource(sim: SimulatedMarket): MarketDataSource {
  return {
    name: "coingecko",
    tickers: async () => (await sim.tickers()).map((ticker) => ({ ...ticker, stale: true })),
    ticker: async (symbol: MarketSymbol): Promise<Ticker> => ({ ...(await sim.ticker(symbol)), stale: true }),
    candles: (symbol, interval, query) => sim.candles(symbol, interval, query),
    book: async (symbol: MarketSymbol, depth: number): Promise<OrderBook> => ({
      ...(await sim.book(symbol, depth)),
      stale: true,
    }),
    trades: (symbol, limit) => sim.trades(symbol, limit),
  };
}

const NOW = Date.UTC(2026, 5, 1, 12);

describe("the paper engine", () => {
  it("never fills on stale data: a market order is refused, a resting order is not checked", async () => {
    const sim = new SimulatedMarket({ clock: () => NOW });
    const venue = new PaperVenue(staleSource(sim));
    await expect(
      venue.submit({ id: "o1", symbol: "BTC-GBP", side: "buy", type: "market", quoteAmountMinor: 10_000n }),
    ).rejects.toBeInstanceOf(VenueUnavailableError);
    const price = sim.priceAt("BTC-GBP", NOW);
    const check = await venue.check(
      {
        id: "o2",
        symbol: "BTC-GBP",
        side: "buy",
        priceMinor: price * 2n,
        remainingMinor: 1_000n,
        checkedUntilMs: NOW,
      },
      NOW + 60_000,
    );
    expect(check).toEqual({ slices: [], checkedUntilMs: NOW });
  });

  it("fills a resting buy in full when the market trades below it, as maker at the limit", async () => {
    const sim = new SimulatedMarket({ clock: () => NOW });
    const venue = new PaperVenue(sim);
    const { lowMinor, highMinor } = sim.rangeBetween("BTC-GBP", NOW + 1_000, NOW + 3_600_000);
    const order = {
      id: "o3",
      symbol: "BTC-GBP" as const,
      side: "buy" as const,
      remainingMinor: 5_000n,
      checkedUntilMs: NOW,
    };
    const crossed = await venue.check({ ...order, priceMinor: lowMinor + 1n }, NOW + 3_600_000);
    expect(crossed.slices).toEqual([
      { priceMinor: lowMinor + 1n, quantityMinor: 5_000n, liquidity: "maker" },
    ]);
    expect(crossed.checkedUntilMs).toBe(NOW + 3_600_000);
    const untouched = await venue.check({ ...order, priceMinor: lowMinor - 1n }, NOW + 3_600_000);
    expect(untouched.slices).toEqual([]);
    const sell = await venue.check({ ...order, side: "sell", priceMinor: highMinor + 1n }, NOW + 3_600_000);
    expect(sell.slices).toEqual([]);
    // The same window is never counted twice.
    const again = await venue.check(
      { ...order, priceMinor: lowMinor + 1n, checkedUntilMs: NOW + 3_600_000 },
      NOW + 3_600_000,
    );
    expect(again.slices).toEqual([]);
  });

  it("walks the book for a market buy: slippage across levels, every slice at a book price", async () => {
    const sim = new SimulatedMarket({ clock: () => NOW });
    const venue = new PaperVenue(sim);
    const book = await sim.book("BTC-GBP", 100);
    const execution = await venue.submit({
      id: "o4",
      symbol: "BTC-GBP",
      side: "buy",
      type: "market",
      quantityMinor: 200_000_000n,
    });
    expect(execution.slices.length).toBeGreaterThan(1);
    expect(execution.slices.map((slice) => slice.priceMinor)).toEqual(
      book.asks.slice(0, execution.slices.length).map((level) => level.priceMinor),
    );
    expect(execution.rests).toBe(false);
  });
});
