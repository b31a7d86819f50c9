import { Form, Link } from "@remix-run/react";
import type { OnboardingStep, OnboardingStepId } from "../../../worker/use-cases/onboarding.ts";

const STEP_TEXT: Readonly<Record<OnboardingStepId, { label: string; href: string; action: string }>> = {
  two_factor: { label: "Turn on two-factor authentication", href: "/security", action: "Set up 2FA" },
  paper_funds: { label: "Fund your paper wallet", href: "/wallet#paper-deposit", action: "Add paper funds" },
  first_trade: { label: "Place your first trade", href: "/trade", action: "Trade" },
  first_bot: { label: "Create your first bot", href: "/bots/new", action: "Create a bot" },
};

/**
 * First steps after sign-up. Each ticks itself off from the trader's own data (the loader's
 * use case derives them); the list goes once every step is done, or when dismissed.
 */
export function OnboardingChecklist({ steps }: { steps: OnboardingStep[] }) {
  const done = steps.filter((step) => step.done).length;
  return (
    <article className="panel onboarding" data-testid="onboarding" aria-labelledby="onboarding-title">
      <div className="panel-header">
        <h2 id="onboarding-title">
          Get started <span className="muted small">{`${done} of ${steps.length} done`}</span>
        </h2>
        {/* The Wallet page keeps the dismissal, wherever the list is shown. */}
        <Form method="post" action="/wallet">
          <input type="hidden" name="intent" value="dismiss-onboarding" />
          <button type="submit" className="link-button small" data-testid="onboarding-dismiss">
            Dismiss
          </button>
        </Form>
      </div>
      <ol className="onboarding-steps">
        {steps.map((step) => {
          const text = STEP_TEXT[step.id];
          return (
            <li
              key={step.id}
              className={step.done ? "onboarding-step done" : "onboarding-step"}
              data-testid={`onboarding-${step.id}`}
              data-done={step.done ? "true" : "false"}
            >
              <span className="onboarding-tick" aria-hidden="true">
                {step.done ? "✓" : ""}
              </span>
              <span className="onboarding-label">
                {text.label}
                <span className="visually-hidden">{step.done ? " (done)" : " (to do)"}</span>
              </span>
              {step.done ? null : (
                <Link to={text.href} className="button button-small button-secondary">
                  {text.action}
                </Link>
              )}
            </li>
          );
        })}
      </ol>
    </article>
  );
}
