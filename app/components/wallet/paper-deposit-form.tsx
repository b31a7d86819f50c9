import { Form } from "@remix-run/react";
import { ASSET_CODES } from "../../../worker/services/ledger/assets.ts";
import { FormError } from "../form.tsx";
import { Money } from "../money.tsx";

/** Simulated money into the PAPER book, once per rendered form (its idempotency key). */
export function PaperDepositForm({
  depositKey,
  busy,
  deposited,
  error,
}: {
  depositKey: string;
  busy: boolean;
  deposited: { asset: string; amount: string } | undefined;
  error: { code: string; message: string } | undefined;
}) {
  return (
    <>
      <Form method="post" className="form inline-form paper-form" data-testid="paper-deposit-form">
        <input type="hidden" name="idempotencyKey" value={depositKey} />
        <label className="field">
          <span>Asset</span>
          <select name="asset" defaultValue="GBP">
            {ASSET_CODES.map((code) => (
              <option key={code} value={code}>
                {code}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Amount</span>
          <input name="amount" inputMode="decimal" placeholder="10000.00" required maxLength={40} />
        </label>
        <button className="button" type="submit" disabled={busy}>
          Add paper funds
        </button>
      </Form>
      {deposited ? (
        <p className="status status-positive" role="status" data-testid="deposit-done">
          Added <Money value={deposited.amount} unit={deposited.asset} /> to your paper book.
        </p>
      ) : null}
      <FormError error={error} />
    </>
  );
}
