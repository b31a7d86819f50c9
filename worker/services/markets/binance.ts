import { ASSETS } from "../ledger/assets.ts";
import { decimalToMinor, roundToStep } from "./decimal.ts";
import {
  AnswerCache,
  marketDataUnavailable,
  UpstreamClient,
  UpstreamError,
  type UpstreamOptions,
} from "./http.ts";
import { MARKET_SYMBOLS, MARKETS, type MarketSymbol } from "./symbols.ts";
import {
  type BookLevel,
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
} from "./types.ts";

/**
 * Binance Spot public market data (no key needed): /api/v3/ticker/24hr, /klines, /depth,
 * /trades and /exchangeInfo. Symbols Binance does not list (the GBP pairs; see symbols.ts) are
 * answered by the fallback source, so a page never shows a hole.
 *
 * Binance sends decimals as strings with 8 places; prices are taken to the tick (they are on
 * it already), quantities to the base asset's scale, quote volumes to the quote asset's
 * (rounded down: a statistic is never overstated).
 */

const BINANCE_BASE_URL = "https://api.binance.com";

/** Depth limits Binance accepts; we ask for the smallest that covers the request. */
const DEPTH_LIMITS = [5, 10, 20, 50, 100] as const;

const FRESH_MS = { tickers: 2_000, klines: 5_000, depth: 1_000, trades: 1_000, exchangeInfo: 3_600_000 };

interface BinanceOptions extends UpstreamOptions {
  baseUrl?: string;
  /** Answers for symbols Binance does not list. */
  fallback?: MarketDataSource;
}

export class BinanceMarketData implements MarketDataSource {
  readonly name = "binance" as const;
  private readonly client: UpstreamClient;
  readonly cache: AnswerCache;
  private readonly fallback: MarketDataSource | undefined;

  constructor(options: BinanceOptions = {}) {
    this.client = new UpstreamClient("Binance", options.baseUrl ?? BINANCE_BASE_URL, options);
    this.cache = new AnswerCache("Binance", options);
    this.fallback = options.fallback;
  }

  /** Symbols Binance lists with status TRADING, by its own name (BTCUSDT). */
  async listedSymbols(): Promise<Set<string>> {
    const answer = await this.cache.get("exchangeInfo", FRESH_MS.exchangeInfo, async () => {
      const body = await this.client.getJson("/api/v3/exchangeInfo");
      const symbols = field(body, "symbols");
      if (!Array.isArray(symbols)) throw malformed("exchangeInfo.symbols");
      const listed: string[] = [];
      for (const entry of symbols) {
        if (field(entry, "status") === "TRADING") listed.push(text(entry, "symbol"));
      }
      return listed;
    });
    return new Set(answer.value);
  }

  async tickers(): Promise<Ticker[]> {
    const listed = MARKET_SYMBOLS.filter((symbol) => MARKETS[symbol].liveTradable);
    const answer = await this.cache.get("tickers", FRESH_MS.tickers, async () => {
      const body = await this.client.getJson("/api/v3/ticker/24hr", {
        symbols: JSON.stringify(listed.map((symbol) => MARKETS[symbol].binanceSymbol)),
      });
      if (!Array.isArray(body)) throw malformed("ticker/24hr");
      const bySymbol = new Map<string, Omit<Ticker, "stale">>();
      for (const entry of body) {
        const symbol = listed.find(
          (candidate) => MARKETS[candidate].binanceSymbol === field(entry, "symbol"),
        );
        if (symbol) bySymbol.set(symbol, parseTicker(symbol, entry));
      }
      return bySymbol;
    });
    const own = [...answer.value.values()].map((ticker) => ({ ...ticker, stale: answer.stale }));
    const others = this.fallback
      ? await this.fallbackTickers(new Set(own.map((ticker) => ticker.symbol)))
      : [];
    const all = [...own, ...others];
    return MARKET_SYMBOLS.flatMap((symbol) => all.filter((ticker) => ticker.symbol === symbol));
  }

  async ticker(symbol: MarketSymbol): Promise<Ticker> {
    if (!MARKETS[symbol].liveTradable) return this.delegate(symbol).ticker(symbol);
    const found = (await this.tickers()).find(
      (ticker) => ticker.symbol === symbol && ticker.source === this.name,
    );
    if (!found) throw marketDataUnavailable("Binance", `no ticker for ${symbol}`);
    return found;
  }

  async candles(symbol: MarketSymbol, interval: CandleInterval, query: CandleQuery): Promise<CandleSeries> {
    if (!MARKETS[symbol].liveTradable) return this.delegate(symbol).candles(symbol, interval, query);
    const limit = Math.max(1, Math.min(MAX_CANDLES, Math.floor(query.limit)));
    const params = { symbol: MARKETS[symbol].binanceSymbol, interval, limit, endTime: query.endTimeMs };
    const answer = await this.cache.get(`klines:${JSON.stringify(params)}`, FRESH_MS.klines, async () => {
      const body = await this.client.getJson("/api/v3/klines", params);
      if (!Array.isArray(body)) throw malformed("klines");
      return body.map((row) => parseKline(symbol, row));
    });
    return {
      symbol,
      interval,
      candles: answer.value,
      source: this.name,
      asOfMs: answer.fetchedAtMs,
      stale: answer.stale,
    };
  }

