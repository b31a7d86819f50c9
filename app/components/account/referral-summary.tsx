import { Link } from "@remix-run/react";
import { CopyLink } from "../referrals/copy-link.tsx";
import { RewardTotals } from "../referrals/reward-totals.tsx";
import type { ReferralSummaryData } from "./types.ts";

/** Referrals at a glance: the code and link to share, how many signed up, what they earned. */
export function ReferralSummary({ referrals }: { referrals: ReferralSummaryData }) {
  return (
    <article
      className="panel account-section"
      data-testid="referral-summary"
      aria-labelledby="referrals-heading"
    >
      <div className="panel-header">
        <h2 id="referrals-heading">Referrals</h2>
        <Link to="/referrals" data-testid="referrals-details">
          Terms and rewards
        </Link>
      </div>
      <div className="referral-summary-grid">
        <div className="referral-share">
          <p className="referral-code">
            Your code <code data-testid="referral-code">{referrals.code}</code>
          </p>
          <CopyLink link={referrals.link} />
        </div>
        <dl className="referral-facts">
          <div>
            <dt className="figure-label">People referred</dt>
            <dd className="figure-value numeric" data-testid="referees-count">
              {referrals.referees}
            </dd>
          </div>
          <div>
            <dt className="figure-label">Earned</dt>
            <dd>
              <RewardTotals totals={referrals.totals} />
            </dd>
          </div>
        </dl>
      </div>
    </article>
  );
}
