import type { MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useState } from "react";
import { CoinIcon } from "../components/coin-icon.tsx";
import { FormError } from "../components/form.tsx";
import { Money } from "../components/money.tsx";
import type { action, loader } from "./withdraw.server.ts";

export { action, loader } from "./withdraw.server.ts";

export const meta: MetaFunction = () => [{ title: "Withdraw · CoinHubX" }];

/**
 * One Idempotency-Key per withdrawal the trader means to make: kept while the outcome is
 * uncertain (a 503 or a dropped connection: the same request may already be on its way, and
 * the server finishes it), replaced once the server has answered for sure (success or a
 * definite refusal), so a second, different withdrawal never reuses it.
 */
function useWithdrawalKey(
  initial: string,
  result: { intent?: string; error?: { code: string } } | undefined,
) {
  const [key, setKey] = useState(initial);
  useEffect(() => {
    if (result?.intent !== "withdraw") return;
    if (result.error?.code === "service_unavailable") return;
    setKey(crypto.randomUUID());
  }, [result]);
  return key;
}

export default function Withdraw() {
  const { twoFactorEnabled, addresses, withdrawals, assets, withdrawalKey } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const currentKey = useWithdrawalKey(withdrawalKey, result);
  const busy = useNavigation().state !== "idle";
  const error = result && "error" in result ? result.error : undefined;
  const message = result && "message" in result ? result.message : undefined;
  const active = addresses.filter((address) => address.status === "active");
  return (
    <section className="stack">
      <header className="page-header">
        <h1>Withdraw</h1>
        <p className="muted">
          From your <span className="mode-badge mode-live">LIVE</span> book to whitelisted addresses only.
          Paper money cannot be withdrawn.
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
        <p className="status status-positive" role="status">
          {message}
        </p>
      ) : null}
      <FormError error={error} />

      <article className="panel">
        <h2>Request a withdrawal</h2>
        {active.length === 0 ? (
          <p className="muted">
            No active address yet. New addresses become usable after a 24-hour cooling-off period.
          </p>
        ) : (
          <Form method="post" className="form inline-form" data-testid="withdraw-form">
            <input type="hidden" name="intent" value="withdraw" />
            <input type="hidden" name="idempotencyKey" value={currentKey} />
            <label className="field">
              <span>To</span>
              <select name="addressId" required>
                {active.map((address) => (
                  <option key={address.id} value={address.id}>
                    {address.asset} · {address.label || "address"} · …{address.address.slice(-8)}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>Amount</span>
              <input name="amount" inputMode="decimal" required maxLength={40} />
            </label>
            <label className="field">
              <span>Code</span>
              <input name="totp" inputMode="numeric" autoComplete="one-time-code" pattern="\d{6}" required />
            </label>
            <button className="button" type="submit" disabled={busy || !twoFactorEnabled}>
              Withdraw
            </button>
          </Form>
        )}
      </article>

      <article className="panel">
        <h2>Whitelisted addresses</h2>
        {addresses.length > 0 ? (
          <table className="table" data-testid="addresses">
            <tbody>
              {addresses.map((address) => (
                <tr key={address.id}>
                  <td>
                    <span className="asset-cell">
                      <CoinIcon code={address.asset} /> {address.asset}
                    </span>
                  </td>
                  <td>{address.label}</td>
                  <td>
                    <code>{address.address}</code>
                  </td>
                  <td>
                    {address.status === "active" ? (
                      <span className="status-positive">active</span>
                    ) : (
                      <span className="status-warning">
                        pending until {address.activeAt.replace("T", " ").slice(0, 16)} UTC
                      </span>
                    )}
                  </td>
                  <td className="numeric">
                    <Form method="post">
                      <input type="hidden" name="intent" value="remove-address" />
                      <input type="hidden" name="addressId" value={address.id} />
                      <button className="link-button" type="submit">
                        Remove
                      </button>
                    </Form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <Form method="post" className="form inline-form" data-testid="address-form">
          <input type="hidden" name="intent" value="add-address" />
          <label className="field">
            <span>Asset</span>
            <select name="asset">
              {assets.map((asset) => (
                <option key={asset}>{asset}</option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Address</span>
            <input name="address" required maxLength={100} autoComplete="off" spellCheck={false} />
          </label>
          <label className="field">
            <span>Label</span>
            <input name="label" maxLength={60} />
          </label>
          <label className="field">
            <span>Code</span>
            <input name="totp" inputMode="numeric" autoComplete="one-time-code" pattern="\d{6}" required />
          </label>
          <button className="button" type="submit" disabled={busy || !twoFactorEnabled}>
            Add address
          </button>
        </Form>
      </article>

      <article className="panel">
        <h2>Your withdrawals</h2>
        {withdrawals.length === 0 ? (
          <p className="muted">None yet.</p>
        ) : (
          <table className="table" data-testid="withdrawals">
            <tbody>
              {withdrawals.map((withdrawal) => (
                <tr key={withdrawal.id}>
                  <td>{withdrawal.createdAt.replace("T", " ").slice(0, 19)}</td>
                  <td className="numeric">
                    <Money value={withdrawal.amount} unit={withdrawal.asset} />
                  </td>
                  <td>
                    <code>…{withdrawal.address.slice(-8)}</code>
                  </td>
                  <td>{withdrawal.status}</td>
                  <td className="numeric">
                    {withdrawal.status === "held" || withdrawal.status === "approved" ? (
                      <Form method="post">
                        <input type="hidden" name="intent" value="cancel" />
                        <input type="hidden" name="withdrawalId" value={withdrawal.id} />
                        <button className="link-button" type="submit">
                          Cancel
                        </button>
                      </Form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </article>
    </section>
  );
}
