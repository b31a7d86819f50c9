import type { Services } from "../../worker/services/context.ts";
import { ASSETS } from "../../worker/services/ledger/assets.ts";
import { listMarkets, MARKETS, marketSource } from "../../worker/services/markets/index.ts";
import { formatPrice } from "../../worker/services/markets/view.ts";
import type { MarketRow } from "../components/markets-table.tsx";

/**
 * Rows for the markets tables (home and Markets page), through the same service the API uses.
 * A symbol whose sparkline cannot be had still shows its row; if no price source answers at
 * all the page says so instead of failing.
 */
export async function loadMarketRows(
  services: Pick<Services, "config">,
): Promise<{ rows: MarketRow[]; unavailable: boolean }> {
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
