import { ASSETS } from "../../ledger/assets.ts";
import { floorToStep, maxBigint } from "../decimal.ts";
import { MARKET_SYMBOLS, MARKETS, type MarketSymbol, notionalMinor } from "../symbols.ts";
import {
  type BookLevel,
  CANDLE_INTERVAL_SECONDS,
  type Candle,
  type CandleInterval,
  type CandleQuery,
  type CandleSeries,
  MAX_BOOK_DEPTH,
  MAX_CANDLES,
  MAX_TRADES,
  type MarketDataSource,
  type MarketTrade,
  type OrderBook,
  type Ticker,
  type TradeList,
} from "../types.ts";
import { HOUR_WEIGHTS, SECONDS_PER_DAY, SECONDS_PER_HOUR, StreamPaths, type StreamSpec } from "./paths.ts";
import { Lru, normal, seedFromText, uniform } from "./random.ts";

/**
 * The simulated market: a deterministic, seeded function from (symbol, second) to everything a
 * trading screen shows. Same seed, same market, on every isolate and in every test. History
 * starts at a fixed genesis; any second after it is computable directly (see paths.ts).
 *
 * Assets move together: a shared market factor plus each asset's own walk, and the pound
 * against USDT as a slow walk of its own. Every symbol is a fixed combination of those log
 * levels, so cross rates hold by construction: ETH-BTC = ETH-GBP / BTC-GBP on every hour
 * boundary (to the tick), and closely within the hour, where each symbol's path is fitted to
 * its own drawn high and low.
 *
 * Highs and lows are drawn top-down: each hour's from the exact distribution of a Brownian
 * bridge's maximum (minimum) between its endpoints, the day's is the highest of its hours';
 * inside an hour the minute path is fitted to reach the hour's high (its excursions scaled,
 * shape kept), and inside a minute the seconds are fitted to its high and low the same way. So
 * a candle of any interval is exactly the aggregate of the finer ones and of its seconds, and a
 * daily candle costs 24 points instead of 86,400 seconds. Volume is split top-down likewise
 * (day -> hours -> minutes, in lot steps), so it adds up exactly at every level.
 *
 * Floats live only inside the random-walk maths. Every price leaves this module as a bigint on
 * the symbol's tick grid (Math.round of the same float is the same on every V8), every
 * quantity as a bigint on its lot step.
 */

export const SIM_GENESIS_MS = Date.UTC(2025, 0, 1);
const DEFAULT_SIM_SEED = "coinhubx";

const STREAM_MARKET = 0;
const STREAM_BTC = 1;
const STREAM_ETH = 2;
const STREAM_SOL = 3;
const STREAM_GBP_PER_USDT = 4;

const STREAMS: readonly StreamSpec[] = [
  { dailySigma: 0.026, stationarySd: 0.3 }, // crypto market factor
  { dailySigma: 0.008, stationarySd: 0.12 }, // BTC's own
  { dailySigma: 0.017, stationarySd: 0.2 }, // ETH's own
  { dailySigma: 0.03, stationarySd: 0.3 }, // SOL's own
  { dailySigma: 0.004, stationarySd: 0.04 }, // GBP per USDT
];

/** Genesis prices in GBP, and of one USDT in GBP. */
const ANCHOR_GBP = { BTC: 70_000, ETH: 2_700, SOL: 140 } as const;
const USDT_IN_GBP = 0.79;

interface SimSymbolSpec {
  /** ln(price at genesis) in quote units. */
  constant: number;
  /** (stream, coefficient): the symbol's log price is constant + sum of coefficient x level. */
  loadings: readonly (readonly [number, number])[];
  /** Typical base units traded per day. */
  dailyVolumeBase: number;
  /** Half the bid-ask spread in calm markets, in basis points of mid. */
  halfSpreadBps: number;
  /** Typical gap between book levels, in basis points of mid. */
  levelGapBps: number;
  /** Typical resting size at the top levels, in base units. */
  levelQuantityBase: number;
  /** Typical size of one trade, in base units. */
  tradeQuantityBase: number;
}

const BETA = { BTC: 1, ETH: 1.15, SOL: 1.45 } as const;

function gbpPair(asset: "BTC" | "ETH" | "SOL", own: number) {
  return {
    constant: Math.log(ANCHOR_GBP[asset]),
    loadings: [
      [STREAM_MARKET, BETA[asset]],
      [own, 1],
    ] as const,
  };
}
function usdtPair(asset: "BTC" | "ETH" | "SOL", own: number) {
  return {
    constant: Math.log(ANCHOR_GBP[asset] / USDT_IN_GBP),
    loadings: [
      [STREAM_MARKET, BETA[asset]],
      [own, 1],
      [STREAM_GBP_PER_USDT, -1],
    ] as const,
  };
}

