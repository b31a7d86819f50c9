import { ApiError } from "../../errors.ts";
import { ASSETS, type AssetCode } from "../ledger/assets.ts";
import { decimalsOfStep, decimalToMinor } from "./decimal.ts";

/**
 * The one market registry. Every price in this service is a bigint of **quote minor units per
 * one whole base unit** (BTC-GBP 70000.00 -> 7_000_000n pence; ETH-BTC 0.03650 -> 3_650_000n
 * satoshi), and every quantity a bigint of base minor units, both at the scales of the ledger's
 * asset registry. So an order's value in quote minor units is exactly
 * `quantityMinor * priceMinor / 10^baseScale`, and nothing here has its own notion of scale.
 *
 * The filters follow Binance's (PRICE_FILTER, LOT_SIZE, NOTIONAL, PERCENT_PRICE_BY_SIDE). Where
 * Binance lists the pair, the values are the ones in the recorded exchangeInfo
 * (test/fixtures/markets/binance/exchange-info.json, 2024-09-08), and a unit test holds them
 * equal. GBP pairs are not listed there; they take the USDT pair's grid with GBP minimums.
 *
 * `liveTradable` is decided from that same recording: a pair is live-tradable when Binance lists
 * it with status TRADING. The recording has no GBP-quoted pair at all (1,248 TRADING symbols,
 * quote assets USDT, BTC, TRY, FDUSD, USDC, ETH, BNB, EUR, BRL, …), so every GBP pair is
 * PAPER-only until the exchange lists it; the Binance adapter re-reads exchangeInfo at run time
 * (`listedSymbols`) for the exchange integration to check before placing a LIVE order.
 */

export const MARKET_SYMBOLS = [
  "BTC-GBP",
  "ETH-GBP",
  "SOL-GBP",
  "BTC-USDT",
  "ETH-USDT",
  "SOL-USDT",
  "ETH-BTC",
] as const;
export type MarketSymbol = (typeof MARKET_SYMBOLS)[number];

interface MarketFilters {
  /** PRICE_FILTER: limit prices are multiples of the tick, within [min, max]. Quote minor units. */
  tickSizeMinor: bigint;
  minPriceMinor: bigint;
  maxPriceMinor: bigint;
  /** LOT_SIZE: quantities are multiples of the step, within [min, max]. Base minor units. */
  stepSizeMinor: bigint;
  minQuantityMinor: bigint;
  maxQuantityMinor: bigint;
  /** NOTIONAL: quantity x price within [min, max]. Quote minor units. */
  minNotionalMinor: bigint;
  maxNotionalMinor: bigint;
  /**
   * PERCENT_PRICE_BY_SIDE: a limit price within [reference x down, reference x up], in basis
   * points of the reference price. Stops a fat-fingered 7,000.00 for 70,000.00.
   */
  percentPriceUpBps: bigint;
  percentPriceDownBps: bigint;
}

export interface MarketDefinition {
  symbol: MarketSymbol;
  base: AssetCode;
  quote: AssetCode;
  /** The pair's name on Binance (BTCUSDT); also the key for its market data endpoints. */
  binanceSymbol: string;
  liveTradable: boolean;
  filters: MarketFilters;
  /** Fraction digits to show a price with: the tick's (BTC-USDT 2, ETH-BTC 5). */
  priceDecimals: number;
  /** Fraction digits to show a quantity with: the lot step's (BTC 5, SOL 3). */
  quantityDecimals: number;
}

interface FilterText {
  tickSize: string;
  minPrice: string;
  maxPrice: string;
  stepSize: string;
  minQuantity: string;
  maxQuantity: string;
  minNotional: string;
  maxNotional: string;
}

function define(
  symbol: MarketSymbol,
  binanceSymbol: string,
  liveTradable: boolean,
  text: FilterText,
): MarketDefinition {
  const [base, quote] = symbol.split("-") as [AssetCode, AssetCode];
  const baseScale = ASSETS[base].scale;
  const quoteScale = ASSETS[quote].scale;
  const filters: MarketFilters = {
    tickSizeMinor: decimalToMinor(text.tickSize, quoteScale),
    minPriceMinor: decimalToMinor(text.minPrice, quoteScale),
    maxPriceMinor: decimalToMinor(text.maxPrice, quoteScale),
    stepSizeMinor: decimalToMinor(text.stepSize, baseScale),
    minQuantityMinor: decimalToMinor(text.minQuantity, baseScale),
    maxQuantityMinor: decimalToMinor(text.maxQuantity, baseScale),
    minNotionalMinor: decimalToMinor(text.minNotional, quoteScale),
    maxNotionalMinor: decimalToMinor(text.maxNotional, quoteScale),
    percentPriceUpBps: 50_000n,
    percentPriceDownBps: 2_000n,
  };
  return {
    symbol,
    base,
    quote,
    binanceSymbol,
    liveTradable,
    filters,
    priceDecimals: decimalsOfStep(filters.tickSizeMinor, quoteScale),
    quantityDecimals: decimalsOfStep(filters.stepSizeMinor, baseScale),
  };
}

