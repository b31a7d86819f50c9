import { CoinIcon } from "../coin-icon.tsx";
import { Money } from "../money.tsx";
import { percentText } from "../percent.ts";
import type { ReferralTerms as Terms } from "./types.ts";

/** The programme's terms, from the catalogue the rewards are computed with. */
export function ReferralTerms({ terms }: { terms: Terms }) {
  const caps = Object.entries(terms.capPerReferee);
  return (
    <article className="panel" data-testid="referral-terms" aria-labelledby="terms-heading">
      <h2 id="terms-heading">How it works</h2>
      <ul className="terms-list">
        <li>
          People who sign up with your link pay{" "}
          <strong>{percentText(terms.refereeDiscount, { minDecimals: 0 })} less in trading fees</strong> for
          their first {terms.refereeDiscountDays} days.
        </li>
        <li>
          You earn{" "}
          <strong>{percentText(terms.referrerShareRate, { minDecimals: 0 })} of the fees they pay</strong>{" "}
          (after their discounts) for {terms.rewardWindowDays} days from their sign-up, paid in the asset the
          fee was charged in, up to a limit per person referred in each asset and book:
        </li>
      </ul>
      <ul className="cap-list" aria-label="Most one referee can earn you, per asset">
        {caps.map(([asset, cap]) => (
          <li key={asset}>
            <span className="asset-cell">
              <CoinIcon code={asset} size={18} /> {asset}
            </span>
            <Money value={cap} unit={asset} />
          </li>
        ))}
      </ul>
      <p className="hint">
        LIVE fees earn LIVE rewards; PAPER fees earn PAPER rewards, which stay in your paper book. Rewards
        come only from the people you referred, not from the people they refer. People referred are shown by
        number, never by email.
      </p>
    </article>
  );
}
