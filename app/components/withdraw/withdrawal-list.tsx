import { Form } from "@remix-run/react";
import { type Column, DataTable } from "../data-table.tsx";
import { DateTime } from "../date-time.tsx";
import { Money } from "../money.tsx";
import type { Withdrawal } from "./types.ts";

const COLUMNS: Column<Withdrawal>[] = [
  { id: "requested", header: "Requested", cell: (withdrawal) => <DateTime value={withdrawal.createdAt} /> },
  {
    id: "amount",
    header: "Amount",
    numeric: true,
    cell: (withdrawal) => <Money value={withdrawal.amount} unit={withdrawal.asset} />,
  },
  { id: "to", header: "To", cell: (withdrawal) => <code>…{withdrawal.address.slice(-8)}</code> },
  { id: "status", header: "Status", cell: (withdrawal) => withdrawal.status },
  {
    id: "cancel",
    numeric: true,
    cell: (withdrawal) =>
      withdrawal.status === "held" || withdrawal.status === "approved" ? (
        <Form method="post">
          <input type="hidden" name="intent" value="cancel" />
          <input type="hidden" name="withdrawalId" value={withdrawal.id} />
          <button className="link-button" type="submit">
            Cancel
          </button>
        </Form>
      ) : null,
  },
];

/** The trader's own withdrawals, newest first; held and approved ones can still be cancelled. */
export function WithdrawalList({ withdrawals }: { withdrawals: Withdrawal[] }) {
  return (
    <article className="panel">
      <h2>Your withdrawals</h2>
      <DataTable
        testId="withdrawals"
        columns={COLUMNS}
        rows={withdrawals}
        rowKey={(withdrawal) => withdrawal.id}
        empty="None yet."
      />
    </article>
  );
}
