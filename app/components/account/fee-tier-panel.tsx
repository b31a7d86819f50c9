import { Money } from "../money.tsx";
import { DiscountList, RateNow } from "./fee-rates.tsx";
import { displayName } from "./labels.ts";
import type { Fees } from "./types.ts";

/** Fee tier: the tier, the 30-day LIVE volume that earns it, the rates paid now, the next tier. */
export function FeeTierPanel({ fees }: { fees: Fees }) {
  return (
    <article className="panel account-section" data-testid="fee-tier" aria-labelledby="fee-tier-heading">
      <div className="panel-header">
        <h2 id="fee-tier-heading">Fee tier</h2>
        <span className="badge tier-badge" data-testid="fee-tier-name">
          {displayName(fees.tier)}
        </span>
      </div>
      <dl className="figures account-figures">
        <div className="figure">
          <dt className="figure-label">30-day LIVE volume</dt>
          <dd className="figure-value" data-testid="fee-volume">
            <Money value={fees.volume30d} unit={fees.volumeAsset} />
          </dd>
        </div>
        <div className="figure">
          <dt className="figure-label">Maker fee</dt>
          <dd className="figure-value">
            <RateNow now={fees.makerRate} list={fees.listMakerRate} testId="fee-maker" />
          </dd>
        </div>
        <div className="figure">
          <dt className="figure-label">Taker fee</dt>
          <dd className="figure-value">
            <RateNow now={fees.takerRate} list={fees.listTakerRate} testId="fee-taker" />
          </dd>
        </div>
      </dl>
      <DiscountList discounts={fees.discounts} />
      <TierProgress fees={fees} />
      <p className="hint">
        Tiers follow your LIVE trading volume over the last 30 days. Paper orders pay the same rates as your
        tier, and never count toward one.
      </p>
    </article>
  );
}

/** "x of y GBP — z GBP to Silver"; the bar's length is for the eye only, the figures are the API's. */
function TierProgress({ fees }: { fees: Fees }) {
  const next = fees.nextTier;
  if (next === null) {
    return (
      <p className="tier-progress-text" data-testid="tier-progress">
        You are on the top tier.
      </p>
    );
  }
  const share = Math.min(1, Math.max(0, Number(fees.volume30d) / Number(next.volumeRequired)));
  const label = `${displayName(next.tier)} tier`;
  return (
    <div className="tier-progress" data-testid="tier-progress">
      <div
        className="tier-bar"
        role="progressbar"
        aria-label={`Progress to the ${label}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.floor(share * 100)}
      >
        <span className="tier-bar-fill" style={{ width: `${share * 100}%` }} />
      </div>
      <p className="tier-progress-text">
        <Money value={fees.volume30d} unit={fees.volumeAsset} /> of{" "}
        <Money value={next.volumeRequired} unit={fees.volumeAsset} /> —{" "}
        <Money value={next.volumeRemaining} unit={fees.volumeAsset} /> to {displayName(next.tier)}
      </p>
    </div>
  );
}
