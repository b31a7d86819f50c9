import { Form, useNavigation } from "@remix-run/react";
import { type FormEvent, useEffect, useState } from "react";
import { checkPageAmount } from "../../../worker/services/forms/amount-field.ts";
import { FormError, type FormFailure, InputField, useFieldChecks } from "../form.tsx";
import { Money } from "../money.tsx";

export const CREDIT_DEPOSIT_INTENT = "credit-deposit";

type Field = "depositReference" | "amount" | "reference";

/**
 * Credits a GBP bank transfer to the trader whose deposit reference it carries, through the
 * audited ops deposit use case (POST /api/v1/ops/deposits). One Idempotency-Key per rendered
 * form, kept while the outcome is uncertain and replaced after a definite answer, as on the
 * Withdraw page: a double click or a retried post credits once.
 */
export function DepositCredit({
  depositKey,
  result,
}: {
  depositKey: string;
  result:
    | {
        credited?: { amount: string; asset: string; depositReference: string; entryId: string };
        error?: FormFailure & { code: string; fields?: Record<string, string> };
      }
    | undefined;
}) {
  const navigation = useNavigation();
  const busy = navigation.state !== "idle" && navigation.formData?.get("intent") === CREDIT_DEPOSIT_INTENT;
  const [key, setKey] = useState(depositKey);
  const [amount, setAmount] = useState("");
  const checks = useFieldChecks<Field>();
  const { reset } = checks;
  useEffect(() => {
    if (!result) return;
    if (result.error?.code !== "service_unavailable") setKey(crypto.randomUUID());
    if (result.credited) setAmount("");
    reset();
  }, [result, reset]);
  const fields = result?.error?.fields ?? {};
  const amountCheck = checkPageAmount("GBP", amount);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    if (!amountCheck.ok) {
      event.preventDefault();
      checks.checkAll(["amount"]);
    }
  };
  return (
    <article className="panel" data-testid="ops-deposit">
      <h2>Credit a bank transfer</h2>
      <p className="muted">
        A GBP transfer received with a trader's deposit reference: credit it to their LIVE book. Audited; each
        transfer is credited once.
      </p>
      {result?.credited ? (
        <p className="status status-positive" role="status" data-testid="ops-deposit-done">
          Credited <Money value={result.credited.amount} unit={result.credited.asset} /> to{" "}
          {result.credited.depositReference}.
        </p>
      ) : null}
      <FormError error={result?.error && !result.error.fields ? result.error : undefined} />
      <Form
        key={result?.credited ? result.credited.entryId : "form"}
        method="post"
        className="form inline-form checked-form"
        onSubmit={submit}
        noValidate
        data-testid="ops-deposit-form"
      >
        <input type="hidden" name="intent" value={CREDIT_DEPOSIT_INTENT} />
        <input type="hidden" name="idempotencyKey" value={key} />
        <InputField
          form="ops-deposit"
          name="depositReference"
          label="Deposit reference"
          placeholder="CHX…"
          autoComplete="off"
          spellCheck={false}
          maxLength={40}
          required
          error={checks.shown("depositReference", null, fields.depositReference)}
          onChange={() => checks.edit("depositReference")}
        />
        <InputField
          form="ops-deposit"
          name="amount"
          label="Amount"
          unit="GBP"
          inputMode="decimal"
          autoComplete="off"
          maxLength={40}
          value={amount}
          error={checks.shown("amount", amountCheck.ok ? null : amountCheck.message, fields.amount)}
          onChange={(event) => {
            setAmount(event.target.value);
            checks.edit("amount");
          }}
          onBlur={() => checks.blur("amount")}
        />
        <InputField
          form="ops-deposit"
          name="reference"
          label="Bank transaction id"
          autoComplete="off"
          maxLength={255}
          required
          error={checks.shown("reference", null, fields.reference)}
          onChange={() => checks.edit("reference")}
        />
        <button className="button" type="submit" disabled={busy}>
          {busy ? "Crediting…" : "Credit deposit"}
        </button>
      </Form>
    </article>
  );
}
