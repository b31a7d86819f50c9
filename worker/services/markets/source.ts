import type { Config } from "../../env.ts";
import { BinanceMarketData } from "./binance.ts";
import { CoinGeckoMarketData } from "./coingecko.ts";
import type { FetchLike } from "./http.ts";
import { SimulatedMarket } from "./sim/market.ts";
import type { MarketDataSource, MarketSourceName } from "./types.ts";

interface MarketSourceOptions {
  fetch?: FetchLike;
  seed?: string | number;
  clock?: () => number;
}

/**
 * One source per isolate and name: the adapters' caches (and the simulation's memo of past
 * hours) live as long as the isolate, which is what makes them worth having. Options (tests)
 * get a fresh, unshared instance.
 */
const perIsolate = new Map<MarketSourceName, MarketDataSource>();

export function getMarketSource(
  config: Pick<Config, "MARKET_SOURCE">,
  options?: MarketSourceOptions,
): MarketDataSource {
  if (!options) {
    const existing = perIsolate.get(config.MARKET_SOURCE);
    if (existing) return existing;
  }
  const sim = new SimulatedMarket({
    ...(options?.seed !== undefined ? { seed: options.seed } : {}),
    ...(options?.clock ? { clock: options.clock } : {}),
  });
  const upstream = {
    ...(options?.fetch ? { fetch: options.fetch } : {}),
    ...(options?.clock ? { now: options.clock } : {}),
  };
  let source: MarketDataSource;
  switch (config.MARKET_SOURCE) {
    case "coingecko":
      source = new CoinGeckoMarketData({ ...upstream, sim });
      break;
    case "binance":
      // Binance lists no GBP pair; those come from CoinGecko (itself anchored to the sim's shape).
      source = new BinanceMarketData({
        ...upstream,
        fallback: new CoinGeckoMarketData({ ...upstream, sim }),
      });
      break;
    default:
      source = sim;
  }
  if (!options) perIsolate.set(config.MARKET_SOURCE, source);
  return source;
}
