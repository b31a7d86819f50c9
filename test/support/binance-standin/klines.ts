import { ASSETS } from "../../../worker/services/ledger/assets.ts";
import { SIM_GENESIS_MS } from "../../../worker/services/markets/sim/market.ts";
import { MARKETS } from "../../../worker/services/markets/symbols.ts";
import type { Candle, CandleInterval } from "../../../worker/services/markets/types.ts";
import { E8, formatE8, type StandinExchange, type SymbolSpec, simSecond } from "./exchange.ts";

/**
 * GET /api/v3/klines from the simulated market. The market computes 1m, 5m, 1h and 1d candles;
 * every other Binance interval is an aggregate of those (3m = 3 x 1m, 4h = 4 x 1h, 1w = the seven
 * days from Monday, 1M = the calendar month), and 1s is the price of that second. Volumes are
 * the market's; quote volume is volume x close per candle; trade counts are not simulated (0).
 * Nothing before the market's genesis (2025-01-01) exists.
 */

export const KLINE_INTERVALS: readonly string[] = [
  "1s",
  "1m",
  "3m",
  "5m",
  "15m",
  "30m",
  "1h",
  "2h",
  "4h",
  "6h",
  "8h",
  "12h",
  "1d",
  "3d",
  "1w",
  "1M",
];

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 1970-01-01 was a Thursday; Binance's weeks start on Monday, four days later. */
const MONDAY_OFFSET = 4 * DAY;

interface IntervalSpec {
  base: CandleInterval | "1s";
  /** Base candles per bucket (at most; a month has fewer days than 31 sometimes). */
  multiple: number;
  /** Bucket start containing `timeMs`. */
  align(timeMs: number): number;
  /** Start of the bucket after the one starting at `openMs`. */
  next(openMs: number): number;
}

function fixed(base: CandleInterval | "1s", multiple: number, sizeMs: number): IntervalSpec {
  return {
    base,
    multiple,
    align: (timeMs) => Math.floor(timeMs / sizeMs) * sizeMs,
    next: (openMs) => openMs + sizeMs,
  };
}

const SPECS: Record<string, IntervalSpec> = {
  "1s": fixed("1s", 1, SECOND),
  "1m": fixed("1m", 1, MINUTE),
  "3m": fixed("1m", 3, 3 * MINUTE),
  "5m": fixed("5m", 1, 5 * MINUTE),
  "15m": fixed("5m", 3, 15 * MINUTE),
  "30m": fixed("5m", 6, 30 * MINUTE),
  "1h": fixed("1h", 1, HOUR),
  "2h": fixed("1h", 2, 2 * HOUR),
  "4h": fixed("1h", 4, 4 * HOUR),
  "6h": fixed("1h", 6, 6 * HOUR),
  "8h": fixed("1h", 8, 8 * HOUR),
  "12h": fixed("1h", 12, 12 * HOUR),
  "1d": fixed("1d", 1, DAY),
  "3d": fixed("1d", 3, 3 * DAY),
  "1w": {
    base: "1d",
    multiple: 7,
    align: (timeMs) => Math.floor((timeMs - MONDAY_OFFSET) / (7 * DAY)) * 7 * DAY + MONDAY_OFFSET,
    next: (openMs) => openMs + 7 * DAY,
  },
  "1M": {
    base: "1d",
    multiple: 31,
    align: (timeMs) => {
      const date = new Date(timeMs);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    },
    next: (openMs) => {
      const date = new Date(openMs);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
    },
  },
};

interface KlineQuery {
  interval: string;
  startTime: number | undefined;
  endTime: number | undefined;
  limit: number;
  nowMs: number;
}

type KlineRow = [
  number,
  string,
  string,
  string,
  string,
  string,
  number,
  string,
  number,
  string,
  string,
  string,
];

export function klines(exchange: StandinExchange, symbol: SymbolSpec, query: KlineQuery): KlineRow[] {
  const spec = SPECS[query.interval];
  if (!spec) return [];
  const end = Math.min(query.endTime ?? query.nowMs, query.nowMs);
  const opens: number[] = [];
  if (query.startTime !== undefined) {
    let open = spec.align(query.startTime);
    if (open < query.startTime) open = spec.next(open);
    for (; open <= end && opens.length < query.limit; open = spec.next(open)) opens.push(open);
  } else {
    let open = spec.align(end);
    for (let count = 0; count < query.limit; count++) {
      opens.unshift(open);
      open = spec.align(open - 1);
    }
  }
  const rows: KlineRow[] = [];
  for (const open of opens) {
    const close = spec.next(open);
    if (close <= SIM_GENESIS_MS) continue;
    const row = bucket(exchange, symbol, spec, open, Math.min(close - 1, query.nowMs));
    if (row)
      rows.push([
        open,
        ...row.prices,
        row.volume,
        close - 1,
        row.quoteVolume,
        0,
        row.takerBase,
        row.takerQuote,
        "0",
      ]);
  }
  return rows;
}

function bucket(
  exchange: StandinExchange,
  symbol: SymbolSpec,
  spec: IntervalSpec,
  openMs: number,
  lastMs: number,
):
  | {
      prices: [string, string, string, string];
      volume: string;
      quoteVolume: string;
      takerBase: string;
      takerQuote: string;
    }
  | undefined {
  const market = MARKETS[symbol.market];
  const quoteFactor = 10n ** BigInt(8 - ASSETS[market.quote].scale);
  const baseFactor = 10n ** BigInt(8 - ASSETS[market.base].scale);
  let candles: Candle[];
  if (spec.base === "1s") {
    const price = exchange.market.priceAt(symbol.market, openMs);
    candles = [
      {
        openTimeMs: openMs,
        openMinor: price,
        highMinor: price,
        lowMinor: price,
        closeMinor: price,
        volumeMinor: 0n,
      },
    ];
  } else {
    candles = exchange.market
      .candlesUntil(symbol.market, spec.base, simSecond(lastMs), spec.multiple)
      .filter((candle) => candle.openTimeMs >= openMs && candle.openTimeMs <= lastMs);
  }
  const first = candles[0];
  const last = candles[candles.length - 1];
  if (!first || !last) return undefined;
  let high = first.highMinor;
  let low = first.lowMinor;
  let volume = 0n;
  let quoteVolume = 0n;
  for (const candle of candles) {
    if (candle.highMinor > high) high = candle.highMinor;
    if (candle.lowMinor < low) low = candle.lowMinor;
    const candleVolume = candle.volumeMinor * baseFactor;
    volume += candleVolume;
    quoteVolume += (candleVolume * candle.closeMinor * quoteFactor) / E8;
  }
  return {
    prices: [
      formatE8(first.openMinor * quoteFactor),
      formatE8(high * quoteFactor),
      formatE8(low * quoteFactor),
      formatE8(last.closeMinor * quoteFactor),
    ],
    volume: formatE8(volume),
    quoteVolume: formatE8(quoteVolume),
    takerBase: formatE8(volume / 2n),
    takerQuote: formatE8(quoteVolume / 2n),
  };
}
