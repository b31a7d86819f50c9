import type { MetaFunction } from "@remix-run/cloudflare";
import { Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { ModeBadge } from "../components/mode-badge.tsx";
import { BookTable } from "../components/wallet/book-table.tsx";
import { HistoryTable } from "../components/wallet/history-table.tsx";
import { PaperDepositForm } from "../components/wallet/paper-deposit-form.tsx";
import type { action, loader } from "./wallet.server.ts";

export { action, loader } from "./wallet.server.ts";

export const meta: MetaFunction = () => [{ title: "Wallet · CoinHubX" }];

export default function Wallet() {
  const { wallets, history, nextCursor, depositKey } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <section className="stack">
      <header className="page-header">
        <h1>Wallet</h1>
        <p className="muted">
          Live balances are real money. Paper balances are simulated and can only be used for PAPER trading.
        </p>
      </header>

      <div className="books">
        <article className="panel">
          <h2>
            <ModeBadge mode="live" /> Live book
          </h2>
          <BookTable mode="live" wallets={wallets} />
          <p>
            <Link to="/withdraw">Withdraw to a whitelisted address</Link>
          </p>
        </article>
        <article className="panel">
          <h2>
            <ModeBadge mode="paper" /> Paper book
          </h2>
          <BookTable mode="paper" wallets={wallets} />
          <PaperDepositForm
            depositKey={depositKey}
            busy={busy}
            deposited={result && "deposited" in result ? result.deposited : undefined}
            error={result && "error" in result ? result.error : undefined}
          />
        </article>
      </div>

      <article className="panel">
        <div className="panel-header">
          <h2>History</h2>
          <a className="button button-secondary button-small" href="/wallet/history.csv" download>
            Export CSV
          </a>
        </div>
        <HistoryTable history={history} />
        {nextCursor !== null ? (
          <p>
            <Link to={`?cursor=${nextCursor}`}>Older movements</Link>
          </p>
        ) : null}
      </article>
    </section>
  );
}
