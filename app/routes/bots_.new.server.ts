import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { validate } from "../../worker/api/validation.ts";
import { parseDcaParams, parseGridParams } from "../../worker/services/bots/strategy/index.ts";
import { atField } from "../../worker/services/forms/messages.ts";
import type { WalletView } from "../../worker/services/ledger/movements.ts";
import { isMarketSymbol, listMarkets, MARKET_SYMBOLS, MARKETS } from "../../worker/services/markets/index.ts";
import { isLiveTradable, type MarketSummaryView } from "../../worker/services/markets/view.ts";
import { createBot, createBotInput } from "../../worker/use-cases/bots.ts";
import { type Caller, signedIn } from "../../worker/use-cases/caller.ts";
import { myWallets } from "../../worker/use-cases/wallets.ts";
import { botPreview } from "../components/bots/preview.ts";
import {
  budgetProblem,
  type Draft,
  draftFrom,
  fieldsOfStep,
  isStep,
  kindOf,
  paramsOf,
  STEP_ERROR,
  stepOfField,
  WIZARD_STEPS,
  type WizardStepId,
} from "../components/bots/wizard.ts";
import type { PairChoice } from "../components/bots/wizard-steps.tsx";
import { amountText } from "../components/money.tsx";
import { withDependencies } from "../utils/dependencies.server.ts";
import { pageCaller, toActionFailure } from "../utils/session.server.ts";

/**
 * The bot wizard's server side. Each step is a GET of /bots/new with the whole draft in the
 * search params; the loader checks every step before the one asked for, with the same parsers
 * POST /bots uses (worker/services/bots/strategy/params.ts), and opens the first step that
 * fails, its errors at its fields. The final POST calls `createBot`, the use case behind
 * POST /bots, which decides: its field errors are shown on the step that asks for the field.
 */

export type FieldErrors = Record<string, string>;

interface DraftContext {
  pairs: PairChoice[];
  wallets: WalletView[];
  twoFactorEnabled: boolean;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const caller = await withDependencies(() => pageCaller(context, request));
  const url = new URL(request.url);
  const draft = draftFrom(url.searchParams);
  const asked = url.searchParams.get("step");
  const requested: WizardStepId = isStep(asked) ? asked : "strategy";
  const [markets, wallets] = await withDependencies(() =>
    Promise.all([
      // Without prices the wizard still opens; the preview and the checks say what is missing.
      listMarkets(context.services).catch((): MarketSummaryView[] => []),
      myWallets(caller),
    ]),
  );
  const pairs = MARKET_SYMBOLS.map((symbol): PairChoice => {
    const market = MARKETS[symbol];
    return {
      symbol,
      base: market.base,
      quote: market.quote,
      last: markets.find((entry) => entry.symbol === symbol)?.last ?? null,
      liveTradable: isLiveTradable(market, context.services.config),
    };
  });
  const twoFactorEnabled = signedIn(caller).twoFactorEnabled;
  const { step, errors } = firstFailingStep(draft, requested, { pairs, wallets, twoFactorEnabled });
  return {
    draft,
    step,
    errors,
    pairs,
    available: availableByBook(wallets),
    twoFactorEnabled,
    /** The creation's Idempotency-Key: a double click on Create makes one bot. */
    createKey: crypto.randomUUID(),
  };
}

function availableByBook(wallets: WalletView[]) {
  const books: Record<"paper" | "live", Record<string, string>> = { paper: {}, live: {} };
  for (const wallet of wallets) books[wallet.mode][wallet.asset] = wallet.available;
  return books;
}

/** Opens `requested` only when every step before it is valid; otherwise the first that is not. */
function firstFailingStep(
  draft: Draft,
  requested: WizardStepId,
  context: DraftContext,
): { step: WizardStepId; errors: FieldErrors } {
  for (const { id } of WIZARD_STEPS) {
    if (id === requested) break;
    const errors = stepErrors(id, draft, context);
    if (Object.keys(errors).length > 0) return { step: id, errors };
  }
  return { step: requested, errors: {} };
}

function stepErrors(step: WizardStepId, draft: Draft, context: DraftContext): FieldErrors {
  switch (step) {
    case "strategy":
      return draft.type === "dca" || draft.type === "grid" ? {} : { type: "Choose DCA or Grid." };
    case "pair":
      return pairErrors(draft, context);
    case "parameters":
      return parameterErrors(draft, context);
    case "risk":
      return riskErrors(draft);
    case "review":
      return {};
  }
}

