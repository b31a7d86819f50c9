import type { MetaFunction } from "@remix-run/cloudflare";
import { useLoaderData } from "@remix-run/react";
import { useState } from "react";
import { MarketsTable } from "../components/markets-table.tsx";
import { MARKETS_REFRESH_MS, useLiveMarketRows } from "../components/use-market-rows.ts";
import type { loader } from "./markets.server.ts";

export { loader } from "./markets.server.ts";

export const meta: MetaFunction = () => [{ title: "All markets · CoinHubX" }];

export default function Markets() {
  const loaded = useLoaderData<typeof loader>();
  const { unavailable } = loaded;
  const { rows, failed } = useLiveMarketRows(loaded.rows);
  const [query, setQuery] = useState("");
  const needle = query
    .trim()
    .toUpperCase()
    .replace(/[/\s]+/g, "-");
  const shown = needle
    ? rows.filter(
        (row) =>
          row.symbol.includes(needle) ||
          row.symbol.replace("-", "").includes(needle.replace("-", "")) ||
          row.baseName.toUpperCase().includes(query.trim().toUpperCase()),
      )
    : rows;
  const stale = rows.some((row) => row.stale);
  return (
    <section>
      <header className="page-header page-header-row">
        <div>
          <h1>All markets</h1>
          <p className="muted">
            {rows.length} spot markets · prices and 24-hour figures refresh every {MARKETS_REFRESH_MS / 1000}{" "}
            seconds
          </p>
        </div>
        <label className="search">
          <span className="visually-hidden">Search markets</span>
          <input
            type="search"
            placeholder="Search: BTC, ether, SOL/USDT"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            data-testid="markets-search"
            autoComplete="off"
          />
        </label>
      </header>
      {failed ? (
        <p className="notice-inline" role="status" data-testid="markets-not-refreshing">
          Prices are not refreshing: the connection to the market data failed. Figures shown may be out of
          date.
        </p>
      ) : stale ? (
        <p className="notice-inline" role="status">
          Some prices are delayed: the price source is not answering, so the last known prices are shown.
        </p>
      ) : null}
      {unavailable ? (
        <div className="empty-state" data-testid="markets-empty">
          <h2>Prices are unavailable</h2>
          <p>The price source is not answering right now. Try again in a moment.</p>
        </div>
      ) : shown.length === 0 ? (
        <div className="empty-state" data-testid="markets-no-match">
          <h2>No market matches “{query}”</h2>
          <p>Try a coin code such as BTC, or a pair such as ETH/GBP.</p>
        </div>
      ) : (
        <MarketsTable rows={shown} />
      )}
    </section>
  );
}