const SIM_SYMBOLS: Readonly<Record<MarketSymbol, SimSymbolSpec>> = {
  "BTC-GBP": {
    ...gbpPair("BTC", STREAM_BTC),
    dailyVolumeBase: 350,
    halfSpreadBps: 2.5,
    levelGapBps: 0.6,
    levelQuantityBase: 0.12,
    tradeQuantityBase: 0.01,
  },
  "ETH-GBP": {
    ...gbpPair("ETH", STREAM_ETH),
    dailyVolumeBase: 4_000,
    halfSpreadBps: 3,
    levelGapBps: 0.8,
    levelQuantityBase: 2,
    tradeQuantityBase: 0.2,
  },
  "SOL-GBP": {
    ...gbpPair("SOL", STREAM_SOL),
    dailyVolumeBase: 40_000,
    halfSpreadBps: 4,
    levelGapBps: 1,
    levelQuantityBase: 30,
    tradeQuantityBase: 3,
  },
  "BTC-USDT": {
    ...usdtPair("BTC", STREAM_BTC),
    dailyVolumeBase: 18_000,
    halfSpreadBps: 0.4,
    levelGapBps: 0.3,
    levelQuantityBase: 1.5,
    tradeQuantityBase: 0.08,
  },
  "ETH-USDT": {
    ...usdtPair("ETH", STREAM_ETH),
    dailyVolumeBase: 280_000,
    halfSpreadBps: 0.6,
    levelGapBps: 0.4,
    levelQuantityBase: 20,
    tradeQuantityBase: 1.2,
  },
  "SOL-USDT": {
    ...usdtPair("SOL", STREAM_SOL),
    dailyVolumeBase: 1_800_000,
    halfSpreadBps: 1,
    levelGapBps: 0.6,
    levelQuantityBase: 300,
    tradeQuantityBase: 15,
  },
  "ETH-BTC": {
    constant: Math.log(ANCHOR_GBP.ETH / ANCHOR_GBP.BTC),
    loadings: [
      [STREAM_MARKET, BETA.ETH - BETA.BTC],
      [STREAM_ETH, 1],
      [STREAM_BTC, -1],
    ],
    dailyVolumeBase: 30_000,
    halfSpreadBps: 1.5,
    levelGapBps: 0.8,
    levelQuantityBase: 6,
    tradeQuantityBase: 0.4,
  },
};

/** Wicks beyond a minute's endpoints and the last step to an hour's high, in minute sigmas. */
const WICK_SCALE = 0.5;
/** Largest stretch of a bridge's excursion towards its drawn extreme; beyond it a wick covers. */
const MAX_STRETCH = 4;
/** How far back recent trades are synthesised; bounds the loop. */
const TRADE_LOOKBACK_SECONDS = 900;

// Draw coordinates, disjoint from the streams' (which use stream ids below 1,000).
const SYMBOL_COORDINATE_BASE = 2_000;
const DRAW_HOUR_HIGH = 10;
const DRAW_HOUR_LOW = 11;
const DRAW_MINUTE_HIGH = 12;
const DRAW_MINUTE_LOW = 13;
const DRAW_EXCESS_HIGH = 14;
const DRAW_EXCESS_LOW = 15;
const DRAW_DAY_VOLUME = 16;
const DRAW_HOUR_VOLUME = 17;
const DRAW_MINUTE_VOLUME = 18;
const DRAW_BOOK = 19;
const DRAW_TRADES = 20;

/** A day of one symbol: hour endpoints, each hour's drawn extremes, and volume by hour. */
interface DayDetail {
  /** Log price at the 25 hour boundaries. */
  points: Float64Array;
  high: Float64Array;
  low: Float64Array;
  /** Base volume of each hour, in lot steps (integers well below 2^53). */
  volumeSteps: Float64Array;
}

/** An hour of one symbol: minute endpoints, each minute's extremes, volume by minute. */
interface HourDetail {
  points: Float64Array;
  high: Float64Array;
  low: Float64Array;
  volumeSteps: Float64Array;
}

/** OHLC in log space plus exact volumes: the unit every candle and statistic is built from. */
interface Summary {
  open: number;
  close: number;
  high: number;
  low: number;
  volumeMinor: bigint;
  quoteVolumeMinor: bigint;
}

interface SimulatedMarketOptions {
  seed?: string | number;
  /** Unix ms; the market's "now". */
  clock?: () => number;
}

export class SimulatedMarket implements MarketDataSource {
  readonly name = "sim" as const;
  readonly seed: number;
  private readonly clock: () => number;
  private readonly paths: StreamPaths;
  // Memos of immutable history (the market at a past second never changes), bounded in size.
  private readonly dayDetails = new Lru<number, DayDetail>(8_192);
  private readonly hourDetails = new Lru<number, HourDetail>(4_096);
  private readonly minuteSeconds = new Lru<number, Float64Array>(1_024);