function pairErrors(draft: Draft, context: DraftContext): FieldErrors {
  const errors: FieldErrors = {};
  if (!isMarketSymbol(draft.symbol)) {
    errors.symbol = "Choose a market.";
    return errors;
  }
  const market = MARKETS[draft.symbol];
  if (draft.mode !== "paper" && draft.mode !== "live") {
    errors.mode = "Choose PAPER or LIVE.";
  } else if (
    draft.mode === "live" &&
    !context.pairs.find((pair) => pair.symbol === market.symbol)?.liveTradable
  ) {
    errors.mode = `${market.symbol} can only be traded on paper.`;
  } else if (draft.mode === "live" && !context.twoFactorEnabled) {
    errors.mode = "LIVE bots need two-factor authentication: turn it on in Security first.";
  }
  // The same check the budget field runs as the trader types (wizard.ts budgetProblem).
  const wallet = context.wallets.find((entry) => entry.mode === draft.mode && entry.asset === market.quote);
  const problem = budgetProblem(
    draft.budget,
    market.quote,
    errors.mode ? undefined : (wallet?.available ?? "0"),
  );
  if (problem) errors.budget = atField(problem);
  return errors;
}

function parameterErrors(draft: Draft, context: DraftContext): FieldErrors {
  const last = context.pairs.find((pair) => pair.symbol === draft.symbol)?.last ?? null;
  const preview = botPreview(draft, last);
  if (preview.kind === "incomplete") {
    const errors: FieldErrors = Object.fromEntries(
      preview.problems.map((problem) => [problem.field, sentence(problem.message)]),
    );
    if (preview.problems.length === 0) errors[STEP_ERROR] = preview.message ?? "These values cannot be used.";
    return errors;
  }
  if (preview.covered === false) {
    return {
      [STEP_ERROR]: `Your budget of ${amountText(preview.budget ?? "0", preview.quote)} does not cover these orders: they need at least ${amountText(preview.required, preview.quote)}, fees included. Lower the orders, or raise the budget in step 2.`,
    };
  }
  return {};
}

function riskErrors(draft: Draft): FieldErrors {
  const kind = kindOf(draft);
  if (!isMarketSymbol(draft.symbol)) return {};
  const parsed =
    kind === "dca"
      ? parseDcaParams(draft.symbol, paramsOf(draft))
      : parseGridParams(draft.symbol, paramsOf(draft));
  if (parsed.ok) return {};
  const wanted: readonly string[] = fieldsOfStep("risk", kind);
  return Object.fromEntries(
    Object.entries(parsed.fieldErrors)
      .filter(([field]) => wanted.includes(field))
      .map(([field, message]) => [field, sentence(message)]),
  );
}

/** The strategy's messages read after the field's label ("must be …"): as a sentence on its own. */
function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

const PAGE_KEY = /^[A-Za-z0-9-]{8,64}$/;

export async function action({ request, context }: ActionFunctionArgs) {
  const caller = await withDependencies(() => pageCaller(context, request));
  const form = await request.formData();
  const draft = draftFrom(form);
  const key = String(form.get("createKey") ?? "");
  if (!PAGE_KEY.test(key)) {
    return failure(draft, { code: "invalid_request", message: "Reload the page and try again." });
  }
  try {
    const bot = await create(caller, draft, form.get("totp"), key);
    return redirect(`/bots/${bot.id}?created=1`);
  } catch (error) {
    return failure(draft, toActionFailure(error).error);
  }
}

async function create(caller: Caller, draft: Draft, code: FormDataEntryValue | null, key: string) {
  const symbol = isMarketSymbol(draft.symbol) ? draft.symbol : null;
  const input = validate(createBotInput, {
    type: draft.type,
    symbol: draft.symbol,
    mode: draft.mode,
    budget: draft.budget,
    budgetAsset: symbol ? MARKETS[symbol].quote : "",
    params: paramsOf(draft),
    totp: draft.mode === "live" && typeof code === "string" ? code : undefined,
    idempotencyKey: `page:${key}`,
  });
  return createBot(caller, input);
}

type Failure = { code: string; message: string; fields?: Record<string, string> };

/** The server's refusal, each field error on the step that asks for the field. */
function failure(draft: Draft, error: Failure) {
  const kind = kindOf(draft);
  const fields: FieldErrors = {};
  for (const [name, message] of Object.entries(error.fields ?? {})) {
    const field = name.replace(/^params\./, "");
    fields[field === "budgetAsset" ? "budget" : field] = sentence(message);
  }
  if (error.code === "totp_required" || error.code === "totp_invalid") fields.totp = error.message;
  if (error.code === "two_factor_not_enabled") fields.mode = error.message;
  const order = WIZARD_STEPS.map((step) => step.id);
  const steps = Object.keys(fields).map((field) => stepOfField(field, kind));
  const step = steps.sort((a, b) => order.indexOf(a) - order.indexOf(b))[0] ?? "review";
  return { error: { code: error.code, message: error.message }, fields, step };
}
