import { Link } from "@remix-run/react";
import { CopyLink } from "../referrals/copy-link.tsx";
import { ReferralFacts } from "../referrals/referral-facts.tsx";
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
        <ReferralFacts referees={referrals.referees} totals={referrals.totals} earnedLabel="Earned" />
      </div>
    </article>
  );
}
