import type { Services } from "../../worker/services/context.ts";
import { isExchangeConfigured } from "../../worker/services/exchange/index.ts";
import { ASSETS } from "../../worker/services/ledger/assets.ts";
import { listMarkets, MARKETS, marketSource } from "../../worker/services/markets/index.ts";
import { formatPrice } from "../../worker/services/markets/view.ts";
import type { MarketRow } from "../components/markets-table.tsx";

/**
 * Rows for the markets tables (home and Markets page), through the same service the API uses.
 * A symbol whose sparkline cannot be had still shows its row; if no price source answers at
 * all the page says so instead of failing.
 */
type MarketRows = { rows: MarketRow[]; unavailable: boolean };

/**
 * The market tables change once a second (the simulated market's tick), and every visitor
 * sees the same rows: one computation per isolate per second serves them all, instead of
 * re-deriving seven tickers and 168 candles for each page view.
 */
const ROWS_TTL_MS = 1_000;
const rowsCache = new Map<string, { atMs: number; value: Promise<MarketRows> }>();

export function loadMarketRows(services: Pick<Services, "config">, nowMs = Date.now()): Promise<MarketRows> {
  // Rows say whether each market is LIVE-tradable, which depends on the exchange account too.
  const key = `${services.config.MARKET_SOURCE}:${isExchangeConfigured(services.config) ? "live" : "paper"}`;
  const cached = rowsCache.get(key);
  if (cached && nowMs - cached.atMs < ROWS_TTL_MS) return cached.value;
  const value = computeMarketRows(services);
  rowsCache.set(key, { atMs: nowMs, value });
  return value;
}

async function computeMarketRows(services: Pick<Services, "config">): Promise<MarketRows> {
  let markets: Awaited<ReturnType<typeof listMarkets>>;
  try {
    markets = await listMarkets(services);
  } catch {
    return { rows: [], unavailable: true };
  }
  const source = marketSource(services);
  const rows = await Promise.all(
    markets.map(async (market): Promise<MarketRow> => {
      const closes = await source
        .candles(market.symbol, "1h", { limit: 24 })
        .then((series) => series.candles.map((candle) => formatPrice(market.symbol, candle.closeMinor)))
        .catch(() => []);
      return { ...market, baseName: ASSETS[MARKETS[market.symbol].base].name, closes };
    }),
  );
  return { rows, unavailable: false };
}
