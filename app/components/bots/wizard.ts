import { checkPageAmount } from "../../../worker/services/forms/amount-field.ts";
import { normaliseAmountText } from "../../../worker/services/forms/messages.ts";
import type { AssetCode } from "../../../worker/services/ledger/assets.ts";

/**
 * The bot wizard's model, shared by its loader (which validates) and its page (which renders
 * and previews): the five steps, the fields each step asks for, and the draft — every field as
 * the text the trader typed. The draft travels in the URL's search params from step to step
 * (a GET form per step, the other steps' fields as hidden inputs), so a reload or the back
 * button loses nothing; only the final Create is a POST. Field names are the API's
 * (API.md "Bots"), so the server's field errors land on the field that caused them.
 */

export const WIZARD_STEPS = [
  { id: "strategy", label: "Strategy" },
  { id: "pair", label: "Pair & budget" },
  { id: "parameters", label: "Parameters" },
  { id: "risk", label: "Risk" },
  { id: "review", label: "Review & confirm" },
] as const;
export type WizardStepId = (typeof WIZARD_STEPS)[number]["id"];

export const DRAFT_FIELDS = [
  "type",
  "symbol",
  "mode",
  "budget",
  "baseOrder",
  "safetyOrder",
  "safetyOrders",
  "priceDeviationPercent",
  "volumeScale",
  "takeProfitPercent",
  "stopLossPercent",
  "cooldownSeconds",
  "lowerPrice",
  "upperPrice",
  "gridLevels",
  "spacing",
  "stopLossPrice",
  "takeProfitPrice",
] as const;
export type DraftField = (typeof DRAFT_FIELDS)[number];

/** The key of an error that belongs to a step rather than one field (the budget vs the ladder). */
export const STEP_ERROR = "_step";
export type Draft = Record<DraftField, string>;
export type BotKind = "dca" | "grid";

/** The parameters each strategy sends, in the API's names; the rest of the draft is shared. */
const PARAMETER_FIELDS: Readonly<Record<BotKind, readonly DraftField[]>> = {
  dca: ["baseOrder", "safetyOrder", "safetyOrders", "priceDeviationPercent", "volumeScale"],
  grid: ["lowerPrice", "upperPrice", "gridLevels", "spacing"],
};
const RISK_FIELDS: Readonly<Record<BotKind, readonly DraftField[]>> = {
  dca: ["takeProfitPercent", "stopLossPercent", "cooldownSeconds"],
  grid: ["stopLossPrice", "takeProfitPrice"],
};
const OPTIONAL_FIELDS: ReadonlySet<DraftField> = new Set([
  "stopLossPercent",
  "cooldownSeconds",
  "stopLossPrice",
  "takeProfitPrice",
]);
const INTEGER_FIELDS: ReadonlySet<DraftField> = new Set(["safetyOrders", "cooldownSeconds", "gridLevels"]);

export const FIELD_LABELS: Readonly<Record<DraftField, string>> = {
  type: "Strategy",
  symbol: "Market",
  mode: "Mode",
  budget: "Budget",
  baseOrder: "Base order",
  safetyOrder: "Safety order",
  safetyOrders: "Safety orders",
  priceDeviationPercent: "Price deviation",
  volumeScale: "Volume scale",
  takeProfitPercent: "Take profit",
  stopLossPercent: "Stop loss",
  cooldownSeconds: "Cooldown",
  lowerPrice: "Lower price",
  upperPrice: "Upper price",
  gridLevels: "Grid levels",
  spacing: "Spacing",
  stopLossPrice: "Stop-loss price",
  takeProfitPrice: "Take-profit price",
};

/** What a new draft starts with: the common choices, and no amount or price guessed for anyone. */
export const DEFAULT_DRAFT: Draft = {
  type: "dca",
  symbol: "BTC-GBP",
  mode: "paper",
  budget: "",
  baseOrder: "",
  safetyOrder: "",
  safetyOrders: "3",
  priceDeviationPercent: "1.5",
  volumeScale: "1.5",
  takeProfitPercent: "2",
  stopLossPercent: "",
  cooldownSeconds: "",
  lowerPrice: "",
  upperPrice: "",
  gridLevels: "10",
  spacing: "arithmetic",
  stopLossPrice: "",
  takeProfitPrice: "",
};

