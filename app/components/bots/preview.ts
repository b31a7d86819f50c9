import { marketContext } from "../../../worker/services/bots/strategy/exact.ts";
import {
  BOT_DEFAULT_FEE_RATES,
  dcaDealBudgetMinor,
  dcaLadder,
  gridInitialSides,
  gridLevelsOf,
  gridQuantityPerOrderMinor,
  parseDcaParams,
  parseGridParams,
  requiredBudget,
} from "../../../worker/services/bots/strategy/index.ts";
import { normaliseAmountText } from "../../../worker/services/forms/messages.ts";
import { parseAmount } from "../../../worker/services/ledger/amount.ts";
import { ASSETS, type AssetCode } from "../../../worker/services/ledger/assets.ts";
import { decimalToMinor, floorToStep, formatMinor } from "../../../worker/services/markets/decimal.ts";
import { isMarketSymbol, MARKETS, type MarketSymbol } from "../../../worker/services/markets/symbols.ts";
import { type Draft, type DraftField, kindOf, parameterFields, paramsOf } from "./wizard.ts";

/**
 * The wizard's live preview: the DCA order ladder or the grid's levels, and the budget they
 * need, computed with the strategy's own arithmetic (worker/services/bots/strategy/: pure, no
 * server-only import), so the ladder shown is the ladder the bot places and the budget is the
 * one POST /bots will ask for. It runs in the browser on every keystroke and on the server for
 * the first render. Everything it returns is text: amounts as decimal strings for <Money>.
 *
 * Only the parameter fields shape the ladder and its budget: the risk fields (take profit, stop
 * loss, cooldown) decide when a deal ends, not what it may hold, so they are not needed yet.
 */

export interface DcaPreviewRow {
  /** 0 for the base order, then safety orders 1..n. */
  index: number;
  /** How far below the entry, in percent ("3" = 3 % below); "0" for the base order. */
  deviationPercent: string;
  /** Limit price of a safety order; the base order buys at market (the entry shown). */
  price: string;
  amount: string;
  /** Base bought at that price (the base order's is an estimate at today's price). */
  quantity: string;
}

export interface GridPreviewLevel {
  price: string;
  /** The order resting at this level when the grid opens at today's price; null: none. */
  side: "buy" | "sell" | null;
}

interface Coverage {
  /** What the bot needs at least, fees included: the create call refuses less. */
  required: string;
  /** The trader's budget, when it parses. */
  budget: string | null;
  covered: boolean | null;
}

export type Preview =
  | ({
      kind: "dca";
      quote: AssetCode;
      base: AssetCode;
      entryPrice: string;
      rows: DcaPreviewRow[];
      /** Base and every safety order, before fees. */
      ordersTotal: string;
      /** The taker fee the desk holds on top of every order. */
      fees: string;
    } & Coverage)
  | ({
      kind: "grid";
      quote: AssetCode;
      base: AssetCode;
      lastPrice: string;
      levels: GridPreviewLevel[];
      /** Base per order with the trader's budget; null when the budget does not cover the grid. */
      quantityPerOrder: string | null;
    } & Coverage)
  | { kind: "incomplete"; problems: { field: DraftField; message: string }[]; message?: string };

/** DCA risk fields the ladder does not depend on: any valid value stands in for them here. */
const LADDER_NEUTRAL_RISK = { takeProfitPercent: "1" };

export function botPreview(draft: Draft, lastPrice: string | null): Preview {
  const symbol = draft.symbol;
  if (!isMarketSymbol(symbol)) return incomplete("Choose a market first.");
  const market = MARKETS[symbol];
  const quoteScale = ASSETS[market.quote].scale;
  let lastPriceMinor: bigint;
  try {
    lastPriceMinor = lastPrice === null ? 0n : decimalToMinor(lastPrice, quoteScale, "floor");
  } catch {
    lastPriceMinor = 0n;
  }
  if (lastPriceMinor <= 0n) return incomplete(`No price for ${symbol} right now: the preview needs one.`);
  const parsedBudget = parseAmount(market.quote, normaliseAmountText(draft.budget));
  const budgetMinor = parsedBudget.ok ? parsedBudget.amountMinor : null;
  try {
    return kindOf(draft) === "dca"
      ? dcaPreview(draft, symbol, lastPriceMinor, budgetMinor)
      : gridPreview(draft, symbol, lastPriceMinor, budgetMinor);
  } catch {
    // The strategy asserts its invariants; a draft that trips one is simply not previewable.
    return incomplete("These values cannot be previewed.");
  }
}

function incomplete(message: string): Preview {
  return { kind: "incomplete", problems: [], message };
}