  constructor(options: SimulatedMarketOptions = {}) {
    const seed = options.seed ?? DEFAULT_SIM_SEED;
    this.seed = typeof seed === "number" ? seed >>> 0 : seedFromText(seed);
    this.clock = options.clock ?? Date.now;
    this.paths = new StreamPaths(this.seed, STREAMS);
  }

  // ---- MarketDataSource ------------------------------------------------------------------

  async tickers(): Promise<Ticker[]> {
    const now = this.nowSecond();
    return MARKET_SYMBOLS.map((symbol) => this.tickerAt(symbol, now));
  }

  async ticker(symbol: MarketSymbol): Promise<Ticker> {
    return this.tickerAt(symbol, this.nowSecond());
  }

  async candles(symbol: MarketSymbol, interval: CandleInterval, query: CandleQuery): Promise<CandleSeries> {
    const now = this.nowSecond();
    const end = Math.min(now, query.endTimeMs === undefined ? now : toSecond(query.endTimeMs));
    return {
      symbol,
      interval,
      candles: this.candlesUntil(symbol, interval, end, query.limit),
      source: this.name,
      asOfMs: toMs(end),
      stale: false,
    };
  }

  async book(symbol: MarketSymbol, depth: number): Promise<OrderBook> {
    const now = this.nowSecond();
    return { ...this.bookAt(symbol, now, depth), symbol, source: this.name, asOfMs: toMs(now), stale: false };
  }

  async trades(symbol: MarketSymbol, limit: number): Promise<TradeList> {
    const now = this.nowSecond();
    return {
      symbol,
      trades: this.tradesAt(symbol, now, limit),
      source: this.name,
      asOfMs: toMs(now),
      stale: false,
    };
  }

  // ---- Pure functions of time (also what tests and the order engine can call) ------------

  /** Last traded price at Unix time `timeMs` (to the second), on the tick grid. */
  priceAt(symbol: MarketSymbol, timeMs: number): bigint {
    return this.priceMinor(symbol, this.pointAt(symbol, toSecond(timeMs)));
  }

  /** Lowest and highest trade between two times, inclusive: did the market cross a price? */
  rangeBetween(symbol: MarketSymbol, fromMs: number, toMs: number): { lowMinor: bigint; highMinor: bigint } {
    const from = toSecond(fromMs);
    const to = Math.max(from, toSecond(toMs));
    const summary = this.summarize(symbol, from, to);
    return {
      lowMinor: this.priceMinor(symbol, summary.low),
      highMinor: this.priceMinor(symbol, summary.high),
    };
  }

  tickerAt(symbol: MarketSymbol, second: number): Ticker {
    const window = this.summarize(symbol, Math.max(0, second - SECONDS_PER_DAY), second);
    const top = this.bookAt(symbol, second, 1);
    const last = this.priceMinor(symbol, window.close);
    return {
      symbol,
      lastMinor: last,
      bidMinor: top.bids[0]?.priceMinor ?? last,
      askMinor: top.asks[0]?.priceMinor ?? last,
      open24hMinor: this.priceMinor(symbol, window.open),
      high24hMinor: this.priceMinor(symbol, window.high),
      low24hMinor: this.priceMinor(symbol, window.low),
      volume24hMinor: window.volumeMinor,
      quoteVolume24hMinor: window.quoteVolumeMinor,
      source: this.name,
      asOfMs: toMs(second),
      stale: false,
    };
  }

  candlesUntil(symbol: MarketSymbol, interval: CandleInterval, endSecond: number, limit: number): Candle[] {
    const size = CANDLE_INTERVAL_SECONDS[interval];
    const count = Math.max(1, Math.min(MAX_CANDLES, Math.floor(limit)));
    const end = Math.max(0, endSecond);
    const lastOpen = Math.floor(end / size) * size;
    const firstOpen = Math.max(0, lastOpen - (count - 1) * size);
    const candles: Candle[] = [];
    for (let open = firstOpen; open <= lastOpen; open += size) {
      const summary = this.summarize(symbol, open, Math.min(open + size, end));
      candles.push({
        openTimeMs: toMs(open),
        openMinor: this.priceMinor(symbol, summary.open),
        highMinor: this.priceMinor(symbol, summary.high),
        lowMinor: this.priceMinor(symbol, summary.low),
        closeMinor: this.priceMinor(symbol, summary.close),
        volumeMinor: summary.volumeMinor,
      });
    }
    return candles;
  }

