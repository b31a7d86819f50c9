import type { LinksFunction, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useLocation, useNavigation } from "@remix-run/react";
import { type ChangeEvent, useMemo, useState } from "react";
import { atField } from "../../worker/services/forms/messages.ts";
import { isAssetCode } from "../../worker/services/ledger/assets.ts";
import { BotPreviewPanel } from "../components/bots/bot-preview.tsx";
import { botPreview } from "../components/bots/preview.ts";
import {
  budgetProblem,
  DRAFT_FIELDS,
  type Draft,
  type DraftField,
  draftQuery,
  fieldsOfStep,
  kindOf,
  nextStep,
  previousStep,
  STEP_ERROR,
  WIZARD_STEPS,
  type WizardStepId,
} from "../components/bots/wizard.ts";
import { fieldIds } from "../components/bots/wizard-fields.tsx";
import {
  DraftSummary,
  PairStep,
  ParametersStep,
  RiskStep,
  StrategyStep,
} from "../components/bots/wizard-steps.tsx";
import { FieldError, FormError } from "../components/form.tsx";
import { Stepper } from "../components/stepper.tsx";
import botStyles from "../styles/bots.css?url";
import type { action, loader } from "./bots_.new.server.ts";

export { action, loader } from "./bots_.new.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: botStyles }];

export const meta: MetaFunction = () => [{ title: "Create a bot · CoinHubX" }];

const STEP_INTROS: Readonly<Record<WizardStepId, string>> = {
  strategy: "Choose how the bot trades.",
  pair: "Choose the market, the book it trades from, and the most it may spend.",
  parameters: "Size its orders. The preview shows exactly what it would place.",
  risk: "Decide when a deal ends.",
  review: "Check everything, then create the bot. Nothing is held until you start it.",
};

export default function NewBot() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const location = useLocation();
  // A refused Create answers with the step to fix; otherwise the loader's step.
  const step = result?.step ?? data.step;
  // A new draft or step from the server starts the form afresh.
  return <Wizard key={`${step}${location.search}`} step={step} result={result} />;
}

