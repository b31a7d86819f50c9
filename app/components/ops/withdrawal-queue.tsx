import { Form } from "@remix-run/react";
import type { WITHDRAWAL_ACTIONS } from "../../routes/ops.server.ts";
import { type Column, DataTable } from "../data-table.tsx";
import { DateTime } from "../date-time.tsx";
import { FormError } from "../form.tsx";
import { Money } from "../money.tsx";
import type { PendingWithdrawal } from "./types.ts";

/** What an operator may do next with a withdrawal in each waiting status. */
const NEXT_ACTIONS: Record<string, readonly (typeof WITHDRAWAL_ACTIONS)[number][]> = {
  held: ["approve", "reject"],
  approved: ["process", "reject"],
  processing: ["complete", "fail"],
};

const COLUMNS: Column<PendingWithdrawal>[] = [
  { id: "requested", header: "Requested", cell: (withdrawal) => <DateTime value={withdrawal.createdAt} /> },
  {
    id: "amount",
    header: "Amount",
    numeric: true,
    cell: (withdrawal) => <Money value={withdrawal.amount} unit={withdrawal.asset} />,
  },
  { id: "to", header: "To", cell: (withdrawal) => <code>…{withdrawal.address.slice(-10)}</code> },
  { id: "status", header: "Status", cell: (withdrawal) => withdrawal.status },
  {
    id: "actions",
    cell: (withdrawal) => (
      <Form method="post" className="inline-actions">
        <input type="hidden" name="withdrawalId" value={withdrawal.id} />
        {withdrawal.status === "processing" ? (
          <input name="transactionReference" placeholder="Transaction reference" maxLength={200} />
        ) : null}
        {(NEXT_ACTIONS[withdrawal.status] ?? []).map((transition) => (
          <button
            key={transition}
            className="button button-secondary button-small"
            name="transition"
            value={transition}
            type="submit"
          >
            {transition}
          </button>
        ))}
      </Form>
    ),
  },
];

/** Withdrawals waiting for an operator (held, approved, processing), each with its next steps. */
export function WithdrawalQueue({
  withdrawals,
  error,
}: {
  withdrawals: PendingWithdrawal[];
  error: { code: string; message: string } | undefined;
}) {
  return (
    <article className="panel" data-testid="ops-withdrawals">
      <h2>Pending withdrawals</h2>
      <FormError error={error} />
      <DataTable
        columns={COLUMNS}
        rows={withdrawals}
        rowKey={(withdrawal) => withdrawal.id}
        empty="No withdrawal waits for an operator."
      />
    </article>
  );
}