  /**
   * The book at a second: a spread around the last price that widens, and depth that thins,
   * when the market is volatile (regime and time of day). Fresh every second, like a real one.
   */
  bookAt(symbol: MarketSymbol, second: number, depth: number): { bids: BookLevel[]; asks: BookLevel[] } {
    const levels = Math.max(1, Math.min(MAX_BOOK_DEPTH, Math.floor(depth)));
    const market = MARKETS[symbol];
    const spec = SIM_SYMBOLS[symbol];
    const { tickSizeMinor, stepSizeMinor, minQuantityMinor, minPriceMinor, maxPriceMinor } = market.filters;
    const tick = Number(tickSizeMinor);
    const coordinate = this.coordinate(symbol);
    const volatility = this.volatilityFactor(second);
    const mid = Math.exp(this.pointAt(symbol, second)) * 10 ** ASSETS[market.quote].scale;
    const halfSpread =
      ((mid * spec.halfSpreadBps) / 10_000) *
      (0.6 + 0.4 * volatility) *
      (1 + 0.25 * Math.abs(normal(this.seed, coordinate, DRAW_BOOK, second, 0)));
    let bidTicks = Math.max(1, Math.floor((mid - halfSpread) / tick));
    let askTicks = Math.ceil((mid + halfSpread) / tick);
    if (askTicks <= bidTicks) askTicks = bidTicks + 1;
    const baseUnit = 10 ** ASSETS[market.base].scale;
    const quantityAt = (side: number, level: number): bigint => {
      const size =
        (spec.levelQuantityBase *
          (1 + 0.25 * level) *
          Math.exp(0.5 * normal(this.seed, coordinate, DRAW_BOOK, second, side * 1_000 + level) - 0.125)) /
        volatility;
      const minor = floorToStep(BigInt(Math.floor(size * baseUnit)), stepSizeMinor);
      return maxBigint(minor, minQuantityMinor);
    };
    const gapTicks = (side: number, level: number): number => {
      const gap =
        (mid *
          spec.levelGapBps *
          volatility *
          (0.4 + 1.2 * uniform(this.seed, coordinate, DRAW_BOOK, second, side * 1_000 + 500 + level))) /
        10_000;
      return Math.max(1, Math.round(gap / tick));
    };
    const bids: BookLevel[] = [];
    const asks: BookLevel[] = [];
    for (let level = 0; level < levels; level++) {
      const bidPrice = BigInt(bidTicks) * tickSizeMinor;
      if (bidPrice >= minPriceMinor) bids.push({ priceMinor: bidPrice, quantityMinor: quantityAt(1, level) });
      const askPrice = BigInt(askTicks) * tickSizeMinor;
      if (askPrice <= maxPriceMinor) asks.push({ priceMinor: askPrice, quantityMinor: quantityAt(2, level) });
      bidTicks -= gapTicks(1, level);
      askTicks += gapTicks(2, level);
      if (bidTicks < 1) break;
    }
    return { bids, asks };
  }

  /** Trades of the last quarter hour before `second`, newest first: prints at the last price. */
  tradesAt(symbol: MarketSymbol, second: number, limit: number): MarketTrade[] {
    const count = Math.max(1, Math.min(MAX_TRADES, Math.floor(limit)));
    const market = MARKETS[symbol];
    const spec = SIM_SYMBOLS[symbol];
    const coordinate = this.coordinate(symbol);
    const baseUnit = 10 ** ASSETS[market.base].scale;
    const trades: MarketTrade[] = [];
    const oldest = Math.max(1, second - TRADE_LOOKBACK_SECONDS);
    for (let at = second; at >= oldest && trades.length < count; at--) {
      const activity = uniform(this.seed, coordinate, DRAW_TRADES, at, 0) * this.volatilityFactor(at);
      const prints = activity < 0.35 ? 0 : activity < 0.8 ? 1 : activity < 1.05 ? 2 : 3;
      if (prints === 0) continue;
      const here = this.pointAt(symbol, at);
      const before = this.pointAt(symbol, at - 1);
      const price = this.priceMinor(symbol, here);
      for (let index = prints - 1; index >= 0 && trades.length < count; index--) {
        const direction =
          here > before
            ? "buy"
            : here < before
              ? "sell"
              : uniform(this.seed, coordinate, DRAW_TRADES, at, 10 + index) < 0.5
                ? "buy"
                : "sell";
        const size =
          spec.tradeQuantityBase *
          Math.exp(0.9 * normal(this.seed, coordinate, DRAW_TRADES, at, 20 + index) - 0.4);
        const quantity = floorToStep(BigInt(Math.floor(size * baseUnit)), market.filters.stepSizeMinor);
        trades.push({
          id: String((Math.floor(SIM_GENESIS_MS / 1000) + at) * 4 + index),
          priceMinor: price,
          quantityMinor: maxBigint(quantity, market.filters.minQuantityMinor),
          timeMs: toMs(at) + Math.floor(((index + 1) * 1000) / (prints + 1)),
          takerSide: direction,
        });
      }
    }
    return trades;
  }

