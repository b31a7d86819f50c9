import { Form } from "@remix-run/react";
import { useEffect, useState } from "react";
import type { WithdrawalAddress } from "./types.ts";

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

/** Amount, one of the active whitelisted addresses, and a fresh authenticator code. */
export function WithdrawForm({
  active,
  initialKey,
  result,
  disabled,
}: {
  active: WithdrawalAddress[];
  initialKey: string;
  result: { intent?: string; error?: { code: string } } | undefined;
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
