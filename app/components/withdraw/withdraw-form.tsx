import { Form } from "@remix-run/react";
import { useEffect, useState } from "react";
import type { WithdrawalAddress } from "./types.ts";
import { keyAfter, type WithdrawResult } from "./withdrawal-key.ts";

/** The form's key: see keyAfter for when it is kept and when renewed. */
function useWithdrawalKey(initial: string, result: WithdrawResult) {
  const [key, setKey] = useState(initial);
  useEffect(() => {
    if (keyAfter(result) === "renew") setKey(crypto.randomUUID());
  }, [result]);
  return key;
}

/** Amount, one of the active whitelisted addresses, and a fresh authenticator code. */
export function WithdrawForm({
  active,
  initialKey,
  result,
  disabled,
}: {
  active: WithdrawalAddress[];
  initialKey: string;
  result: WithdrawResult;
  disabled: boolean;
}) {
  const currentKey = useWithdrawalKey(initialKey, result);
  return (
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
          <button className="button" type="submit" disabled={disabled}>
            Withdraw
          </button>
        </Form>
      )}
    </article>
  );
}