const MAX_FIELD_LENGTH = 40;

export function isStep(value: unknown): value is WizardStepId {
  return WIZARD_STEPS.some((step) => step.id === value);
}

export function stepIndex(step: WizardStepId): number {
  return WIZARD_STEPS.findIndex((entry) => entry.id === step);
}

export function nextStep(step: WizardStepId): WizardStepId | null {
  return WIZARD_STEPS[stepIndex(step) + 1]?.id ?? null;
}

export function previousStep(step: WizardStepId): WizardStepId | null {
  return WIZARD_STEPS[stepIndex(step) - 1]?.id ?? null;
}

export function kindOf(draft: Draft): BotKind {
  return draft.type === "grid" ? "grid" : "dca";
}

/** The fields the trader fills in on `step` (the review step has only the LIVE code). */
export function fieldsOfStep(step: WizardStepId, kind: BotKind): readonly DraftField[] {
  switch (step) {
    case "strategy":
      return ["type"];
    case "pair":
      return ["symbol", "mode", "budget"];
    case "parameters":
      return PARAMETER_FIELDS[kind];
    case "risk":
      return RISK_FIELDS[kind];
    case "review":
      return [];
  }
}

/** The step that asks for `field` (an unknown field, such as a refused code, is the review's). */
export function stepOfField(field: string, kind: BotKind): WizardStepId {
  for (const step of WIZARD_STEPS) {
    if ((fieldsOfStep(step.id, kind) as readonly string[]).includes(field)) return step.id;
  }
  return "review";
}

export function isDraftField(name: string): name is DraftField {
  return (DRAFT_FIELDS as readonly string[]).includes(name);
}

/**
 * The draft from search params or a submitted form. A field that is absent takes its default;
 * a field sent empty stays empty (the trader cleared it).
 */
export function draftFrom(source: URLSearchParams | FormData): Draft {
  const draft = { ...DEFAULT_DRAFT };
  for (const field of DRAFT_FIELDS) {
    const value = source.get(field);
    // Amounts and prices may carry en-GB thousands separators ("10,000.50"); never a decimal comma.
    if (typeof value === "string") draft[field] = normaliseAmountText(value.slice(0, MAX_FIELD_LENGTH));
  }
  return draft;
}

/**
 * What the budget field says, in the wizard's step check (server) and as the trader types
 * (browser): the quote asset's decimals, more than zero, at most what the chosen book holds.
 * The words are those of POST /bots (forms/messages.ts). Without `available`, the balance is not
 * checked (the book is not chosen yet).
 */
export function budgetProblem(typed: string, quote: AssetCode, available: string | undefined): string | null {
  if (typed.trim() === "") return "enter a budget";
  const checked = checkPageAmount(quote, typed, { available });
  return checked.ok ? null : checked.message;
}

/** The search string that opens `step` with this draft. */
export function draftQuery(draft: Draft, step: WizardStepId): string {
  const params = new URLSearchParams();
  for (const field of DRAFT_FIELDS) params.set(field, draft[field]);
  params.set("step", step);
  return `?${params.toString()}`;
}

/** An integer field as the API wants it (a number); anything else is sent as typed, to be refused. */
function integerOrText(text: string): number | string {
  return /^\d{1,9}$/.test(text) ? Number(text) : text;
}

/**
 * The strategy's `params` for POST /bots from the draft: only the chosen strategy's fields,
 * integers as numbers, optional fields left out when empty, required ones left out when empty
 * (so the server says "is required").
 */
export function paramsOf(draft: Draft, fields?: readonly DraftField[]): Record<string, string | number> {
  const kind = kindOf(draft);
  const wanted = fields ?? [...PARAMETER_FIELDS[kind], ...RISK_FIELDS[kind]];
  const params: Record<string, string | number> = {};
  for (const field of wanted) {
    const text = normaliseAmountText(draft[field]);
    if (text === "") continue;
    params[field] = INTEGER_FIELDS.has(field) ? integerOrText(text) : text;
  }
  return params;
}

export function isOptional(field: DraftField): boolean {
  return OPTIONAL_FIELDS.has(field);
}

export function parameterFields(kind: BotKind): readonly DraftField[] {
  return PARAMETER_FIELDS[kind];
}
