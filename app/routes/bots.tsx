import type { MetaFunction } from "@remix-run/cloudflare";
import { Link } from "@remix-run/react";

export const meta: MetaFunction = () => [{ title: "Bots · CoinHubX" }];

/**
 * Trading bots are the next release. Until then the page says so plainly (the navigation
 * keeps its place), and offers what works today. The API refuses bot routes with 404.
 */
export default function Bots() {
  return (
    <section>
      <header className="page-header">
        <h1>Bots</h1>
        <p className="muted">DCA and Grid bots, in PAPER or LIVE mode.</p>
      </header>
      <div className="empty-state" data-testid="bots-unavailable">
        <h2>Bots are not available yet</h2>
        <p>
          Dollar-cost averaging and grid bots arrive in the next release, starting in PAPER mode. Until then
          you can trade by hand with simulated money.
        </p>
        <Link className="button" to="/trade">
          Go to Trade
        </Link>
      </div>
    </section>
  );
}