  // ---- Internals ------------------------------------------------------------------------

  private nowSecond(): number {
    return Math.max(0, toSecond(this.clock()));
  }

  private priceMinor(symbol: MarketSymbol, logPrice: number): bigint {
    const market = MARKETS[symbol];
    const tick = market.filters.tickSizeMinor;
    const ticks = Math.round((Math.exp(logPrice) * 10 ** ASSETS[market.quote].scale) / Number(tick));
    return BigInt(Math.max(1, ticks)) * tick;
  }

  private coordinate(symbol: MarketSymbol): number {
    return SYMBOL_COORDINATE_BASE + MARKET_SYMBOLS.indexOf(symbol);
  }

  /** Combine stream levels into the symbol's log price; one order of operations everywhere. */
  private combine(symbol: MarketSymbol, level: (stream: number) => number): number {
    const spec = SIM_SYMBOLS[symbol];
    let value = spec.constant;
    for (const [stream, coefficient] of spec.loadings) value += coefficient * level(stream);
    return value;
  }

  /** Variance of the symbol's log price over one minute of global hour `hour`. */
  private minuteVariance(symbol: MarketSymbol, hour: number): number {
    let variance = 0;
    for (const [stream, coefficient] of SIM_SYMBOLS[symbol].loadings) {
      variance += coefficient * coefficient * this.paths.minuteVariance(stream, hour);
    }
    return variance;
  }

  /** Relative activity now: regime x time of day, about 1 on an ordinary afternoon. */
  private volatilityFactor(second: number): number {
    const hour = Math.floor(second / SECONDS_PER_HOUR);
    return this.paths.dayFactor(Math.floor(hour / 24)) * Math.sqrt(HOUR_WEIGHTS[hour % 24] ?? 1);
  }

  /**
   * Hour endpoints, and each hour's high and low drawn from the exact distribution of a
   * Brownian bridge's maximum (minimum) between its endpoints: P(M > m) =
   * exp(-2 (m - a)(m - b) / variance). The day's high is the highest of them, so a daily candle
   * costs 24 points instead of 86,400 seconds.
   */
  private dayDetail(symbol: MarketSymbol, day: number): DayDetail {
    const key = day * 8 + MARKET_SYMBOLS.indexOf(symbol);
    const memo = this.dayDetails.get(key);
    if (memo) return memo;
    const market = MARKETS[symbol];
    const spec = SIM_SYMBOLS[symbol];
    const coordinate = this.coordinate(symbol);
    const streamPoints = new Map<number, Float64Array>();
    for (const [stream] of spec.loadings) streamPoints.set(stream, this.paths.hourPoints(stream, day));
    const points = new Float64Array(25);
    for (let index = 0; index <= 24; index++) {
      points[index] = this.combine(symbol, (stream) => streamPoints.get(stream)?.[index] ?? 0);
    }
    const high = new Float64Array(24);
    const low = new Float64Array(24);
    const shares = new Float64Array(24);
    for (let hour = 0; hour < 24; hour++) {
      const absolute = day * 24 + hour;
      const open = points[hour] ?? 0;
      const close = points[hour + 1] ?? 0;
      const variance = this.minuteVariance(symbol, absolute) * 60;
      high[hour] = bridgeExtreme(
        open,
        close,
        variance,
        uniform(this.seed, coordinate, DRAW_HOUR_HIGH, absolute, 0),
        1,
      );
      low[hour] = bridgeExtreme(
        open,
        close,
        variance,
        uniform(this.seed, coordinate, DRAW_HOUR_LOW, absolute, 0),
        -1,
      );
      const move = variance > 0 ? Math.abs(close - open) / Math.sqrt(variance) : 0;
      shares[hour] =
        (HOUR_WEIGHTS[hour] ?? 1) *
        (0.6 + 0.5 * move) *
        Math.exp(0.3 * normal(this.seed, coordinate, DRAW_HOUR_VOLUME, absolute, 0));
    }
    // Busier days trade more; volume is split top-down so every level adds up exactly.
    const dayFactor = this.paths.dayFactor(day);
    const daySteps = Math.round(
      ((spec.dailyVolumeBase * 10 ** ASSETS[market.base].scale) / Number(market.filters.stepSizeMinor)) *
        dayFactor *
        Math.sqrt(dayFactor) *
        Math.exp(0.3 * normal(this.seed, coordinate, DRAW_DAY_VOLUME, day, 0) - 0.045),
    );
    const detail = { points, high, low, volumeSteps: splitInteger(daySteps, shares) };
    this.dayDetails.set(key, detail);
    return detail;
  }

