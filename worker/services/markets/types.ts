import type { MarketSymbol } from "./symbols.ts";

/**
 * What every market data source answers, in exact units: prices are bigint quote minor units
 * per whole base unit, quantities bigint base minor units (see symbols.ts). Times are Unix
 * milliseconds. Formatting to decimal strings happens once, in view.ts.
 */

const MARKET_SOURCE_NAMES = ["sim", "coingecko", "binance"] as const;
export type MarketSourceName = (typeof MARKET_SOURCE_NAMES)[number];

export const CANDLE_INTERVALS = ["1m", "5m", "1h", "1d"] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];
export const CANDLE_INTERVAL_SECONDS: Readonly<Record<CandleInterval, number>> = {
  "1m": 60,
  "5m": 300,
  "1h": 3_600,
  "1d": 86_400,
};

/** Where the numbers came from and whether they are the latest we could get. */
interface Provenance {
  /** The source that produced the numbers (a composed source names the one that answered). */
  source: MarketSourceName;
  /** When the numbers were true (for a cached upstream answer: when it was fetched). */
  asOfMs: number;
  /** True when the upstream failed and this is the last good answer, possibly minutes old. */
  stale: boolean;
  /**
   * True when the numbers are the simulated market's shape scaled to a real price (a source
   * without its own book or candles); absent otherwise.
   */
  synthetic?: true;
}

export interface Ticker extends Provenance {
  symbol: MarketSymbol;
  lastMinor: bigint;
  bidMinor: bigint;
  askMinor: bigint;
  /** The price 24 hours before `asOfMs`: the base of the 24 h change. */
  open24hMinor: bigint;
  high24hMinor: bigint;
  low24hMinor: bigint;
  /** Traded in the last 24 h, in base minor units. */
  volume24hMinor: bigint;
  /** Traded in the last 24 h, in quote minor units. */
  quoteVolume24hMinor: bigint;
}

export interface Candle {
  /** Start of the interval, Unix ms (UTC aligned). */
  openTimeMs: number;
  openMinor: bigint;
  highMinor: bigint;
  lowMinor: bigint;
  closeMinor: bigint;
  /** Base minor units traded in the interval. */
  volumeMinor: bigint;
}

export interface CandleSeries extends Provenance {
  symbol: MarketSymbol;
  interval: CandleInterval;
  /** Oldest first; the last one may still be forming. */
  candles: Candle[];
}

export interface BookLevel {
  priceMinor: bigint;
  quantityMinor: bigint;
}

export interface OrderBook extends Provenance {
  symbol: MarketSymbol;
  /** Best (highest) first, strictly descending. */
  bids: BookLevel[];
  /** Best (lowest) first, strictly ascending; asks[0] > bids[0]. */
  asks: BookLevel[];
}

export interface MarketTrade {
  id: string;
  priceMinor: bigint;
  quantityMinor: bigint;
  timeMs: number;
  /** The side that took liquidity: "buy" lifted an ask, "sell" hit a bid. */
  takerSide: "buy" | "sell";
}

export interface TradeList extends Provenance {
  symbol: MarketSymbol;
  /** Newest first. */
  trades: MarketTrade[];
}

export interface CandleQuery {
  /** At most MAX_CANDLES. */
  limit: number;
  /** Last candle is the one containing this time; default now. */
  endTimeMs?: number;
}

export const MAX_CANDLES = 1_000;
export const MAX_BOOK_DEPTH = 100;
export const MAX_TRADES = 100;

/**
 * The one interface to market data. The order engine (later) uses it as: `ticker()` for the
 * reference price of filters and limit-order crossing, `book()` to walk a market order through
 * the depth, `candles()` for what happened between two checks. Every method either answers
 * (fresh, or stale and marked so) or throws `ApiError` 503 `market_data_unavailable`.
 */
export interface MarketDataSource {
  readonly name: MarketSourceName;
  /** Every listed symbol this source can price right now, in registry order. */
  tickers(): Promise<Ticker[]>;
  ticker(symbol: MarketSymbol): Promise<Ticker>;
  candles(symbol: MarketSymbol, interval: CandleInterval, query: CandleQuery): Promise<CandleSeries>;
  book(symbol: MarketSymbol, depth: number): Promise<OrderBook>;
  trades(symbol: MarketSymbol, limit: number): Promise<TradeList>;
}
