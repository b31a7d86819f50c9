import { ASSETS } from "../ledger/assets.ts";
import { AnchoredSimulation } from "./anchored.ts";
import {
  AnswerCache,
  marketDataUnavailable,
  UpstreamClient,
  UpstreamError,
  type UpstreamOptions,
} from "./http.ts";
import { SimulatedMarket } from "./sim/market.ts";
import { MARKET_SYMBOLS, MARKETS, type MarketSymbol } from "./symbols.ts";
import type {
  CandleInterval,
  CandleQuery,
  CandleSeries,
  MarketDataSource,
  OrderBook,
  Ticker,
  TradeList,
} from "./types.ts";

/**
 * CoinGecko prices for PAPER mode, from `/coins/markets` (one call per quote currency):
 *
 *   X-GBP    vs_currency=gbp: current_price, price_change_24h, high_24h, low_24h, total_volume
 *   X-USDT   vs_currency=usd, divided by tether's USD price (USDT is not a CoinGecko vs_currency)
 *   ETH-BTC  ethereum / bitcoin from the same USD answer
 *
 * `/coins/markets` is used rather than `/simple/price` because it carries the 24 h high, low
 * and absolute change as well, for the same one request per currency; `/simple/price` would
 * need a second call for those and add nothing we use.
 *
 * CoinGecko's volume is the coin's aggregate over all its markets, not one pair's; we report
 * it as the pair's 24 h volume and say so here. For derived pairs (USDT, ETH-BTC) high and
 * low come from the legs and are approximate. CoinGecko sends JSON numbers (floats): they are
 * rounded to the tick here, at the boundary, and never travel further as floats.
 *
 * CoinGecko has no order book, trades or candles at our intervals; those are the simulated
 * market's shape anchored to the CoinGecko price (anchored.ts), marked `synthetic`.
 */

const COINGECKO_BASE_URL = "https://api.coingecko.com/api/v3";

const COIN_IDS = { BTC: "bitcoin", ETH: "ethereum", SOL: "solana", USDT: "tether" } as const;
type CoinAsset = keyof typeof COIN_IDS;
const FRESH_MS = 30_000;

interface CoinGeckoOptions extends UpstreamOptions {
  baseUrl?: string;
  /** Demo API key (header x-cg-demo-api-key); optional on the public API. */
  apiKey?: string;
  /** The simulated market whose shape is anchored to CoinGecko prices. */
  sim?: SimulatedMarket;
}

interface CoinQuote {
  price: number;
  change24h: number | null;
  high24h: number | null;
  low24h: number | null;
  totalVolume: number | null;
  updatedAtMs: number;
}

export class CoinGeckoMarketData implements MarketDataSource {
  readonly name = "coingecko" as const;
  private readonly client: UpstreamClient;
  readonly cache: AnswerCache;
  private readonly clock: () => number;
  private readonly anchored: AnchoredSimulation;

  constructor(options: CoinGeckoOptions = {}) {
    this.client = new UpstreamClient("CoinGecko", options.baseUrl ?? COINGECKO_BASE_URL, {
      ...options,
      headers: options.apiKey ? { "x-cg-demo-api-key": options.apiKey, ...options.headers } : options.headers,
    });
    this.cache = new AnswerCache("CoinGecko", options);
    this.clock = options.now ?? Date.now;
    this.anchored = new AnchoredSimulation(
      options.sim ?? new SimulatedMarket({ clock: this.clock }),
      this.clock,
      this.name,
    );
  }

  async tickers(): Promise<Ticker[]> {
    const [gbp, usd] = await Promise.allSettled([this.quotes("gbp"), this.quotes("usd")]);
    if (gbp.status === "rejected" && usd.status === "rejected") throw gbp.reason;
    const tickers: Ticker[] = [];
    for (const symbol of MARKET_SYMBOLS) {
      const ticker = this.build(
        symbol,
        gbp.status === "fulfilled" ? gbp.value : undefined,
        usd.status === "fulfilled" ? usd.value : undefined,
      );
      if (ticker) tickers.push(ticker);
    }
    return Promise.all(tickers.map((ticker) => this.withTouch(ticker)));
  }

  async ticker(symbol: MarketSymbol): Promise<Ticker> {
    const found = (await this.tickers()).find((ticker) => ticker.symbol === symbol);
    if (!found) throw marketDataUnavailable("CoinGecko", `no price for ${symbol}`);
    return found;
  }

  async candles(symbol: MarketSymbol, interval: CandleInterval, query: CandleQuery): Promise<CandleSeries> {
    const ticker = await this.ticker(symbol);
    return this.anchored.candles(symbol, interval, query, ticker.lastMinor, ticker.asOfMs, ticker.stale);
  }

  async book(symbol: MarketSymbol, depth: number): Promise<OrderBook> {
    const ticker = await this.ticker(symbol);
    return this.anchored.book(symbol, depth, ticker.lastMinor, ticker.asOfMs, ticker.stale);
  }

  async trades(symbol: MarketSymbol, limit: number): Promise<TradeList> {
    const ticker = await this.ticker(symbol);
    return this.anchored.trades(symbol, limit, ticker.lastMinor, ticker.asOfMs, ticker.stale);
  }

  private async quotes(currency: "gbp" | "usd") {
    const ids = currency === "gbp" ? [COIN_IDS.BTC, COIN_IDS.ETH, COIN_IDS.SOL] : Object.values(COIN_IDS);
    return this.cache.get(`markets:${currency}`, FRESH_MS, async () => {
      const body = await this.client.getJson("/coins/markets", { vs_currency: currency, ids: ids.join(",") });
      if (!Array.isArray(body)) throw malformed("coins/markets");
      const quotes = new Map<CoinAsset, CoinQuote>();
      for (const entry of body) {
        const asset = (Object.keys(COIN_IDS) as CoinAsset[]).find(
          (key) => COIN_IDS[key] === field(entry, "id"),
        );
        if (asset) quotes.set(asset, parseQuote(entry));
      }
      return quotes;
    });
  }

