import type { LinksFunction, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect, useState } from "react";
import { ModeBadge } from "../components/mode-badge.tsx";
import { Money } from "../components/money.tsx";
import formStyles from "../styles/forms.css?url";
import type { loader } from "./deposit.server.ts";

export { loader } from "./deposit.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }];

export const meta: MetaFunction = () => [{ title: "Deposit · CoinHubX" }];

/** A credited transfer shows up without a reload: the balance is read again this often. */
const BALANCE_REFRESH_MS = 5_000;

export default function Deposit() {
  const { reference, balance } = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  useEffect(() => {
    const timer = setInterval(() => {
      if (revalidator.state === "idle" && document.visibilityState === "visible") revalidator.revalidate();
    }, BALANCE_REFRESH_MS);
    return () => clearInterval(timer);
  }, [revalidator]);
  return (
    <section className="stack">
      <header className="page-header">
        <h1>Deposit</h1>
        <p className="muted">
          Fund your <ModeBadge mode="live" /> book with pounds by bank transfer. Paper funds are added on the{" "}
          <Link to="/wallet#paper-deposit">Wallet page</Link>.
        </p>
      </header>

      <article className="panel" data-testid="deposit-reference-panel">
        <h2>Your reference</h2>
        <div className="copy-row">
          <code className="reference" data-testid="deposit-reference">
            {reference}
          </code>
          <CopyButton text={reference} label="Copy reference" />
        </div>
        <ol className="steps-list">
          <li>In your banking app, send pounds (GBP) by Faster Payments to the CoinHubX client account.</li>
          <li>
            Enter <strong>{reference}</strong> as the payment reference, exactly as shown: it is how the
            transfer finds your account. It is yours alone and never changes.
          </li>
          <li>
            The money appears in your LIVE GBP balance below once the transfer has been received and credited,
            usually within minutes during UK banking hours.
          </li>
        </ol>
        <p className="hint">
          Send only from a UK bank account in your own name. A transfer without the reference is returned to
          the sender.
        </p>
      </article>

      <article className="panel" data-testid="deposit-balance">
        <h2>
          <ModeBadge mode="live" /> GBP balance
        </h2>
        <dl className="facts">
          <dt>Available</dt>
          <dd data-testid="deposit-available">
            <Money value={balance.available} unit="GBP" />
          </dd>
          <dt>In orders</dt>
          <dd>
            <Money value={balance.locked} unit="GBP" />
          </dd>
        </dl>
        <p className="hint">Updates by itself every few seconds.</p>
      </article>
    </section>
  );
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <>
      <button
        type="button"
        className="button button-secondary button-small"
        data-testid="copy-reference"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(text);
            setState("copied");
          } catch {
            setState("failed");
          }
        }}
      >
        {label}
      </button>
      <span role="status" className="muted small">
        {state === "copied"
          ? "Copied."
          : state === "failed"
            ? "Copy failed: select the reference instead."
            : ""}
      </span>
    </>
  );
}
