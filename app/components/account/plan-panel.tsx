import { Form, Link } from "@remix-run/react";
import type { ReactNode } from "react";
import { DateTime } from "../date-time.tsx";
import { FormError } from "../form.tsx";
import { Money, signOf } from "../money.tsx";
import { percentText } from "../percent.ts";
import { displayName } from "./labels.ts";
import { usePlanKeys } from "./plan-key.ts";
import type { PlanActionData, PlanData, PlanName, PlanOffer } from "./types.ts";

/**
 * Bot plan: the three plans side by side, the current one marked, and buttons that post to the
 * page's action (POST /account/plan's use case). The server decides everything — prices,
 * pro-rating, whether the wallet covers it, whether the bots fit a smaller plan — the buttons
 * only ask.
 */
export function PlanPanel({
  plan,
  planKeys,
  liveGbpAvailable,
  result,
  busy,
}: {
  plan: PlanData;
  planKeys: Record<PlanName, string>;
  liveGbpAvailable: string;
  result: PlanActionData;
  busy: boolean;
}) {
  const keys = usePlanKeys(planKeys, result);
  const current = plan.plan.name;
  const rankOf = (name: PlanName) => plan.plans.findIndex((offer) => offer.name === name);
  const error = result && "error" in result ? result.error : undefined;
  // The action's answer arrives a moment before the revalidated plan: say what changed only once
  // the rest of the page shows it too.
  const changed = result && "changed" in result && !busy ? result.changed : undefined;
  return (
    <article className="panel account-section" data-testid="bot-plan" aria-labelledby="bot-plan-heading">
      <div className="panel-header">
        <h2 id="bot-plan-heading">Bot plan</h2>
        <span className="badge" data-testid="current-plan">
          {displayName(current)} plan
        </span>
      </div>
      <p className="muted plan-explainer">
        Upgrades are charged to your live GBP wallet at once (between paid plans, only the difference for what
        is left of the period); downgrades take effect when the paid period ends.
      </p>
      {plan.notice ? (
        <p className="notice-inline" role="status" data-testid="plan-notice">
          <DateTime value={plan.notice.at} />: {plan.notice.message}
        </p>
      ) : null}
      {plan.scheduledPlan !== null && plan.renewsAt !== null ? (
        <div className="plan-scheduled" data-testid="plan-scheduled">
          <span>
            Moves to {displayName(plan.scheduledPlan)} on <DateTime value={plan.renewsAt} />; nothing more is
            charged.
          </span>
          <PlanButton
            plan={current}
            idempotencyKey={keys[current]}
            busy={busy}
            className="button button-secondary button-small"
            testId="plan-cancel-downgrade"
          >
            Cancel, keep {displayName(current)}
          </PlanButton>
        </div>
      ) : null}
      {changed ? (
        <p className="status status-positive" role="status" data-testid="plan-message">
          {changed.scheduledPlan !== null && changed.scheduledPlan === result?.plan && changed.renewsAt ? (
            <>
              Your plan moves to {displayName(changed.scheduledPlan)} on <DateTime value={changed.renewsAt} />
              . Until then you keep {displayName(changed.current)}.
            </>
          ) : (
            <>
              You are on the {displayName(changed.current)} plan
              {changed.renewsAt ? (
                <>
                  ; it renews on <DateTime value={changed.renewsAt} />
                </>
              ) : null}
              .
            </>
          )}
        </p>
      ) : null}
      <FormError error={error} />
      <div className="plan-grid" data-testid="plan-cards">
        {plan.plans.map((offer) => (
          <PlanCard
            key={offer.name}
            offer={offer}
            current={offer.name === current}
            renewsAt={offer.name === current ? plan.renewsAt : null}
            scheduled={offer.name === plan.scheduledPlan ? plan.renewsAt : null}
          >
            {offer.name === current || offer.name === plan.scheduledPlan ? null : (
              <PlanButton
                plan={offer.name}
                idempotencyKey={keys[offer.name]}
                busy={busy}
                className={rankOf(offer.name) > rankOf(current) ? "button" : "button button-secondary"}
                testId={`plan-choose-${offer.name}`}
              >
                {rankOf(offer.name) > rankOf(current) ? "Upgrade" : "Downgrade"} to {displayName(offer.name)}
              </PlanButton>
            )}
          </PlanCard>
        ))}
      </div>
      <p className="hint">
        Live GBP available: <Money value={liveGbpAvailable} unit="GBP" /> · <Link to="/wallet">Wallet</Link>
      </p>
    </article>
  );
}

function PlanCard({
  offer,
  current,
  renewsAt,
  scheduled,
  children,
}: {
  offer: PlanOffer;
  current: boolean;
  renewsAt: string | null;
  scheduled: string | null;
  children: ReactNode;
}) {
  const free = signOf(offer.monthlyPrice) === 0;
  return (
    <section
      className={current ? "plan-card plan-card-current" : "plan-card"}
      data-testid={`plan-${offer.name}`}
      data-current={current ? "true" : undefined}
      aria-label={`${displayName(offer.name)} plan`}
    >
      <header className="plan-card-header">
        <h3>{displayName(offer.name)}</h3>
        {current ? <span className="badge badge-current">Current plan</span> : null}
      </header>
      <p className="plan-price">
        {free ? (
          "No charge"
        ) : (
          <>
            <Money value={offer.monthlyPrice} unit={offer.priceAsset} />
            <span className="muted"> / 30 days</span>
          </>
        )}
      </p>
      <dl className="plan-terms">
        <div>
          <dt>Bots at once</dt>
          <dd className="numeric">{offer.maxActiveBots}</dd>
        </div>
        <div>
          <dt>Of which LIVE</dt>
          <dd className="numeric">{offer.liveBotsAllowed}</dd>
        </div>
        <div>
          <dt>Budget per bot</dt>
          <dd>
            <Money value={offer.maxBudgetPerBot} unit={offer.maxBudgetAsset} />
          </dd>
        </div>
        <div>
          <dt>Trading fee discount</dt>
          <dd className="numeric">
            {signOf(offer.feeDiscount) === 0 ? "—" : percentText(offer.feeDiscount, { minDecimals: 0 })}
          </dd>
        </div>
      </dl>
      <footer className="plan-card-footer">
        {current && renewsAt ? (
          <p className="hint">
            Renews on <DateTime value={renewsAt} />
          </p>
        ) : null}
        {scheduled ? (
          <p className="hint">
            Starts on <DateTime value={scheduled} />
          </p>
        ) : null}
        {children}
      </footer>
    </section>
  );
}

function PlanButton({
  plan,
  idempotencyKey,
  busy,
  className,
  testId,
  children,
}: {
  plan: PlanName;
  idempotencyKey: string;
  busy: boolean;
  className: string;
  testId: string;
  children: ReactNode;
}) {
  return (
    <Form method="post" preventScrollReset className="plan-form">
      <input type="hidden" name="intent" value="change-plan" />
      <input type="hidden" name="plan" value={plan} />
      <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
      <button type="submit" className={className} disabled={busy} data-testid={testId}>
        {children}
      </button>
    </Form>
  );
}
