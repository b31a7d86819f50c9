import type { LinksFunction, MetaFunction } from "@remix-run/cloudflare";
import { Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { FormError } from "../components/form.tsx";
import { ModeBadge } from "../components/mode-badge.tsx";
import { AddressBook } from "../components/withdraw/address-book.tsx";
import { WithdrawForm } from "../components/withdraw/withdraw-form.tsx";
import { WithdrawalList } from "../components/withdraw/withdrawal-list.tsx";
import formStyles from "../styles/forms.css?url";
import type { action, loader } from "./withdraw.server.ts";

export { action, loader } from "./withdraw.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }];

export const meta: MetaFunction = () => [{ title: "Withdraw · CoinHubX" }];

export default function Withdraw() {
  const { twoFactorEnabled, addresses, withdrawals, available, limits, assets, withdrawalKey } =
    useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const error = result && "error" in result ? result.error : undefined;
  const message = result && "message" in result ? result.message : undefined;
  return (
    <section className="stack">
      <header className="page-header">
        <h1>Withdraw</h1>
        <p className="muted">
          From your <ModeBadge mode="live" /> book to whitelisted addresses only. Paper money cannot be
          withdrawn.
        </p>
      </header>
      {!twoFactorEnabled ? (
        <div className="notice" data-testid="withdraw-needs-2fa">
          <p>Withdrawals need two-factor authentication.</p>
          <Link className="button" to="/security">
            Turn it on
          </Link>
        </div>
      ) : null}
      {message ? (
        <p className="status status-positive" role="status" data-testid="withdraw-message">
          {message}
        </p>
      ) : null}
      {/* Errors that belong to a field are shown at it; the rest here. */}
      <FormError error={error && !error.fields ? error : undefined} />
      <WithdrawForm
        active={addresses.filter((address) => address.status === "active")}
        available={available}
        limits={limits}
        initialKey={withdrawalKey}
        result={result}
        disabled={busy || !twoFactorEnabled}
      />
      <AddressBook
        addresses={addresses}
        assets={assets}
        disabled={busy || !twoFactorEnabled}
        result={result}
      />
      <WithdrawalList withdrawals={withdrawals} />
    </section>
  );
}
