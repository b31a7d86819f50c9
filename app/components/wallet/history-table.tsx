import { type Column, DataTable } from "../data-table.tsx";
import { DateTime } from "../date-time.tsx";
import { ModeBadge } from "../mode-badge.tsx";
import { Money, signOf } from "../money.tsx";
import type { HistoryRow } from "./types.ts";

/** Why a balance changed, in the trader's words (the ledger's entry types). */
const TYPE_LABELS: Record<string, string> = {
  paper_deposit: "Paper funding",
  ops_deposit: "Deposit",
  order_hold: "Order placed",
  order_release: "Order released",
  fill: "Trade",
  withdrawal_hold: "Withdrawal requested",
  withdrawal_settle: "Withdrawal sent",
  withdrawal_release: "Withdrawal returned",
  bot_allocate: "Bot allocation",
  bot_return: "Bot return",
};

const COLUMNS: Column<HistoryRow>[] = [
  { id: "when", header: "When", cell: (row) => <DateTime value={row.createdAt} /> },
  {
    id: "what",
    header: "What",
    cell: (row) => (
      <>
        <div>{TYPE_LABELS[row.type] ?? row.type}</div>
        {row.fees
          .filter((fee) => signOf(fee.amount) !== 0 || signOf(fee.discount) !== 0)
          .map((fee) => (
            <div key={fee.asset} className="history-fee-label muted small">
              Fee
            </div>
          ))}
      </>
    ),
  },
  { id: "book", header: "Book", cell: (row) => <ModeBadge mode={row.mode} /> },
  {
    id: "change",
    header: "Change",
    numeric: true,
    // The available side only: a hold moves money between buckets, not out of the wallet. The
    // fee is its own line under the trade, so a fill shows what was bought and what it cost.
    cell: (row) => (
      <>
        {row.changes
          .filter((change) => change.bucket === "available")
          .map((change) => (
            <div key={`${change.asset}-${change.bucket}`}>
              <Money value={change.amount} unit={change.asset} change />
            </div>
          ))}
        {row.fees
          .filter((fee) => signOf(fee.amount) !== 0 || signOf(fee.discount) !== 0)
          .map((fee) => (
            <div key={`fee-${fee.asset}`} className="history-fee" data-testid="history-fee">
              <Money value={`-${fee.amount}`} unit={fee.asset} />
              {signOf(fee.discount) !== 0 ? (
                <span className="muted small">
                  {" "}
                  (<Money value={fee.discount} unit={fee.asset} /> off)
                </span>
              ) : null}
            </div>
          ))}
      </>
    ),
  },
];

export function HistoryTable({ history }: { history: HistoryRow[] }) {
  return (
    <DataTable
      testId="wallet-history"
      columns={COLUMNS}
      rows={history}
      rowKey={(row) => row.id}
      empty="No movements yet. Add paper funds to start PAPER trading."
    />
  );
}
