import type { MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { MarketsTable } from "../components/markets-table.tsx";
import { MARKETS_REFRESH_MS, useLiveMarketRows } from "../components/use-market-rows.ts";
import type { loader } from "./_index.server.ts";

export { loader } from "./_index.server.ts";

export const meta: MetaFunction = () => [{ title: "Markets · CoinHubX" }];

export default function Home() {
  const loaded = useLoaderData<typeof loader>();
  const { unavailable } = loaded;
  const { rows } = useLiveMarketRows(loaded.rows);
  return (
    <section>
      <header className="page-header page-header-row">
        <div>
          <h1>Markets</h1>
          <p className="muted">
            Spot markets, with prices in the quote currency, refreshed every {MARKETS_REFRESH_MS / 1000}{" "}
            seconds.
          </p>
        </div>
        <Link className="button button-secondary" to="/markets">
          All markets
        </Link>
      </header>
      {unavailable || rows.length === 0 ? (
        <div className="empty-state" data-testid="markets-empty">
          <h2>Prices are unavailable</h2>
          <p>The price source is not answering right now. Markets reappear here as soon as it does.</p>
        </div>
      ) : (
        <MarketsTable rows={rows} />
      )}
    </section>
  );
}
