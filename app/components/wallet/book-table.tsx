import { CoinIcon } from "../coin-icon.tsx";
import { type Column, DataTable } from "../data-table.tsx";
import { Money, signOf } from "../money.tsx";
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
    cell: (wallet) => <Money value={wallet.available} asset={wallet.asset} />,
  },
  {
    id: "locked",
    header: "In orders",
    numeric: true,
    cell: (wallet) => <Money value={wallet.locked} asset={wallet.asset} />,
  },
  {
    id: "value",
    header: "Value (GBP)",
    numeric: true,
    cell: (wallet) => <Money value={wallet.valueGbp} asset="GBP" className="muted" />,
  },
];

/** Nothing available, in orders or with bots. */
export function isEmptyWallet(wallet: WalletRow): boolean {
  return signOf(wallet.available) === 0 && signOf(wallet.locked) === 0 && signOf(wallet.allocated) === 0;
}

/**
 * One book's balances (LIVE or PAPER), each valued in GBP at market prices, and the book's
 * total. Every asset is listed, zero where nothing moved yet, unless `hideZero`.
 */
export function BookTable({
  mode,
  wallets,
  total,
  hideZero,
}: {
  mode: "live" | "paper";
  wallets: WalletRow[];
  total: string;
  hideZero: boolean;
}) {
  const rows = wallets.filter((wallet) => wallet.mode === mode && !(hideZero && isEmptyWallet(wallet)));
  return (
    <>
      <p className="book-total" data-testid={`total-${mode}`}>
        <span className="muted">Total value</span> <Money value={total} unit="GBP" />
      </p>
      <DataTable
        className="wallet-table"
        testId={`wallets-${mode}`}
        columns={COLUMNS}
        rows={rows}
        rowKey={(wallet) => wallet.asset}
        rowProps={(wallet) => ({ "data-asset": wallet.asset })}
        empty="Nothing in this book yet."
      />
    </>
  );
}
