import { CoinIcon } from "../coin-icon.tsx";
import { ModeBadge } from "../mode-badge.tsx";
import { Money } from "../money.tsx";

/** What referrals have earned, per asset and book (paid and pending together). */
export function RewardTotals({
  totals,
}: {
  totals: readonly { asset: string; amount: string; mode: "live" | "paper" }[];
}) {
  if (totals.length === 0) {
    return <p className="muted">Nothing earned yet.</p>;
  }
  const sorted = [...totals].sort((a, b) =>
    a.mode === b.mode ? a.asset.localeCompare(b.asset) : a.mode === "live" ? -1 : 1,
  );
  return (
    <ul className="reward-totals" data-testid="reward-totals">
      {sorted.map((total) => (
        <li key={`${total.mode}:${total.asset}`} data-asset={total.asset} data-mode={total.mode}>
          <span className="asset-cell">
            <CoinIcon code={total.asset} size={18} /> <ModeBadge mode={total.mode} />
          </span>
          <Money value={total.amount} unit={total.asset} />
        </li>
      ))}
    </ul>
  );
}