// Binance's grids (exchangeInfo 2024-09-08) for BTC, ETH and SOL against USDT and for ETHBTC.
const BTC_GRID = { tickSize: "0.01", stepSize: "0.00001", minQuantity: "0.00001", maxQuantity: "9000" };
const ETH_GRID = { tickSize: "0.01", stepSize: "0.0001", minQuantity: "0.0001", maxQuantity: "9000" };
const SOL_GRID = { tickSize: "0.01", stepSize: "0.001", minQuantity: "0.001", maxQuantity: "90000" };
const GBP_LIMITS = { minPrice: "0.01", maxPrice: "1000000", minNotional: "5.00", maxNotional: "9000000" };
const USDT_LIMITS = { minPrice: "0.01", maxPrice: "1000000", minNotional: "5", maxNotional: "9000000" };

export const MARKETS: Readonly<Record<MarketSymbol, MarketDefinition>> = {
  "BTC-GBP": define("BTC-GBP", "BTCGBP", false, { ...BTC_GRID, ...GBP_LIMITS }),
  "ETH-GBP": define("ETH-GBP", "ETHGBP", false, { ...ETH_GRID, ...GBP_LIMITS }),
  "SOL-GBP": define("SOL-GBP", "SOLGBP", false, { ...SOL_GRID, ...GBP_LIMITS, maxPrice: "10000" }),
  "BTC-USDT": define("BTC-USDT", "BTCUSDT", true, { ...BTC_GRID, ...USDT_LIMITS }),
  "ETH-USDT": define("ETH-USDT", "ETHUSDT", true, { ...ETH_GRID, ...USDT_LIMITS }),
  "SOL-USDT": define("SOL-USDT", "SOLUSDT", true, { ...SOL_GRID, ...USDT_LIMITS, maxPrice: "10000" }),
  "ETH-BTC": define("ETH-BTC", "ETHBTC", true, {
    tickSize: "0.00001",
    minPrice: "0.00001",
    maxPrice: "922327",
    stepSize: "0.0001",
    minQuantity: "0.0001",
    maxQuantity: "100000",
    minNotional: "0.0001",
    maxNotional: "9000000",
  }),
};

export function isMarketSymbol(value: unknown): value is MarketSymbol {
  return typeof value === "string" && (MARKET_SYMBOLS as readonly string[]).includes(value);
}

/** For route params and order bodies: an unlisted symbol is a 404 `unknown_symbol`. */
export function requireMarket(symbol: unknown): MarketDefinition {
  if (!isMarketSymbol(symbol)) {
    const shown = typeof symbol === "string" ? symbol.slice(0, 32) : String(symbol);
    throw new ApiError(
      404,
      "unknown_symbol",
      `No market ${JSON.stringify(shown)}. Listed markets: ${MARKET_SYMBOLS.join(", ")}.`,
    );
  }
  return MARKETS[symbol];
}

/** Value of `quantityMinor` base at `priceMinor`, in quote minor units, rounded as asked. */
export function notionalMinor(
  market: MarketDefinition,
  quantityMinor: bigint,
  priceMinor: bigint,
  rounding: "floor" | "ceil",
): bigint {
  const unit = 10n ** BigInt(ASSETS[market.base].scale);
  const product = quantityMinor * priceMinor;
  const quotient = product / unit;
  return rounding === "ceil" && product % unit !== 0n ? quotient + 1n : quotient;
}

// The registry obeys its own rules; checked once at module load like the asset registry.
for (const symbol of MARKET_SYMBOLS) {
  const { filters, base, quote } = MARKETS[symbol];
  const checks: [boolean, string][] = [
    [base !== quote, "base and quote differ"],
    [filters.tickSizeMinor > 0n && filters.stepSizeMinor > 0n, "positive tick and step"],
    [filters.minPriceMinor % filters.tickSizeMinor === 0n, "min price on the tick"],
    [filters.minQuantityMinor % filters.stepSizeMinor === 0n, "min quantity on the step"],
    [filters.minQuantityMinor > 0n && filters.minQuantityMinor <= filters.maxQuantityMinor, "quantity range"],
    [filters.maxQuantityMinor <= ASSETS[base].maxAmountMinor, "max quantity within the asset's bound"],
    [filters.maxNotionalMinor <= ASSETS[quote].maxAmountMinor, "max notional within the asset's bound"],
  ];
  for (const [ok, rule] of checks) {
    if (!ok) throw new Error(`market registry: ${symbol}: ${rule}`);
  }
}