  /**
   * Minute endpoints of an hour, fitted to the hour's drawn extremes: the bridge's excursions
   * above (below) its chord are scaled so the highest minute point sits one small wick below
   * the hour's high; that wick belongs to the minute that holds the hour's high.
   */
  private hourDetail(symbol: MarketSymbol, hour: number): HourDetail {
    const key = hour * 8 + MARKET_SYMBOLS.indexOf(symbol);
    const memo = this.hourDetails.get(key);
    if (memo) return memo;
    const coordinate = this.coordinate(symbol);
    const day = this.dayDetail(symbol, Math.floor(hour / 24));
    const index = hour % 24;
    const hourHigh = day.high[index] ?? 0;
    const hourLow = day.low[index] ?? 0;
    const streamPoints = new Map<number, Float64Array>();
    for (const [stream] of SIM_SYMBOLS[symbol].loadings)
      streamPoints.set(stream, this.paths.minutePoints(stream, hour));
    const points = new Float64Array(61);
    for (let minute = 0; minute <= 60; minute++) {
      points[minute] = this.combine(symbol, (stream) => streamPoints.get(stream)?.[minute] ?? 0);
    }
    points[0] = day.points[index] ?? 0;
    points[60] = day.points[index + 1] ?? 0;
    const sigma = Math.sqrt(this.minuteVariance(symbol, hour));
    const endHigh = Math.max(points[0] ?? 0, points[60] ?? 0);
    const endLow = Math.min(points[0] ?? 0, points[60] ?? 0);
    const excessHigh =
      sigma * WICK_SCALE * Math.abs(normal(this.seed, coordinate, DRAW_EXCESS_HIGH, hour, 0));
    const excessLow = sigma * WICK_SCALE * Math.abs(normal(this.seed, coordinate, DRAW_EXCESS_LOW, hour, 0));
    fitExtremes(points, Math.max(endHigh, hourHigh - excessHigh), Math.min(endLow, hourLow + excessLow));
    const high = new Float64Array(60);
    const low = new Float64Array(60);
    const shares = new Float64Array(60);
    let argHigh = 0;
    let argLow = 0;
    for (let minute = 0; minute < 60; minute++) {
      const open = points[minute] ?? 0;
      const close = points[minute + 1] ?? 0;
      const absolute = hour * 60 + minute;
      high[minute] = Math.min(
        hourHigh,
        Math.max(open, close) +
          sigma * WICK_SCALE * Math.abs(normal(this.seed, coordinate, DRAW_MINUTE_HIGH, absolute, 0)),
      );
      low[minute] = Math.max(
        hourLow,
        Math.min(open, close) -
          sigma * WICK_SCALE * Math.abs(normal(this.seed, coordinate, DRAW_MINUTE_LOW, absolute, 0)),
      );
      if (Math.max(open, close) > Math.max(points[argHigh] ?? 0, points[argHigh + 1] ?? 0)) argHigh = minute;
      if (Math.min(open, close) < Math.min(points[argLow] ?? 0, points[argLow + 1] ?? 0)) argLow = minute;
      const move = sigma > 0 ? Math.abs(close - open) / sigma : 0;
      shares[minute] =
        (0.6 + 0.5 * move) * Math.exp(0.4 * normal(this.seed, coordinate, DRAW_MINUTE_VOLUME, absolute, 0));
    }
    // The hour's extremes are reached inside the minutes that come closest to them.
    high[argHigh] = hourHigh;
    low[argLow] = hourLow;
    const detail = { points, high, low, volumeSteps: splitInteger(day.volumeSteps[index] ?? 0, shares) };
    this.hourDetails.set(key, detail);
    return detail;
  }

  /** 61 log prices at each second of an absolute minute, fitted to touch its high and low. */
  private secondsOfMinute(symbol: MarketSymbol, minute: number): Float64Array {
    const key = minute * 8 + MARKET_SYMBOLS.indexOf(symbol);
    const memo = this.minuteSeconds.get(key);
    if (memo) return memo;
    const hour = Math.floor(minute / 60);
    const index = minute % 60;
    const detail = this.hourDetail(symbol, hour);
    const streamSeconds = new Map<number, Float64Array>();
    for (const [stream] of SIM_SYMBOLS[symbol].loadings)
      streamSeconds.set(stream, this.paths.secondPoints(stream, minute));
    const seconds = new Float64Array(61);
    for (let second = 1; second < 60; second++) {
      seconds[second] = this.combine(symbol, (stream) => streamSeconds.get(stream)?.[second] ?? 0);
    }
    seconds[0] = detail.points[index] ?? 0;
    seconds[60] = detail.points[index + 1] ?? 0;
    fitExtremes(seconds, detail.high[index] ?? 0, detail.low[index] ?? 0);
    this.minuteSeconds.set(key, seconds);
    return seconds;
  }

