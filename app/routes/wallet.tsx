import type { LinksFunction, MetaFunction } from "@remix-run/cloudflare";
import { Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useState } from "react";
import { ModeBadge } from "../components/mode-badge.tsx";
import { BookTable } from "../components/wallet/book-table.tsx";
import { HistoryTable } from "../components/wallet/history-table.tsx";
import { OnboardingChecklist } from "../components/wallet/onboarding-checklist.tsx";
import { PaperDepositForm } from "../components/wallet/paper-deposit-form.tsx";
import formStyles from "../styles/forms.css?url";
import type { action, loader } from "./wallet.server.ts";

export { action, loader } from "./wallet.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }];

export const meta: MetaFunction = () => [{ title: "Wallet · CoinHubX" }];

export default function Wallet() {
  const { wallets, totals, onboarding, history, nextCursor, depositKey } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const [hideZero, setHideZero] = useState(false);
  return (
    <section className="stack">
      <header className="page-header">
        <h1>Wallet</h1>
        <p className="muted">
          Live balances are real money. Paper balances are simulated and can only be used for PAPER trading.
          Values in GBP are at current market prices.
        </p>
      </header>

      {onboarding ? <OnboardingChecklist steps={onboarding} /> : null}

      <label className="toggle" data-testid="hide-zero">
        <input type="checkbox" checked={hideZero} onChange={(event) => setHideZero(event.target.checked)} />{" "}
        Hide zero balances
      </label>

      <div className="books">
        <article className="panel">
          <h2>
            <ModeBadge mode="live" /> Live book
          </h2>
          <BookTable mode="live" wallets={wallets} total={totals.live} hideZero={hideZero} />
          <p className="book-links">
            <Link to="/deposit">Deposit GBP by bank transfer</Link> ·{" "}
            <Link to="/withdraw">Withdraw to a whitelisted address</Link>
          </p>
        </article>
        <article className="panel" id="paper-deposit">
          <h2>
            <ModeBadge mode="paper" /> Paper book
          </h2>
          <BookTable mode="paper" wallets={wallets} total={totals.paper} hideZero={hideZero} />
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
