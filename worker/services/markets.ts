import type { Services } from "./context.ts";

export interface MarketSummary {
  symbol: string;
  base: string;
  quote: string;
  last: string;
  change24h: string;
  volume24h: string;
  liveTradable: boolean;
}

/**
 * The market service's public face. The data sources (simulated market, CoinGecko, Binance)
 * arrive with the markets issue; until a source is configured the list is empty and every
 * page says so plainly instead of showing invented prices.
 */
export async function listMarkets(_services: Services): Promise<MarketSummary[]> {
  return [];
}