  private pointAt(symbol: MarketSymbol, second: number): number {
    const at = Math.max(0, second);
    return this.secondsOfMinute(symbol, Math.floor(at / 60))[at % 60] ?? 0;
  }

  private stepsToMinor(symbol: MarketSymbol, steps: number): bigint {
    return BigInt(steps) * MARKETS[symbol].filters.stepSizeMinor;
  }

  /** Quote value of a volume at a log price (quote volume is an estimate at typical prices). */
  private quoteValue(symbol: MarketSymbol, volumeMinor: bigint, logPrice: number): bigint {
    return notionalMinor(MARKETS[symbol], volumeMinor, this.priceMinor(symbol, logPrice), "floor");
  }

  private minuteSummary(symbol: MarketSymbol, minute: number): Summary {
    const detail = this.hourDetail(symbol, Math.floor(minute / 60));
    const index = minute % 60;
    const open = detail.points[index] ?? 0;
    const close = detail.points[index + 1] ?? 0;
    const volumeMinor = this.stepsToMinor(symbol, detail.volumeSteps[index] ?? 0);
    return {
      open,
      close,
      high: detail.high[index] ?? 0,
      low: detail.low[index] ?? 0,
      volumeMinor,
      quoteVolumeMinor: this.quoteValue(symbol, volumeMinor, (open + close) / 2),
    };
  }

  private hourSummary(symbol: MarketSymbol, hour: number): Summary {
    const detail = this.dayDetail(symbol, Math.floor(hour / 24));
    const index = hour % 24;
    const open = detail.points[index] ?? 0;
    const close = detail.points[index + 1] ?? 0;
    const volumeMinor = this.stepsToMinor(symbol, detail.volumeSteps[index] ?? 0);
    return {
      open,
      close,
      high: detail.high[index] ?? 0,
      low: detail.low[index] ?? 0,
      volumeMinor,
      quoteVolumeMinor: this.quoteValue(symbol, volumeMinor, (open + close) / 2),
    };
  }

  private daySummary(symbol: MarketSymbol, day: number): Summary {
    let summary: Summary | null = null;
    for (let hour = 0; hour < 24; hour++) summary = merge(summary, this.hourSummary(symbol, day * 24 + hour));
    if (!summary) throw new Error("empty day");
    return summary;
  }

  /**
   * OHLC and volume of the trade path at seconds from..to inclusive, using the largest whole
   * blocks that fit (day, hour, minute) and seconds only at the ragged ends.
   */
  private summarize(symbol: MarketSymbol, from: number, to: number): Summary {
    if (to < from) throw new RangeError("summarize: empty range");
    if (from === to) {
      const point = this.pointAt(symbol, from);
      return { open: point, close: point, high: point, low: point, volumeMinor: 0n, quoteVolumeMinor: 0n };
    }
    let summary: Summary | null = null;
    let cursor = from;
    // Bound: whole days in range plus, at each end, 23 hours, 59 minutes and a partial minute.
    const maxSteps = Math.ceil((to - from) / SECONDS_PER_DAY) + 200;
    for (let step = 0; cursor < to; step++) {
      if (step > maxSteps) throw new Error("summarize: step bound exceeded");
      if (cursor % SECONDS_PER_DAY === 0 && cursor + SECONDS_PER_DAY <= to) {
        summary = merge(summary, this.daySummary(symbol, cursor / SECONDS_PER_DAY));
        cursor += SECONDS_PER_DAY;
      } else if (cursor % SECONDS_PER_HOUR === 0 && cursor + SECONDS_PER_HOUR <= to) {
        summary = merge(summary, this.hourSummary(symbol, cursor / SECONDS_PER_HOUR));
        cursor += SECONDS_PER_HOUR;
      } else if (cursor % 60 === 0 && cursor + 60 <= to) {
        summary = merge(summary, this.minuteSummary(symbol, cursor / 60));
        cursor += 60;
      } else {
        const minute = Math.floor(cursor / 60);
        const end = Math.min(to, (minute + 1) * 60);
        const seconds = this.secondsOfMinute(symbol, minute);
        let high = Number.NEGATIVE_INFINITY;
        let low = Number.POSITIVE_INFINITY;
        for (let at = cursor; at <= end; at++) {
          const value = seconds[at - minute * 60] ?? 0;
          if (value > high) high = value;
          if (value < low) low = value;
        }
        // A partial minute carries its share of the minute's volume (floor: never overstated).
        const whole = this.minuteSummary(symbol, minute);
        const share = BigInt(end - cursor);
        const volumeSteps = ((whole.volumeMinor / MARKETS[symbol].filters.stepSizeMinor) * share) / 60n;
        const volumeMinor = volumeSteps * MARKETS[symbol].filters.stepSizeMinor;
        const open = seconds[cursor - minute * 60] ?? 0;
        const close = seconds[end - minute * 60] ?? 0;
        summary = merge(summary, {
          open,
          close,
          high,
          low,
          volumeMinor,
          quoteVolumeMinor: this.quoteValue(symbol, volumeMinor, (open + close) / 2),
        });
        cursor = end;
      }
    }
    if (!summary) throw new Error("summarize: nothing summarised");
    return summary;
  }
}

