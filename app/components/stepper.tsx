import { Link } from "@remix-run/react";

/**
 * The one progress indicator for multi-step flows: a line cut into one segment per step, each
 * with its number and label under it (text, never bare dots). Steps before the current one are
 * done and, when the page gives them an address, links back; the current step carries
 * aria-current="step"; later steps are plain text until reached.
 */

export interface Step<Id extends string> {
  id: Id;
  label: string;
}

export function Stepper<Id extends string>({
  steps,
  current,
  hrefFor,
  label = "Progress",
}: {
  steps: readonly Step<Id>[];
  current: Id;
  /** Where a done step links to; without it done steps are not links. */
  hrefFor?: ((id: Id) => string) | undefined;
  /** Accessible name of the list. */
  label?: string;
}) {
  const currentIndex = Math.max(
    0,
    steps.findIndex((step) => step.id === current),
  );
  return (
    <nav aria-label={label} className="stepper" data-testid="stepper">
      <ol>
        {steps.map((step, index) => {
          const state = index < currentIndex ? "done" : index === currentIndex ? "current" : "upcoming";
          const text = (
            <>
              <span className="stepper-number">{index + 1}</span>
              <span className="stepper-label">{step.label}</span>
              {state === "done" ? <span className="visually-hidden"> (done)</span> : null}
            </>
          );
          return (
            <li
              key={step.id}
              className={`stepper-step stepper-${state}`}
              aria-current={state === "current" ? "step" : undefined}
              data-step={step.id}
            >
              {state === "done" && hrefFor ? (
                <Link to={hrefFor(step.id)} className="stepper-text">
                  {text}
                </Link>
              ) : (
                <span className="stepper-text">{text}</span>
              )}
            </li>
          );
        })}
      </ol>
      <p className="visually-hidden">
        Step {currentIndex + 1} of {steps.length}
      </p>
    </nav>
  );
}
