import { CoinIcon } from "../coin-icon.tsx";
import { type Column, DataTable } from "../data-table.tsx";
import { Money } from "../money.tsx";
import type { WalletRow } from "./types.ts";

const COLUMNS: Column<WalletRow>[] = [
  {
    id: "asset",
    header: "Asset",
    cell: (wallet) => (
      <span className="asset-cell">
        <CoinIcon code={wallet.asset} /> {wallet.asset}
      </span>
    ),
  },
  {
    id: "available",
    header: "Available",
    numeric: true,
    cell: (wallet) => <Money value={wallet.available} />,
  },
  { id: "locked", header: "In orders", numeric: true, cell: (wallet) => <Money value={wallet.locked} /> },
];

/** One book's balances (LIVE or PAPER): every asset, zero where nothing moved yet. */
export function BookTable({ mode, wallets }: { mode: "live" | "paper"; wallets: WalletRow[] }) {
  return (
    <DataTable
      testId={`wallets-${mode}`}
      columns={COLUMNS}
      rows={wallets.filter((wallet) => wallet.mode === mode)}
      rowKey={(wallet) => wallet.asset}
      rowProps={(wallet) => ({ "data-asset": wallet.asset })}
    />
  );
}
