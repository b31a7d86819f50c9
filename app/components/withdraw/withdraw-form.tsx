import { Form } from "@remix-run/react";
import { type FormEvent, useEffect, useState } from "react";
import { checkPageAmount } from "../../../worker/services/forms/amount-field.ts";
import { sixDigitCodeProblem } from "../../../worker/services/forms/messages.ts";
import { isAssetCode } from "../../../worker/services/ledger/assets.ts";
import { InputField, useFieldChecks } from "../form.tsx";
import { Money } from "../money.tsx";
import { networkLabel } from "./address-book.tsx";
import type { WithdrawalAddress, WithdrawalLimits } from "./types.ts";
import { keyAfter, type WithdrawResult } from "./withdrawal-key.ts";

/** The form's key: see keyAfter for when it is kept and when renewed. */
function useWithdrawalKey(initial: string, result: WithdrawResult) {
  const [key, setKey] = useState(initial);
  useEffect(() => {
    if (keyAfter(result) === "renew") setKey(crypto.randomUUID());
  }, [result]);
  return key;
}

type Field = "addressId" | "amount" | "totp";

/**
 * Amount, one of the active whitelisted addresses (its network shown with it), and a fresh
 * authenticator code; the fee and what is left of the limits beside it. The amount is checked
 * as it is typed against the asset's decimals and the LIVE balance, with the check the action
 * runs too. A success clears the amount and the used code.
 */
export function WithdrawForm({
  active,
  available,
  limits,
  initialKey,
  result,
  disabled,
}: {
  active: WithdrawalAddress[];
  available: Record<string, string>;
  limits: WithdrawalLimits;
  initialKey: string;
  result: (WithdrawResult & { withdrawn?: unknown; error?: { fields?: Record<string, string> } }) | undefined;
  disabled: boolean;
}) {
  const currentKey = useWithdrawalKey(initialKey, result);
  const mine = result?.intent === "withdraw" ? result : undefined;
  const fields = mine?.error?.fields ?? {};
  const [addressId, setAddressId] = useState(active[0]?.id ?? "");
  const [amount, setAmount] = useState("");
  const [code, setCode] = useState("");
  const checks = useFieldChecks<Field>();
  const { reset } = checks;
  useEffect(() => {
    if (!mine) return;
    // Every answer spends or refuses the code; a success also ends this withdrawal's amount.
    setCode("");
    if (mine.withdrawn) setAmount("");
    reset();
  }, [mine, reset]);
  const chosen = active.find((address) => address.id === addressId) ?? active[0];
  const asset = chosen && isAssetCode(chosen.asset) ? chosen.asset : null;
  const availableText = chosen ? (available[chosen.asset] ?? "0") : "0";
  const amountCheck = asset ? checkPageAmount(asset, amount, { available: availableText }) : null;
  const amountProblem = amountCheck && !amountCheck.ok ? amountCheck.message : null;
  const codeProblem = sixDigitCodeProblem(code);
  const assetLimit = limits.perAsset24h.find((entry) => entry.asset === chosen?.asset);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    if (amountProblem || codeProblem) {
      event.preventDefault();
      checks.checkAll(["amount", "totp"]);
    }
  };

  return (
    <article className="panel" data-testid="withdraw-panel">
      <h2>Request a withdrawal</h2>
      {active.length === 0 || !chosen ? (
        <p className="muted">
          No active address yet. New addresses become usable after a 24-hour cooling-off period.
        </p>
      ) : (
        <Form
          method="post"
          className="form inline-form checked-form"
          data-testid="withdraw-form"
          onSubmit={submit}
          noValidate
        >
          <input type="hidden" name="intent" value="withdraw" />
          <input type="hidden" name="idempotencyKey" value={currentKey} />
          <div className={`field${fields.addressId ? " field-invalid" : ""}`}>
            <label htmlFor="withdraw-addressId">To</label>
            <select
              id="withdraw-addressId"
              name="addressId"
              value={chosen.id}
              onChange={(event) => {
                setAddressId(event.target.value);
                checks.edit("addressId");
              }}
              aria-describedby="withdraw-address-detail"
              aria-invalid={fields.addressId ? true : undefined}
            >
              {active.map((address) => (
                <option key={address.id} value={address.id}>
                  {address.asset} on {networkLabel(address.network)} · {address.label || "address"} · …
                  {address.address.slice(-8)}
                </option>
              ))}
            </select>
            <span id="withdraw-address-detail" className="hint" data-testid="withdraw-address-detail">
              {networkLabel(chosen.network)} network: <code>{chosen.address}</code>
            </span>
            {checks.shown("addressId", null, fields.addressId) ? (
              <span className="field-error">{fields.addressId}</span>
            ) : null}
          </div>
          <InputField
            form="withdraw"
            name="amount"
            label="Amount"
            unit={chosen.asset}
            inputMode="decimal"
            autoComplete="off"
            maxLength={40}
            value={amount}
            error={checks.shown("amount", amountProblem, fields.amount)}
            hint={
              <>
                <Money value={availableText} unit={chosen.asset} /> available
              </>
            }
            onChange={(event) => {
              setAmount(event.target.value);
              checks.edit("amount");
            }}
            onBlur={() => checks.blur("amount")}
          />
          <InputField
            form="withdraw"
            name="totp"
            label="Code"
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={12}
            value={code}
            error={checks.shown("totp", codeProblem, fields.totp)}
            onChange={(event) => {
              setCode(event.target.value);
              checks.edit("totp");
            }}
            onBlur={() => checks.blur("totp")}
          />
          <button className="button" type="submit" disabled={disabled}>
            Withdraw
          </button>
        </Form>
      )}
      <dl className="facts withdraw-facts" data-testid="withdraw-limits">
        <dt>Fee</dt>
        <dd data-testid="withdraw-fee">
          <Money value={limits.fee.amount} unit={chosen?.asset ?? limits.fee.asset} />{" "}
          <span className="muted small">{limits.fee.note}</span>
        </dd>
        {assetLimit ? (
          <>
            <dt>{assetLimit.asset} left today</dt>
            <dd>
              <Money value={assetLimit.remaining} unit={assetLimit.asset} />{" "}
              <span className="muted small">
                of <Money value={assetLimit.limit} unit={assetLimit.asset} /> per 24 h
              </span>
            </dd>
          </>
        ) : null}
        <dt>Value left today</dt>
        <dd>
          <Money value={limits.gbp24h.remaining} unit="GBP" />{" "}
          <span className="muted small">
            of <Money value={limits.gbp24h.limit} unit="GBP" /> per 24 h
          </span>
        </dd>
        <dt>Value left this month</dt>
        <dd>
          <Money value={limits.gbp30d.remaining} unit="GBP" />{" "}
          <span className="muted small">
            of <Money value={limits.gbp30d.limit} unit="GBP" /> per 30 days
          </span>
        </dd>
        <dt>Withdrawals left</dt>
        <dd>
          {limits.count24h.remaining} of {limits.count24h.limit} today · {limits.count30d.remaining} of{" "}
          {limits.count30d.limit} in 30 days
        </dd>
        <dt>Review</dt>
        <dd className="muted small">
          An operator approves withdrawals worth <Money value={limits.approvalFromGbp} unit="GBP" /> or more
          before they are sent.
        </dd>
      </dl>
    </article>
  );
}