function Wizard({
  step,
  result,
}: {
  step: WizardStepId;
  result: ReturnType<typeof useActionData<typeof action>>;
}) {
  const data = useLoaderData<typeof loader>();
  const busy = useNavigation().state !== "idle";
  const [draft, setDraft] = useState<Draft>(data.draft);
  // A field's error stands until the trader edits that field; the step's until any edit.
  const [edited, setEdited] = useState<ReadonlySet<string>>(new Set());
  const errors: Record<string, string> = Object.fromEntries(
    Object.entries(result?.fields ?? data.errors).filter(
      ([field]) => !edited.has(field) && !(field === STEP_ERROR && edited.size > 0),
    ),
  );
  const kind = kindOf(draft);
  const pair = data.pairs.find((entry) => entry.symbol === draft.symbol);
  const quote = pair?.quote ?? "";
  // The budget is checked as it is typed, with the check the step runs on the server.
  if (step === "pair" && edited.has("budget") && pair && isAssetCode(pair.quote)) {
    const book = draft.mode === "live" || draft.mode === "paper" ? data.available[draft.mode] : undefined;
    const problem = budgetProblem(draft.budget, pair.quote, book ? (book[pair.quote] ?? "0") : undefined);
    if (problem) errors.budget = atField(problem);
  }
  const preview = useMemo(() => botPreview(draft, pair?.last ?? null), [draft, pair?.last]);
  const shownFields = new Set<DraftField>(fieldsOfStep(step, kind));

  const change = (field: DraftField) => (event: ChangeEvent<HTMLInputElement>) => {
    const value = event.target.value;
    setEdited((current) => new Set(current).add(field));
    setDraft((current) => {
      const next = { ...current, [field]: value };
      // A market the exchange does not list cannot stay LIVE.
      const chosen = data.pairs.find((entry) => entry.symbol === next.symbol);
      if (field === "symbol" && next.mode === "live" && !chosen?.liveTradable) next.mode = "paper";
      return next;
    });
  };

  const previous = previousStep(step);
  const next = nextStep(step);
  const stepProps = { draft, errors, change };
  const showPreview = step === "parameters" || step === "risk" || step === "review";
  const isReview = step === "review";

  return (
    <section className="stack wizard" data-testid="bot-wizard" data-step={step}>
      <header className="page-header">
        <p className="breadcrumb">
          <Link to="/bots">Bots</Link> <span aria-hidden="true">/</span> New
        </p>
        <h1>Create a bot</h1>
      </header>
      <Stepper
        steps={WIZARD_STEPS}
        current={step}
        label="Bot creation steps"
        hrefFor={(id) => `/bots/new${draftQuery(draft, id)}`}
      />
      <div className={showPreview ? "wizard-layout" : "wizard-layout wizard-layout-single"}>
        <Form
          method={isReview ? "post" : "get"}
          action="/bots/new"
          className="panel form wizard-form"
          aria-labelledby="wizard-step-title"
        >
          <div className="wizard-step-heading">
            <h2 id="wizard-step-title">{WIZARD_STEPS.find((entry) => entry.id === step)?.label}</h2>
            <p className="muted">{STEP_INTROS[step]}</p>
          </div>
          {/* The other steps' answers ride along, so every step's address holds the whole draft. */}
          {DRAFT_FIELDS.filter((field) => !shownFields.has(field)).map((field) => (
            <input key={field} type="hidden" name={field} value={draft[field]} />
          ))}
          {step === "strategy" ? <StrategyStep {...stepProps} /> : null}
          {step === "pair" ? (
            <PairStep
              {...stepProps}
              pairs={data.pairs}
              available={data.available}
              twoFactorEnabled={data.twoFactorEnabled}
            />
          ) : null}
          {step === "parameters" ? <ParametersStep {...stepProps} quote={quote} /> : null}
          {step === "risk" ? <RiskStep {...stepProps} quote={quote} /> : null}
          {isReview ? (
            <ReviewBody draft={draft} quote={quote} errors={errors} createKey={data.createKey} />
          ) : null}
          {errors[STEP_ERROR] ? (
            <p className="form-error" role="alert" data-testid="step-error">
              {errors[STEP_ERROR]}
            </p>
          ) : null}
          <FormError error={result?.error} />
          {/* Next comes first: Enter in a field submits the first button, which must go forward. */}
          <div className="wizard-nav">
            {next ? (
              <button
                type="submit"
                name="step"
                value={next}
                className="button"
                disabled={busy}
                data-testid="wizard-next"
              >
                Next: {WIZARD_STEPS.find((entry) => entry.id === next)?.label}
              </button>
            ) : (
              <button type="submit" className="button" disabled={busy} data-testid="wizard-create">
                {busy ? "Creating…" : "Create bot"}
              </button>
            )}
            {previous ? (
              isReview ? (
                <Link to={`/bots/new${draftQuery(draft, previous)}`} className="button button-secondary">
                  Back
                </Link>
              ) : (
                <button
                  type="submit"
                  name="step"
                  value={previous}
                  formNoValidate
                  className="button button-secondary"
                  disabled={busy}
                >
                  Back
                </button>
              )
            ) : (
              <Link to="/bots" className="button button-secondary">
                Cancel
              </Link>
            )}
          </div>
        </Form>
        {showPreview ? <BotPreviewPanel preview={preview} /> : null}
      </div>
    </section>
  );
}

function ReviewBody({
  draft,
  quote,
  errors,
  createKey,
}: {
  draft: Draft;
  quote: string;
  errors: Record<string, string>;
  createKey: string;
}) {
  const ids = fieldIds("totp");
  return (
    <>
      <input type="hidden" name="createKey" value={createKey} />
      <DraftSummary draft={draft} quote={quote} />
      {draft.mode === "live" ? (
        <div className="live-confirm" data-testid="live-confirm">
          <p>
            A LIVE bot trades real money from your live book. Creating it needs a code from your authenticator
            app; it then waits for your confirmation, and confirming and starting it each need a fresh code.
          </p>
          <div className="field">
            <label htmlFor={ids.input}>Authenticator code</label>
            <input
              id={ids.input}
              name="totp"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={8}
              required
              aria-invalid={errors.totp ? true : undefined}
              aria-describedby={errors.totp ? ids.error : undefined}
            />
            {errors.totp ? (
              <span id={ids.error}>
                <FieldError message={errors.totp} />
              </span>
            ) : null}
          </div>
        </div>
      ) : (
        <p className="muted">
          A PAPER bot trades simulated money from your paper book. It is created as a draft: start it from its
          page when you are ready.
        </p>
      )}
    </>
  );
}