function problemsOf(fieldErrors: Record<string, string>, wanted: readonly DraftField[]): Preview {
  const problems = wanted.flatMap((field) => {
    const message = fieldErrors[field];
    return message ? [{ field, message }] : [];
  });
  return { kind: "incomplete", problems };
}

function coverage(requiredMinor: bigint, budgetMinor: bigint | null, asset: AssetCode): Coverage {
  const scale = ASSETS[asset].scale;
  return {
    required: formatMinor(requiredMinor, scale),
    budget: budgetMinor === null ? null : formatMinor(budgetMinor, scale),
    covered: budgetMinor === null ? null : budgetMinor >= requiredMinor,
  };
}

function dcaPreview(
  draft: Draft,
  symbol: MarketSymbol,
  lastPriceMinor: bigint,
  budgetMinor: bigint | null,
): Preview {
  const fields = parameterFields("dca");
  const parsed = parseDcaParams(symbol, { ...paramsOf(draft, fields), ...LADDER_NEUTRAL_RISK });
  if (!parsed.ok) return problemsOf(parsed.fieldErrors, fields);
  const { params } = parsed;
  const market = marketContext(symbol);
  const quote = (minor: bigint) => formatMinor(minor, market.quoteScale);
  const price = (minor: bigint) => formatMinor(minor, market.quoteScale, market.priceDecimals);
  const quantity = (minor: bigint) => formatMinor(minor, market.baseScale);
  const ladder = dcaLadder(params, lastPriceMinor, market);
  const rows: DcaPreviewRow[] = [
    {
      index: 0,
      deviationPercent: "0",
      price: price(lastPriceMinor),
      amount: quote(params.baseOrderMinor),
      quantity: quantity(
        floorToStep((params.baseOrderMinor * market.baseUnit) / lastPriceMinor, market.filters.stepSizeMinor),
      ),
    },
    ...ladder.map((step) => ({
      index: step.index,
      deviationPercent: scaledPercent(
        params.priceDeviation.digits * BigInt(step.index),
        params.priceDeviation.scale,
      ),
      price: price(step.priceMinor),
      amount: quote(step.amountMinor),
      quantity: quantity(step.quantityMinor),
    })),
  ];
  const ordersTotalMinor = ladder.reduce((sum, step) => sum + step.amountMinor, params.baseOrderMinor);
  const requiredMinor = dcaDealBudgetMinor(params, BOT_DEFAULT_FEE_RATES);
  return {
    kind: "dca",
    quote: market.quote,
    base: market.base,
    entryPrice: price(lastPriceMinor),
    rows,
    ordersTotal: quote(ordersTotalMinor),
    fees: quote(requiredMinor - ordersTotalMinor),
    ...coverage(requiredMinor, budgetMinor, market.quote),
  };
}

function gridPreview(
  draft: Draft,
  symbol: MarketSymbol,
  lastPriceMinor: bigint,
  budgetMinor: bigint | null,
): Preview {
  const fields = parameterFields("grid");
  const parsed = parseGridParams(symbol, paramsOf(draft, fields));
  if (!parsed.ok) return problemsOf(parsed.fieldErrors, fields);
  const { params } = parsed;
  const market = marketContext(symbol);
  const levels = gridLevelsOf(params);
  const sides = gridInitialSides(levels, lastPriceMinor);
  const levelSides = levels.map((_, level): "buy" | "sell" | null =>
    sides[level] === "buy" ? "buy" : sides[level - 1] === "sell" ? "sell" : null,
  );
  const requiredMinor = requiredBudget(symbol, "grid", params, { lastPriceMinor });
  const covered = budgetMinor !== null && budgetMinor >= requiredMinor;
  const perOrderMinor = covered
    ? gridQuantityPerOrderMinor(levels, sides, lastPriceMinor, budgetMinor, market, BOT_DEFAULT_FEE_RATES)
    : 0n;
  return {
    kind: "grid",
    quote: market.quote,
    base: market.base,
    lastPrice: formatMinor(lastPriceMinor, market.quoteScale, market.priceDecimals),
    // Highest first, as an order book reads.
    levels: levels
      .map((level, index) => ({
        price: formatMinor(level, market.quoteScale, market.priceDecimals),
        side: levelSides[index] ?? null,
      }))
      .reverse(),
    quantityPerOrder: perOrderMinor > 0n ? formatMinor(perOrderMinor, market.baseScale) : null,
    ...coverage(requiredMinor, budgetMinor, market.quote),
  };
}

/** Percentage digits at their scale as text: (45, 1) -> "4.5", (3, 0) -> "3". */
function scaledPercent(digits: bigint, scale: number): string {
  return scale === 0 ? digits.toString() : formatMinor(digits, scale);
}
