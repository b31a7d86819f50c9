import { Form } from "@remix-run/react";
import { type FormEvent, useEffect, useState } from "react";
import { checkPageAmount } from "../../../worker/services/forms/amount-field.ts";
import { ASSET_CODES, type AssetCode, isAssetCode } from "../../../worker/services/ledger/assets.ts";
import { FormError, type FormFailure, InputField, useFieldChecks } from "../form.tsx";
import { Money } from "../money.tsx";

/**
 * Simulated money into the PAPER book, once per rendered form (its idempotency key). The amount
 * is checked as it is typed (decimals of the asset, thousands separators, more than zero) with
 * the same check the action runs; a success clears the field and every old error.
 */
export function PaperDepositForm({
  depositKey,
  busy,
  deposited,
  error,
}: {
  depositKey: string;
  busy: boolean;
  deposited: { asset: string; amount: string; entryId: string } | undefined;
  error: (FormFailure & { fields?: Record<string, string> }) | undefined;
}) {
  const [asset, setAsset] = useState<AssetCode>("GBP");
  const [amount, setAmount] = useState("");
  const checks = useFieldChecks<"amount">();
  const { reset } = checks;
  useEffect(() => {
    if (deposited) setAmount("");
    if (deposited || error) reset();
  }, [deposited, error, reset]);
  const check = checkPageAmount(asset, amount);
  const amountError = checks.shown("amount", check.ok ? null : check.message, error?.fields?.amount);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    if (!check.ok) {
      event.preventDefault();
      checks.checkAll(["amount"]);
    }
  };
  const requestError = error && !error.fields ? error : undefined;
  return (
    <>
      <Form
        method="post"
        className="form inline-form paper-form checked-form"
        data-testid="paper-deposit-form"
        onSubmit={submit}
        noValidate
      >
        <input type="hidden" name="idempotencyKey" value={depositKey} />
        <div className="field">
          <label htmlFor="paper-asset">Asset</label>
          <select
            id="paper-asset"
            name="asset"
            value={asset}
            onChange={(event) => {
              if (isAssetCode(event.target.value)) setAsset(event.target.value);
            }}
          >
            {ASSET_CODES.map((code) => (
              <option key={code} value={code}>
                {code}
              </option>
            ))}
          </select>
        </div>
        <InputField
          form="paper"
          name="amount"
          label="Amount"
          inputMode="decimal"
          autoComplete="off"
          placeholder="10,000.00"
          maxLength={40}
          value={amount}
          error={amountError}
          onChange={(event) => {
            setAmount(event.target.value);
            checks.edit("amount");
          }}
          onBlur={() => checks.blur("amount")}
        />
        <button className="button" type="submit" disabled={busy}>
          Add paper funds
        </button>
      </Form>
      {deposited ? (
        <p className="status status-positive" role="status" data-testid="deposit-done">
          Added <Money value={deposited.amount} unit={deposited.asset} /> to your paper book.
        </p>
      ) : null}
      <FormError error={requestError} />
    </>
  );
}
