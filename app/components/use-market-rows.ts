import { useEffect, useState } from "react";
import type { MarketRow } from "./markets-table.tsx";

/**
 * How often the markets tables refresh. GET /api/v1/markets is cached at the edge for a second,
 * so every open page costs one computation per second between them all, not one each.
 */
export const MARKETS_REFRESH_MS = 5_000;

type MarketSummary = Pick<
  MarketRow,
  "symbol" | "last" | "change24h" | "volume24h" | "quoteVolume24h" | "liveTradable" | "stale"
>;

/** Today's figures over the loader's rows; the newest hourly close is the price now. */
function merge(rows: MarketRow[], markets: readonly MarketSummary[]): MarketRow[] {
  return rows.map((row) => {
    const fresh = markets.find((market) => market.symbol === row.symbol);
    if (!fresh) return row;
    const closes = row.closes.length > 0 ? [...row.closes.slice(0, -1), fresh.last] : row.closes;
    return {
      ...row,
      last: fresh.last,
      change24h: fresh.change24h,
      volume24h: fresh.volume24h,
      quoteVolume24h: fresh.quoteVolume24h,
      liveTradable: fresh.liveTradable,
      stale: fresh.stale,
      closes,
    };
  });
}

/**
 * The loader's market rows, kept current by polling the public JSON API while the page is
 * visible (a hidden tab does not poll). `failed` says the last refresh did not arrive, so the
 * page can say its figures may be out of date instead of showing old prices as live.
 */
export function useLiveMarketRows(initial: MarketRow[]): { rows: MarketRow[]; failed: boolean } {
  const [rows, setRows] = useState(initial);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    setRows(initial);
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      if (document.visibilityState === "visible") {
        try {
          const response = await fetch("/api/v1/markets");
          if (!response.ok) throw new Error(String(response.status));
          const { markets } = (await response.json()) as { markets: MarketSummary[] };
          if (!stopped) {
            setRows((current) => merge(current, markets));
            setFailed(false);
          }
        } catch {
          if (!stopped) setFailed(true);
        }
      }
      if (!stopped) timer = setTimeout(poll, MARKETS_REFRESH_MS);
    };
    timer = setTimeout(poll, MARKETS_REFRESH_MS);
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [initial]);
  return { rows, failed };
}
