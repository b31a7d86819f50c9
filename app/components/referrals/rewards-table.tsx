import { CoinIcon } from "../coin-icon.tsx";
import { type Column, DataTable } from "../data-table.tsx";
import { DateTime } from "../date-time.tsx";
import { ModeBadge } from "../mode-badge.tsx";
import { Money } from "../money.tsx";
import type { RewardRow } from "./types.ts";

const COLUMNS: Column<RewardRow>[] = [
  { id: "at", header: "Time", cell: (reward) => <DateTime value={reward.at} /> },
  { id: "referee", header: "From", cell: (reward) => reward.referee },
  {
    id: "asset",
    header: "Asset",
    cell: (reward) => (
      <span className="asset-cell">
        <CoinIcon code={reward.asset} /> {reward.asset}
      </span>
    ),
  },
  {
    id: "amount",
    header: "Reward",
    numeric: true,
    cell: (reward) => <Money value={reward.amount} unit={reward.asset} />,
  },
  { id: "mode", header: "Book", cell: (reward) => <ModeBadge mode={reward.mode} /> },
  {
    id: "status",
    header: "Status",
    cell: (reward) => (
      <span className={reward.status === "paid" ? "badge badge-paid" : "badge"}>
        {reward.status === "paid" ? "Paid" : "Pending"}
      </span>
    ),
  },
];

/** Every reward earned, newest first: which referee's fees earned it, in which asset and book. */
export function RewardsTable({ rewards }: { rewards: readonly RewardRow[] }) {
  return (
    <DataTable
      testId="reward-history"
      className="rewards-table"
      columns={COLUMNS}
      rows={rewards}
      rowKey={(reward) => reward.key}
      rowProps={(reward) => ({ "data-asset": reward.asset, "data-mode": reward.mode })}
      empty="No rewards yet. You earn a share of the fees the people you refer pay when they trade."
    />
  );
}
