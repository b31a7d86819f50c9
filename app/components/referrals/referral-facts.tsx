import { RewardTotals } from "./reward-totals.tsx";

/** How many signed up with the trader's link and what they earned (Account and Referrals pages). */
export function ReferralFacts({
  referees,
  totals,
  earnedLabel,
  className = "referral-facts",
}: {
  referees: number;
  totals: readonly { asset: string; amount: string; mode: "live" | "paper" }[];
  earnedLabel: string;
  className?: string;
}) {
  return (
    <dl className={className}>
      <div>
        <dt className="figure-label">People referred</dt>
        <dd className="figure-value numeric" data-testid="referees-count">
          {referees}
        </dd>
      </div>
      <div>
        <dt className="figure-label">{earnedLabel}</dt>
        <dd>
          <RewardTotals totals={totals} />
        </dd>
      </div>
    </dl>
  );
}