  async book(symbol: MarketSymbol, depth: number): Promise<OrderBook> {
    if (!MARKETS[symbol].liveTradable) return this.delegate(symbol).book(symbol, depth);
    const levels = Math.max(1, Math.min(MAX_BOOK_DEPTH, Math.floor(depth)));
    const limit = DEPTH_LIMITS.find((candidate) => candidate >= levels) ?? MAX_BOOK_DEPTH;
    const params = { symbol: MARKETS[symbol].binanceSymbol, limit };
    const answer = await this.cache.get(`depth:${JSON.stringify(params)}`, FRESH_MS.depth, async () => {
      const body = await this.client.getJson("/api/v3/depth", params);
      const bids = field(body, "bids");
      const asks = field(body, "asks");
      if (!Array.isArray(bids) || !Array.isArray(asks)) throw malformed("depth");
      return {
        bids: bids.map((row) => parseLevel(symbol, row)),
        asks: asks.map((row) => parseLevel(symbol, row)),
      };
    });
    return {
      symbol,
      bids: answer.value.bids.slice(0, levels),
      asks: answer.value.asks.slice(0, levels),
      source: this.name,
      asOfMs: answer.fetchedAtMs,
      stale: answer.stale,
    };
  }

  async trades(symbol: MarketSymbol, limit: number): Promise<TradeList> {
    if (!MARKETS[symbol].liveTradable) return this.delegate(symbol).trades(symbol, limit);
    const count = Math.max(1, Math.min(MAX_TRADES, Math.floor(limit)));
    const params = { symbol: MARKETS[symbol].binanceSymbol, limit: count };
    const answer = await this.cache.get(`trades:${JSON.stringify(params)}`, FRESH_MS.trades, async () => {
      const body = await this.client.getJson("/api/v3/trades", params);
      if (!Array.isArray(body)) throw malformed("trades");
      // Binance lists oldest first; ours is newest first.
      return body.map((row) => parseTrade(symbol, row)).reverse();
    });
    return {
      symbol,
      trades: answer.value,
      source: this.name,
      asOfMs: answer.fetchedAtMs,
      stale: answer.stale,
    };
  }

  private delegate(symbol: MarketSymbol): MarketDataSource {
    if (!this.fallback) throw marketDataUnavailable("Binance", `${symbol} is not listed there`);
    return this.fallback;
  }

  private async fallbackTickers(have: Set<MarketSymbol>): Promise<Ticker[]> {
    if (!this.fallback) return [];
    try {
      return (await this.fallback.tickers()).filter((ticker) => !have.has(ticker.symbol));
    } catch {
      // The list still shows what Binance answered; the missing symbols' own routes say why.
      return [];
    }
  }
}

// ---- Parsing: every field checked; a malformed answer counts as a failed request ----------

function malformed(what: string): UpstreamError {
  return new UpstreamError(`Binance: malformed ${what}`, false);
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function text(value: unknown, key: string | number): string {
  const raw = typeof key === "number" ? (Array.isArray(value) ? value[key] : undefined) : field(value, key);
  if (typeof raw !== "string") throw malformed(String(key));
  return raw;
}

function integer(value: unknown, key: string | number): number {
  const raw = typeof key === "number" ? (Array.isArray(value) ? value[key] : undefined) : field(value, key);
  if (typeof raw !== "number" || !Number.isSafeInteger(raw)) throw malformed(String(key));
  return raw;
}

function price(symbol: MarketSymbol, raw: string): bigint {
  const market = MARKETS[symbol];
  try {
    return roundToStep(
      decimalToMinor(raw, ASSETS[market.quote].scale, "half-up"),
      market.filters.tickSizeMinor,
    );
  } catch {
    throw malformed(`price ${raw}`);
  }
}

function quantity(symbol: MarketSymbol, raw: string): bigint {
  try {
    return decimalToMinor(raw, ASSETS[MARKETS[symbol].base].scale, "floor");
  } catch {
    throw malformed(`quantity ${raw}`);
  }
}

function quoteAmount(symbol: MarketSymbol, raw: string): bigint {
  try {
    return decimalToMinor(raw, ASSETS[MARKETS[symbol].quote].scale, "floor");
  } catch {
    throw malformed(`amount ${raw}`);
  }
}

function parseTicker(symbol: MarketSymbol, entry: unknown): Omit<Ticker, "stale"> {
  return {
    symbol,
    lastMinor: price(symbol, text(entry, "lastPrice")),
    bidMinor: price(symbol, text(entry, "bidPrice")),
    askMinor: price(symbol, text(entry, "askPrice")),
    open24hMinor: price(symbol, text(entry, "openPrice")),
    high24hMinor: price(symbol, text(entry, "highPrice")),
    low24hMinor: price(symbol, text(entry, "lowPrice")),
    volume24hMinor: quantity(symbol, text(entry, "volume")),
    quoteVolume24hMinor: quoteAmount(symbol, text(entry, "quoteVolume")),
    source: "binance",
    asOfMs: integer(entry, "closeTime"),
  };
}

/** [openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, ...] */
function parseKline(symbol: MarketSymbol, row: unknown): Candle {
  return {
    openTimeMs: integer(row, 0),
    openMinor: price(symbol, text(row, 1)),
    highMinor: price(symbol, text(row, 2)),
    lowMinor: price(symbol, text(row, 3)),
    closeMinor: price(symbol, text(row, 4)),
    volumeMinor: quantity(symbol, text(row, 5)),
  };
}

function parseLevel(symbol: MarketSymbol, row: unknown): BookLevel {
  return { priceMinor: price(symbol, text(row, 0)), quantityMinor: quantity(symbol, text(row, 1)) };
}

function parseTrade(symbol: MarketSymbol, row: unknown): MarketTrade {
  const buyerIsMaker = field(row, "isBuyerMaker");
  if (typeof buyerIsMaker !== "boolean") throw malformed("isBuyerMaker");
  return {
    id: String(integer(row, "id")),
    priceMinor: price(symbol, text(row, "price")),
    quantityMinor: quantity(symbol, text(row, "qty")),
    timeMs: integer(row, "time"),
    // The buyer was the maker, so the seller took liquidity.
    takerSide: buyerIsMaker ? "sell" : "buy",
  };
}