  private build(
    symbol: MarketSymbol,
    gbp: { value: Map<CoinAsset, CoinQuote>; stale: boolean } | undefined,
    usd: { value: Map<CoinAsset, CoinQuote>; stale: boolean } | undefined,
  ): Ticker | undefined {
    const market = MARKETS[symbol];
    const base = market.base as CoinAsset;
    if (market.quote === "GBP") {
      const coin = gbp?.value.get(base);
      if (!gbp || !coin) return undefined;
      const open = coin.change24h === null ? coin.price : coin.price - coin.change24h;
      return this.assemble(symbol, {
        last: coin.price,
        open,
        high: coin.high24h ?? Math.max(coin.price, open),
        low: coin.low24h ?? Math.min(coin.price, open),
        volumeBase: coin.totalVolume === null ? 0 : coin.totalVolume / coin.price,
        updatedAtMs: coin.updatedAtMs,
        stale: gbp.stale,
      });
    }
    const coin = usd?.value.get(base);
    const denominator = usd?.value.get(market.quote === "USDT" ? "USDT" : "BTC");
    if (!usd || !coin || !denominator) return undefined;
    const last = coin.price / denominator.price;
    const open = (coin.price - (coin.change24h ?? 0)) / (denominator.price - (denominator.change24h ?? 0));
    const derivedHigh =
      market.quote === "USDT" && coin.high24h !== null ? coin.high24h / denominator.price : null;
    const derivedLow =
      market.quote === "USDT" && coin.low24h !== null ? coin.low24h / denominator.price : null;
    return this.assemble(symbol, {
      last,
      open,
      high: Math.max(derivedHigh ?? 0, last, open),
      low: Math.min(derivedLow ?? Number.POSITIVE_INFINITY, last, open),
      volumeBase: coin.totalVolume === null ? 0 : coin.totalVolume / coin.price,
      updatedAtMs: Math.min(coin.updatedAtMs, denominator.updatedAtMs),
      stale: usd.stale,
    });
  }

  private assemble(
    symbol: MarketSymbol,
    values: {
      last: number;
      open: number;
      high: number;
      low: number;
      volumeBase: number;
      updatedAtMs: number;
      stale: boolean;
    },
  ): Ticker | undefined {
    const last = toPrice(symbol, values.last);
    const open = toPrice(symbol, values.open);
    if (last === null || open === null) return undefined;
    const market = MARKETS[symbol];
    const volume = toUnits(values.volumeBase, ASSETS[market.base].scale);
    return {
      symbol,
      lastMinor: last,
      bidMinor: last,
      askMinor: last,
      open24hMinor: open,
      high24hMinor: toPrice(symbol, values.high) ?? last,
      low24hMinor: toPrice(symbol, values.low) ?? last,
      volume24hMinor: volume,
      quoteVolume24hMinor: toUnits(values.volumeBase * values.last, ASSETS[market.quote].scale),
      source: this.name,
      asOfMs: values.updatedAtMs,
      stale: values.stale,
    };
  }

  /** CoinGecko has no bid and ask; take them from the anchored book so the ticker matches it. */
  private async withTouch(ticker: Ticker): Promise<Ticker> {
    const book = await this.anchored.book(ticker.symbol, 1, ticker.lastMinor, ticker.asOfMs, ticker.stale);
    return {
      ...ticker,
      bidMinor: book.bids[0]?.priceMinor ?? ticker.lastMinor,
      askMinor: book.asks[0]?.priceMinor ?? ticker.lastMinor,
    };
  }
}

function malformed(what: string): UpstreamError {
  return new UpstreamError(`CoinGecko: malformed ${what}`, false);
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function positiveNumber(value: unknown, key: string): number {
  const raw = field(value, key);
  if (typeof raw !== "number" || !Number.isFinite(raw) || raw <= 0) throw malformed(key);
  return raw;
}

function optionalNumber(value: unknown, key: string): number | null {
  const raw = field(value, key);
  return typeof raw === "number" && Number.isFinite(raw) ? raw : null;
}

function parseQuote(entry: unknown): CoinQuote {
  const updated = field(entry, "last_updated");
  const updatedAtMs = typeof updated === "string" ? Date.parse(updated) : Number.NaN;
  if (!Number.isFinite(updatedAtMs)) throw malformed("last_updated");
  return {
    price: positiveNumber(entry, "current_price"),
    change24h: optionalNumber(entry, "price_change_24h"),
    high24h: optionalNumber(entry, "high_24h"),
    low24h: optionalNumber(entry, "low_24h"),
    totalVolume: optionalNumber(entry, "total_volume"),
    updatedAtMs,
  };
}

/** A float price to the symbol's tick grid (nearest tick), or null if it is not a usable price. */
function toPrice(symbol: MarketSymbol, value: number): bigint | null {
  const market = MARKETS[symbol];
  const tick = market.filters.tickSizeMinor;
  const ticks = Math.round((value * 10 ** ASSETS[market.quote].scale) / Number(tick));
  if (!Number.isFinite(ticks) || ticks < 1) return null;
  const minor = BigInt(ticks) * tick;
  return minor > market.filters.maxPriceMinor ? null : minor;
}

/** A float amount to minor units, rounded down (statistics are never overstated). */
function toUnits(value: number, scale: number): bigint {
  const minor = Math.floor(value * 10 ** scale);
  return Number.isFinite(minor) && minor > 0 ? BigInt(minor) : 0n;
}
