import type { Config } from "../../env.ts";
import { isExchangeConfigured } from "../exchange/index.ts";
import { ASSETS } from "../ledger/assets.ts";
import { formatMinor, percentChange } from "./decimal.ts";
import { MARKETS, type MarketDefinition, type MarketSymbol } from "./symbols.ts";
import type { CandleSeries, OrderBook, Ticker, TradeList } from "./types.ts";

/**
 * The wire shapes of market data, shared by the JSON API and the Remix loaders (which must
 * return serialisable data: no bigint). Prices carry the tick's decimals ("70000.00",
 * "0.03650"), quantities and volumes the base asset's scale ("0.00150000"), quote volumes the
 * quote asset's; `change24h` is a signed percentage with two decimals ("-1.25" = -1.25 %).
 */

/**
 * `liveTradable` on the wire: the exchange lists the pair (the registry's `liveTradable`) AND
 * this deployment has an exchange account to trade it with. Without the account no LIVE order
 * can be placed on any pair, so no view may say otherwise: the API, the Markets page's "Paper
 * only" marks, the Trade page's LIVE switch and the bot wizard all read this one answer.
 */
export type ExchangeConfig = Pick<Config, "BINANCE_API_KEY" | "BINANCE_API_SECRET" | "BINANCE_BASE_URL">;

export function isLiveTradable(market: MarketDefinition, config: ExchangeConfig): boolean {
  return market.liveTradable && isExchangeConfigured(config);
}

export function formatPrice(symbol: MarketSymbol, priceMinor: bigint): string {
  const market = MARKETS[symbol];
  return formatMinor(priceMinor, ASSETS[market.quote].scale, market.priceDecimals);
}

function formatQuantity(symbol: MarketSymbol, quantityMinor: bigint): string {
  return formatMinor(quantityMinor, ASSETS[MARKETS[symbol].base].scale);
}

function formatQuote(symbol: MarketSymbol, amountMinor: bigint): string {
  return formatMinor(amountMinor, ASSETS[MARKETS[symbol].quote].scale);
}

export interface MarketSummaryView {
  symbol: MarketSymbol;
  base: string;
  quote: string;
  last: string;
  change24h: string;
  volume24h: string;
  liveTradable: boolean;
  quoteVolume24h: string;
  high24h: string;
  low24h: string;
  stale: boolean;
}

export function marketSummaryView(ticker: Ticker, config: ExchangeConfig): MarketSummaryView {
  const market = MARKETS[ticker.symbol];
  return {
    symbol: ticker.symbol,
    base: market.base,
    quote: market.quote,
    last: formatPrice(ticker.symbol, ticker.lastMinor),
    change24h: percentChange(ticker.open24hMinor, ticker.lastMinor),
    volume24h: formatQuantity(ticker.symbol, ticker.volume24hMinor),
    liveTradable: isLiveTradable(market, config),
    quoteVolume24h: formatQuote(ticker.symbol, ticker.quoteVolume24hMinor),
    high24h: formatPrice(ticker.symbol, ticker.high24hMinor),
    low24h: formatPrice(ticker.symbol, ticker.low24hMinor),
    stale: ticker.stale,
  };
}

export function tickerView(ticker: Ticker, config: ExchangeConfig) {
  const { symbol } = ticker;
  return {
    ...marketSummaryView(ticker, config),
    bid: formatPrice(symbol, ticker.bidMinor),
    ask: formatPrice(symbol, ticker.askMinor),
    open24h: formatPrice(symbol, ticker.open24hMinor),
    priceChange24h: formatSignedPrice(symbol, ticker.lastMinor - ticker.open24hMinor),
    asOf: new Date(ticker.asOfMs).toISOString(),
    source: ticker.source,
  };
}

export function marketView(market: MarketDefinition, config: ExchangeConfig) {
  const quoteScale = ASSETS[market.quote].scale;
  const baseScale = ASSETS[market.base].scale;
  const { filters } = market;
  return {
    symbol: market.symbol,
    base: market.base,
    quote: market.quote,
    liveTradable: isLiveTradable(market, config),
    priceDecimals: market.priceDecimals,
    quantityDecimals: market.quantityDecimals,
    filters: {
      tickSize: formatMinor(filters.tickSizeMinor, quoteScale, market.priceDecimals),
      minPrice: formatMinor(filters.minPriceMinor, quoteScale, market.priceDecimals),
      maxPrice: formatMinor(filters.maxPriceMinor, quoteScale, market.priceDecimals),
      stepSize: formatMinor(filters.stepSizeMinor, baseScale),
      minQuantity: formatMinor(filters.minQuantityMinor, baseScale),
      maxQuantity: formatMinor(filters.maxQuantityMinor, baseScale),
      minNotional: formatMinor(filters.minNotionalMinor, quoteScale),
      maxNotional: formatMinor(filters.maxNotionalMinor, quoteScale),
    },
  };
}

export function candleSeriesView(series: CandleSeries) {
  const { symbol } = series;
  return {
    symbol,
    interval: series.interval,
    candles: series.candles.map((candle) => ({
      openTime: candle.openTimeMs,
      open: formatPrice(symbol, candle.openMinor),
      high: formatPrice(symbol, candle.highMinor),
      low: formatPrice(symbol, candle.lowMinor),
      close: formatPrice(symbol, candle.closeMinor),
      volume: formatQuantity(symbol, candle.volumeMinor),
    })),
    asOf: new Date(series.asOfMs).toISOString(),
    stale: series.stale,
    source: series.source,
  };
}

export function bookView(book: OrderBook) {
  const { symbol } = book;
  const level = (entry: { priceMinor: bigint; quantityMinor: bigint }) => ({
    price: formatPrice(symbol, entry.priceMinor),
    quantity: formatQuantity(symbol, entry.quantityMinor),
  });
  return {
    symbol,
    bids: book.bids.map(level),
    asks: book.asks.map(level),
    asOf: new Date(book.asOfMs).toISOString(),
    stale: book.stale,
    source: book.source,
  };
}

export function tradesView(list: TradeList) {
  const { symbol } = list;
  return {
    symbol,
    trades: list.trades.map((trade) => ({
      id: trade.id,
      price: formatPrice(symbol, trade.priceMinor),
      quantity: formatQuantity(symbol, trade.quantityMinor),
      time: trade.timeMs,
      takerSide: trade.takerSide,
    })),
    asOf: new Date(list.asOfMs).toISOString(),
    stale: list.stale,
    source: list.source,
  };
}

function formatSignedPrice(symbol: MarketSymbol, deltaMinor: bigint): string {
  const market = MARKETS[symbol];
  return formatMinor(deltaMinor, ASSETS[market.quote].scale, market.priceDecimals);
}