/**
 * A draw of the maximum (direction 1) or minimum (-1) of a Brownian bridge from a to b with
 * the given variance, by inverting P(M > m) = exp(-2 (m - a)(m - b) / variance).
 */
function bridgeExtreme(a: number, b: number, variance: number, u: number, direction: 1 | -1): number {
  const spread = Math.sqrt((a - b) * (a - b) - 2 * variance * Math.log(u));
  return (a + b + direction * spread) / 2;
}

/**
 * Scale a bridge's excursions above its chord so its highest point is exactly `high`, and
 * those below so its lowest is exactly `low` (endpoints untouched; shape kept). If the path
 * never leaves the chord on a side, or would need stretching past MAX_STRETCH, the extreme is
 * placed on the interior point nearest to it instead: a one-point wick.
 */
function fitExtremes(points: Float64Array, high: number, low: number): void {
  const steps = points.length - 1;
  const start = points[0] ?? 0;
  const end = points[steps] ?? 0;
  const chord = (k: number) => start + ((end - start) * k) / steps;
  let scaleUp = Number.POSITIVE_INFINITY;
  let scaleDown = Number.POSITIVE_INFINITY;
  let bindUp = -1;
  let bindDown = -1;
  for (let k = 1; k < steps; k++) {
    const deviation = (points[k] ?? 0) - chord(k);
    if (deviation > 0) {
      const scale = (high - chord(k)) / deviation;
      if (scale < scaleUp) {
        scaleUp = scale;
        bindUp = k;
      }
    } else if (deviation < 0) {
      const scale = (low - chord(k)) / deviation;
      if (scale < scaleDown) {
        scaleDown = scale;
        bindDown = k;
      }
    }
  }
  const up = Math.max(0, Math.min(MAX_STRETCH, scaleUp));
  const down = Math.max(0, Math.min(MAX_STRETCH, scaleDown));
  let argHigh = 1;
  let argLow = 1;
  for (let k = 1; k < steps; k++) {
    const base = chord(k);
    const deviation = (points[k] ?? 0) - base;
    const value = deviation > 0 ? base + deviation * up : base + deviation * down;
    points[k] = Math.min(high, Math.max(low, value));
    if ((points[k] ?? 0) > (points[argHigh] ?? 0)) argHigh = k;
    if ((points[k] ?? 0) < (points[argLow] ?? 0)) argLow = k;
  }
  if (steps < 2) return;
  if (high > Math.max(start, end)) points[bindUp > 0 && scaleUp <= MAX_STRETCH ? bindUp : argHigh] = high;
  if (low < Math.min(start, end)) {
    let at = bindDown > 0 && scaleDown <= MAX_STRETCH ? bindDown : argLow;
    if ((points[at] ?? 0) === high && high > Math.max(start, end)) at = at === steps - 1 ? at - 1 : at + 1;
    points[at] = low;
  }
}

/** Split a non-negative integer by weights into integers that add up to it exactly. */
function splitInteger(total: number, weights: Float64Array): Float64Array {
  const parts = new Float64Array(weights.length);
  let weightSum = 0;
  for (const weight of weights) weightSum += weight;
  if (total <= 0 || weightSum <= 0) return parts;
  let assigned = 0;
  let largest = 0;
  for (let index = 0; index < weights.length; index++) {
    const part = Math.floor((total * (weights[index] ?? 0)) / weightSum);
    parts[index] = part;
    assigned += part;
    if ((weights[index] ?? 0) > (weights[largest] ?? 0)) largest = index;
  }
  parts[largest] = (parts[largest] ?? 0) + (total - assigned);
  return parts;
}

function merge(earlier: Summary | null, later: Summary): Summary {
  if (!earlier) return later;
  return {
    open: earlier.open,
    close: later.close,
    high: Math.max(earlier.high, later.high),
    low: Math.min(earlier.low, later.low),
    volumeMinor: earlier.volumeMinor + later.volumeMinor,
    quoteVolumeMinor: earlier.quoteVolumeMinor + later.quoteVolumeMinor,
  };
}

function toSecond(timeMs: number): number {
  return Math.floor((timeMs - SIM_GENESIS_MS) / 1000);
}

function toMs(second: number): number {
  return SIM_GENESIS_MS + second * 1000;
}
