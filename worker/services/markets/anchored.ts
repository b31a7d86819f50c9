import { divide, maxBigint, roundToStep } from "./decimal.ts";
import type { SimulatedMarket } from "./sim/market.ts";
import { MARKETS, type MarketSymbol } from "./symbols.ts";
import type {
  BookLevel,
  CandleInterval,
  CandleQuery,
  CandleSeries,
  MarketSourceName,
  OrderBook,
  TradeList,
} from "./types.ts";

/**
 * The simulated market's shape, scaled so that its price now equals a real price. Used where
 * a real source has no book, trades or candles of its own (CoinGecko publishes prices, not
 * order books): PAPER fills then walk a book of realistic shape around the real price. Every
 * answer is marked `synthetic`. Scaling is exact rational arithmetic on bigints, rounded to
 * the tick.
 */
export class AnchoredSimulation {
  constructor(
    private readonly sim: SimulatedMarket,
    private readonly clock: () => number,
    private readonly sourceName: MarketSourceName,
  ) {}

  async candles(
    symbol: MarketSymbol,
    interval: CandleInterval,
    query: CandleQuery,
    realLastMinor: bigint,
    asOfMs: number,
    stale: boolean,
  ): Promise<CandleSeries> {
    const scale = this.scaler(symbol, realLastMinor);
    const series = await this.sim.candles(symbol, interval, query);
    return {
      ...series,
      candles: series.candles.map((candle) => ({
        ...candle,
        openMinor: scale(candle.openMinor),
        highMinor: scale(candle.highMinor),
        lowMinor: scale(candle.lowMinor),
        closeMinor: scale(candle.closeMinor),
      })),
      source: this.sourceName,
      asOfMs,
      stale,
      synthetic: true,
    };
  }

  async book(
    symbol: MarketSymbol,
    depth: number,
    realLastMinor: bigint,
    asOfMs: number,
    stale: boolean,
  ): Promise<OrderBook> {
    const scale = this.scaler(symbol, realLastMinor);
    const book = await this.sim.book(symbol, depth);
    const tick = MARKETS[symbol].filters.tickSizeMinor;
    const bids = mergeLevels(book.bids.map((level) => ({ ...level, priceMinor: scale(level.priceMinor) })));
    const asks = mergeLevels(book.asks.map((level) => ({ ...level, priceMinor: scale(level.priceMinor) })));
    // Scaling down can pull the touch together; keep the book uncrossed by at least a tick.
    const bestBid = bids[0]?.priceMinor;
    const firstAsk = asks[0];
    if (bestBid !== undefined && firstAsk && firstAsk.priceMinor <= bestBid) {
      const shift = bestBid + tick - firstAsk.priceMinor;
      for (const level of asks) level.priceMinor += shift;
    }
    return { ...book, bids, asks, source: this.sourceName, asOfMs, stale, synthetic: true };
  }

  async trades(
    symbol: MarketSymbol,
    limit: number,
    realLastMinor: bigint,
    asOfMs: number,
    stale: boolean,
  ): Promise<TradeList> {
    const scale = this.scaler(symbol, realLastMinor);
    const list = await this.sim.trades(symbol, limit);
    return {
      ...list,
      trades: list.trades.map((trade) => ({ ...trade, priceMinor: scale(trade.priceMinor) })),
      source: this.sourceName,
      asOfMs,
      stale,
      synthetic: true,
    };
  }

  private scaler(symbol: MarketSymbol, realLastMinor: bigint): (priceMinor: bigint) => bigint {
    const tick = MARKETS[symbol].filters.tickSizeMinor;
    const simLast = this.sim.priceAt(symbol, this.clock());
    return (priceMinor) => {
      const scaled = roundToStep(divide(priceMinor * realLastMinor, simLast, "half-up"), tick);
      return maxBigint(scaled, tick);
    };
  }
}

/** Equal prices after scaling become one level (quantities added); order is kept. */
function mergeLevels(levels: BookLevel[]): BookLevel[] {
  const merged: BookLevel[] = [];
  for (const level of levels) {
    const last = merged[merged.length - 1];
    if (last && last.priceMinor === level.priceMinor) last.quantityMinor += level.quantityMinor;
    else merged.push({ ...level });
  }
  return merged;
}
