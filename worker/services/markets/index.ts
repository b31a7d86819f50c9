import type { Services } from "../context.ts";
import { getMarketSource } from "./source.ts";
import type { MarketDataSource } from "./types.ts";
import { type MarketSummaryView, marketSummaryView } from "./view.ts";

/**
 * The market service's public face, for API routes, Remix loaders and (later) the order
 * engine. Data comes from the source chosen by MARKET_SOURCE (sim | coingecko | binance).
 */

export { assertOrderFilters, checkOrderFilters, type FilteredOrder, FilterFailure } from "./filters.ts";
export { getMarketSource } from "./source.ts";
export { isMarketSymbol, MARKET_SYMBOLS, MARKETS, type MarketSymbol, requireMarket } from "./symbols.ts";
export type { MarketDataSource } from "./types.ts";
export type { MarketSummaryView } from "./view.ts";

export function marketSource(services: Pick<Services, "config">): MarketDataSource {
  return getMarketSource(services.config);
}

/**
 * Every listed market with its last price, 24 h change and volume, in registry order;
 * `liveTradable` only where this deployment can trade it LIVE (view.ts, isLiveTradable).
 */
export async function listMarkets(services: Pick<Services, "config">): Promise<MarketSummaryView[]> {
  const tickers = await marketSource(services).tickers();
  return tickers.map((ticker) => marketSummaryView(ticker, services.config));
}
