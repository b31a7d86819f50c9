import { z } from "zod";
import { FIELD_MESSAGES, maximumOrder, minimumOrder, tooManyDecimals } from "../../forms/messages.ts";
import { formatMinor, parseDecimal, pow10, toScaleExact } from "../../markets/decimal.ts";
import { MARKET_SYMBOLS, type MarketSymbol } from "../../markets/symbols.ts";
import { type FeeRates, maxFeeMinor } from "../../trading/fees.ts";
import { BOT_DEFAULT_FEE_RATES, invariant, type MarketContext, marketContext } from "./exact.ts";
import {
  GRID_SPACINGS,
  gridBudgetMinor,
  gridInitialSides,
  gridLevelPrices,
  gridMinimumQuantityMinor,
  safetyOrderAmountMinor,
} from "./ladder.ts";
import { bigintText } from "./types.ts";

/**
 * Bot parameters: validated from the request's decimal strings, and parsed to exact units for
 * the bot's symbol. A refusal is a `Record<field, message>` with stable messages, for a 400
 * `invalid_request` that names each field (nothing is created).
 *
 * Percentages are written as percentages: "1.5" is 1.5 %. Amounts are in the budget asset,
 * which is the symbol's quote asset (the API refuses any other).
 *
 * DCA  baseOrder, safetyOrder   quote amounts, > 0, at most the asset's decimals, at least the
 *                               market's minimum order value and at most its maximum
 *      safetyOrders             integer 0..25
 *      priceDeviationPercent    (0, 50], at most 4 decimals; safetyOrders x deviation < 100 so
 *                               that the deepest safety order is above zero
 *      volumeScale              [1, 10], at most 2 decimals
 *      takeProfitPercent        (0, 100], at most 4 decimals
 *      stopLossPercent?         (0, 99], at most 4 decimals
 *      cooldownSeconds?         integer 0..86400 (default 0)
 * Grid lowerPrice < upperPrice  prices on the tick, within the market's price range
 *      gridLevels               integer 2..200, no two levels on the same tick
 *      spacing                  "arithmetic" | "geometric"
 *      stopLossPrice?           on the tick, below lowerPrice
 *      takeProfitPrice?         on the tick, above upperPrice
 */

export const MAX_SAFETY_ORDERS = 25;
export const MIN_GRID_LEVELS = 2;
export const MAX_GRID_LEVELS = 200;
export const MAX_COOLDOWN_SECONDS = 86_400;
const PERCENT_DECIMALS = 4;
const VOLUME_SCALE_DECIMALS = 2;
const MAX_DEVIATION_PERCENT = "50";
const MAX_TAKE_PROFIT_PERCENT = "100";
const MAX_STOP_LOSS_PERCENT = "99";
const MIN_VOLUME_SCALE = "1";
const MAX_VOLUME_SCALE = "10";

const DECIMAL_MESSAGE = 'must be a decimal string such as "1.5", not a JSON number';
const PLAIN_DECIMAL_MESSAGE = FIELD_MESSAGES.notAPlainNumber;

const percentSchema = z.object({
  text: z.string(),
  digits: bigintText,
  scale: z.number().int().min(0).max(8),
});

/** DCA parameters in exact units, as the planner and the persisted state carry them. */
export const dcaParamsSchema = z.object({
  symbol: z.enum(MARKET_SYMBOLS),
  baseOrderMinor: bigintText,
  safetyOrderMinor: bigintText,
  safetyOrders: z.number().int().min(0).max(MAX_SAFETY_ORDERS),
  priceDeviation: percentSchema,
  volumeScale: percentSchema,
  takeProfit: percentSchema,
  stopLoss: percentSchema.nullable(),
  cooldownSeconds: z.number().int().min(0).max(MAX_COOLDOWN_SECONDS),
});
export type DcaParams = z.output<typeof dcaParamsSchema>;

/** Grid parameters in exact units. */
export const gridParamsSchema = z.object({
  symbol: z.enum(MARKET_SYMBOLS),
  lowerPriceMinor: bigintText,
  upperPriceMinor: bigintText,
  gridLevels: z.number().int().min(MIN_GRID_LEVELS).max(MAX_GRID_LEVELS),
  spacing: z.enum(GRID_SPACINGS),
  stopLossPriceMinor: bigintText.nullable(),
  takeProfitPriceMinor: bigintText.nullable(),
});
export type GridParams = z.output<typeof gridParamsSchema>;

export type ParamsResult<Params> =
  | { ok: true; params: Params }
  | { ok: false; fieldErrors: Record<string, string> };

// ---------------------------------------------------------------------------------------------
// Field checks. Each returns the exact value or a message; the zod schemas below call them so
// that every bad field is reported at once.

type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

function positiveDecimal(text: string): Checked<{ digits: bigint; scale: number }> {
  const parsed = parseDecimal(text);
  if (!parsed) return { ok: false, message: PLAIN_DECIMAL_MESSAGE };
  if (parsed.digits === 0n) return { ok: false, message: FIELD_MESSAGES.moreThanZero };
  return { ok: true, value: parsed };
}

function checkQuoteAmount(text: string, market: MarketContext): Checked<bigint> {
  const parsed = positiveDecimal(text);
  if (!parsed.ok) return parsed;
  const minor = toScaleExact(parsed.value, market.quoteScale);
  if (minor === null) return { ok: false, message: tooManyDecimals(market.quote, market.quoteScale) };
  if (minor < market.filters.minNotionalMinor) {
    return {
      ok: false,
      message: minimumOrder(formatMinor(market.filters.minNotionalMinor, market.quoteScale), market.quote),
    };
  }
  if (minor > market.filters.maxNotionalMinor) {
    return {
      ok: false,
      message: maximumOrder(formatMinor(market.filters.maxNotionalMinor, market.quoteScale), market.quote),
    };
  }
  return { ok: true, value: minor };
}

/** A decimal in (0, max] (or [min, max] when `min` is given) with at most `decimals` places. */
function checkRatio(
  text: string,
  options: { decimals: number; max: string; min?: string; unit: string },
): Checked<{ text: string; digits: bigint; scale: number }> {
  const parsed = positiveDecimal(text);
  if (!parsed.ok) return parsed;
  if (parsed.value.scale > options.decimals) {
    return { ok: false, message: `allows at most ${options.decimals} decimal places` };
  }
  const scaled = (bound: string) =>
    toScaleExact(parseDecimal(bound) ?? { digits: 0n, scale: 0 }, options.decimals) ?? 0n;
  const value = toScaleExact(parsed.value, options.decimals) ?? 0n;
  if (options.min !== undefined && value < scaled(options.min)) {
    return { ok: false, message: `must be between ${options.min} and ${options.max}${options.unit}` };
  }
  if (value > scaled(options.max)) {
    return {
      ok: false,
      message:
        options.min !== undefined
          ? `must be between ${options.min} and ${options.max}${options.unit}`
          : `must be greater than 0 and at most ${options.max}${options.unit}`,
    };
  }
  return { ok: true, value: { text, digits: parsed.value.digits, scale: parsed.value.scale } };
}

function checkPrice(text: string, market: MarketContext): Checked<bigint> {
  const parsed = positiveDecimal(text);
  if (!parsed.ok) return parsed;
  const { filters } = market;
  const price = (value: bigint) =>
    `${formatMinor(value, market.quoteScale, market.priceDecimals)} ${market.quote}`;
  const minor = toScaleExact(parsed.value, market.quoteScale);
  if (minor === null || minor % filters.tickSizeMinor !== 0n) {
    return {
      ok: false,
      message: `must be a multiple of the tick size ${price(filters.tickSizeMinor)} of ${market.symbol}`,
    };
  }
  if (minor < filters.minPriceMinor || minor > filters.maxPriceMinor) {
    return {
      ok: false,
      message: `must be between ${price(filters.minPriceMinor)} and ${price(filters.maxPriceMinor)} on ${market.symbol}`,
    };
  }
  return { ok: true, value: minor };
}

/** The message for a wrong value, or "is required" when the field is absent. */
function requiredOr(message: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? "is required" : message);
}

function refined<T>(check: (text: string) => Checked<T>) {
  return z.string({ error: requiredOr(DECIMAL_MESSAGE) }).superRefine((text, context) => {
    const result = check(text);
    if (!result.ok) context.addIssue({ code: "custom", message: result.message });
  });
}

function integerField(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  return z
    .number({ error: requiredOr(message) })
    .int(message)
    .min(min, message)
    .max(max, message);
}

function checkDeviation(text: string): Checked<{ text: string; digits: bigint; scale: number }> {
  return checkRatio(text, { decimals: PERCENT_DECIMALS, max: MAX_DEVIATION_PERCENT, unit: " %" });
}

function dcaInputSchema(market: MarketContext) {
  return z.strictObject({
    baseOrder: refined((text) => checkQuoteAmount(text, market)),
    safetyOrder: refined((text) => checkQuoteAmount(text, market)),
    safetyOrders: integerField(0, MAX_SAFETY_ORDERS),
    priceDeviationPercent: refined(checkDeviation),
    volumeScale: refined((text) =>
      checkRatio(text, {
        decimals: VOLUME_SCALE_DECIMALS,
        min: MIN_VOLUME_SCALE,
        max: MAX_VOLUME_SCALE,
        unit: "",
      }),
    ),
    takeProfitPercent: refined((text) =>
      checkRatio(text, { decimals: PERCENT_DECIMALS, max: MAX_TAKE_PROFIT_PERCENT, unit: " %" }),
    ),
    stopLossPercent: refined((text) =>
      checkRatio(text, { decimals: PERCENT_DECIMALS, max: MAX_STOP_LOSS_PERCENT, unit: " %" }),
    ).optional(),
    cooldownSeconds: integerField(0, MAX_COOLDOWN_SECONDS).optional(),
  });
}

function gridInputSchema(market: MarketContext) {
  const price = (text: string) => checkPrice(text, market);
  return z.strictObject({
    lowerPrice: refined(price),
    upperPrice: refined(price),
    gridLevels: integerField(MIN_GRID_LEVELS, MAX_GRID_LEVELS),
    spacing: z.enum(GRID_SPACINGS, { error: requiredOr(`must be one of ${GRID_SPACINGS.join(", ")}`) }),
    stopLossPrice: refined(price).optional(),
    takeProfitPrice: refined(price).optional(),
  });
}

// Cross-field rules, checked on the raw input apart from the schema (zod skips an object's
// refinements once a field has the wrong type), and only between fields that are valid alone.

function fieldOf(raw: unknown, name: string): unknown {
  return typeof raw === "object" && raw !== null && !Array.isArray(raw)
    ? (raw as Record<string, unknown>)[name]
    : undefined;
}

function validText<T>(value: unknown, check: (text: string) => Checked<T>): T | null {
  if (typeof value !== "string") return null;
  const checked = check(value);
  return checked.ok ? checked.value : null;
}

function dcaCrossErrors(raw: unknown): Record<string, string> {
  const errors: Record<string, string> = {};
  const count = fieldOf(raw, "safetyOrders");
  const deviation = validText(fieldOf(raw, "priceDeviationPercent"), checkDeviation);
  if (deviation === null || typeof count !== "number" || !Number.isInteger(count)) return errors;
  if (count < 0 || count > MAX_SAFETY_ORDERS) return errors;
  const total = BigInt(count) * deviation.digits;
  if (total >= 100n * pow10(deviation.scale)) {
    errors.priceDeviationPercent = `with ${count} safety orders the deepest would be ${formatPercent(total, deviation.scale)} % below the entry: safetyOrders x priceDeviationPercent must stay below 100`;
  }
  return errors;
}

function gridCrossErrors(raw: unknown, market: MarketContext): Record<string, string> {
  const errors: Record<string, string> = {};
  const price = (text: string) => checkPrice(text, market);
  const lower = validText(fieldOf(raw, "lowerPrice"), price);
  const upper = validText(fieldOf(raw, "upperPrice"), price);
  if (lower === null || upper === null) return errors;
  if (lower >= upper) {
    errors.lowerPrice = "must be below upperPrice";
    return errors;
  }
  const stop = validText(fieldOf(raw, "stopLossPrice"), price);
  if (stop !== null && stop >= lower) errors.stopLossPrice = "must be below lowerPrice";
  const take = validText(fieldOf(raw, "takeProfitPrice"), price);
  if (take !== null && take <= upper) errors.takeProfitPrice = "must be above upperPrice";
  const levels = fieldOf(raw, "gridLevels");
  const spacing = GRID_SPACINGS.find((value) => value === fieldOf(raw, "spacing"));
  if (typeof levels !== "number" || !Number.isInteger(levels) || spacing === undefined) return errors;
  if (levels < MIN_GRID_LEVELS || levels > MAX_GRID_LEVELS) return errors;
  const prices = gridLevelPrices(lower, upper, levels, spacing, market.filters.tickSizeMinor);
  for (let index = 1; index < prices.length; index++) {
    const at = prices[index] ?? 0n;
    if (at <= (prices[index - 1] ?? 0n)) {
      errors.gridLevels = `levels ${index - 1} and ${index} would both be at ${formatMinor(at, market.quoteScale, market.priceDecimals)} ${market.quote} on the tick grid: use fewer levels or a wider range`;
      break;
    }
  }
  return errors;
}

/** A percentage's digits at its scale as text: 100 at scale 0 is "100", 1005 at scale 1 "100.5". */
function formatPercent(digits: bigint, scale: number): string {
  return scale === 0 ? digits.toString() : formatMinor(digits, scale);
}

const dcaSchemas = new Map<MarketSymbol, ReturnType<typeof dcaInputSchema>>();
const gridSchemas = new Map<MarketSymbol, ReturnType<typeof gridInputSchema>>();

/**
 * The request-body schema of DCA params for a symbol: each field alone (strings in, validated,
 * still strings). `parseDcaParams` adds the cross-field rules; prefer it.
 */
export function dcaParamsInputSchema(symbol: MarketSymbol): ReturnType<typeof dcaInputSchema> {
  let schema = dcaSchemas.get(symbol);
  if (!schema) {
    schema = dcaInputSchema(marketContext(symbol));
    dcaSchemas.set(symbol, schema);
  }
  return schema;
}

/** The same for Grid params; `parseGridParams` adds the cross-field rules. */
export function gridParamsInputSchema(symbol: MarketSymbol): ReturnType<typeof gridInputSchema> {
  let schema = gridSchemas.get(symbol);
  if (!schema) {
    schema = gridInputSchema(marketContext(symbol));
    gridSchemas.set(symbol, schema);
  }
  return schema;
}

function fieldErrorsOf(issues: readonly z.core.$ZodIssue[], kind: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) fields[key] ??= `is not a ${kind} parameter`;
      continue;
    }
    const key = issue.path.map(String).join(".") || "params";
    fields[key] ??= key === "params" ? `must be an object of ${kind} parameters` : issue.message;
  }
  return fields;
}

function unwrap<T>(checked: Checked<T>): T {
  invariant(checked.ok, "a validated field failed to parse");
  return checked.value;
}

export function parseDcaParams(symbol: MarketSymbol, raw: unknown): ParamsResult<DcaParams> {
  const result = dcaParamsInputSchema(symbol).safeParse(raw);
  const fieldErrors = {
    ...dcaCrossErrors(raw),
    ...(result.success ? {} : fieldErrorsOf(result.error.issues, "DCA")),
  };
  if (!result.success || Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  const input = result.data;
  const market = marketContext(symbol);
  const ratio = (text: string, decimals: number) => {
    const parsed = parseDecimal(text);
    invariant(parsed && parsed.scale <= decimals, "a validated ratio failed to parse");
    return { text, digits: parsed.digits, scale: parsed.scale };
  };
  return {
    ok: true,
    params: {
      symbol,
      baseOrderMinor: unwrap(checkQuoteAmount(input.baseOrder, market)),
      safetyOrderMinor: unwrap(checkQuoteAmount(input.safetyOrder, market)),
      safetyOrders: input.safetyOrders,
      priceDeviation: ratio(input.priceDeviationPercent, PERCENT_DECIMALS),
      volumeScale: ratio(input.volumeScale, VOLUME_SCALE_DECIMALS),
      takeProfit: ratio(input.takeProfitPercent, PERCENT_DECIMALS),
      stopLoss: input.stopLossPercent === undefined ? null : ratio(input.stopLossPercent, PERCENT_DECIMALS),
      cooldownSeconds: input.cooldownSeconds ?? 0,
    },
  };
}

export function parseGridParams(symbol: MarketSymbol, raw: unknown): ParamsResult<GridParams> {
  const market = marketContext(symbol);
  const result = gridParamsInputSchema(symbol).safeParse(raw);
  const fieldErrors = {
    ...gridCrossErrors(raw, market),
    ...(result.success ? {} : fieldErrorsOf(result.error.issues, "Grid")),
  };
  if (!result.success || Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  const input = result.data;
  return {
    ok: true,
    params: {
      symbol,
      lowerPriceMinor: unwrap(checkPrice(input.lowerPrice, market)),
      upperPriceMinor: unwrap(checkPrice(input.upperPrice, market)),
      gridLevels: input.gridLevels,
      spacing: input.spacing,
      stopLossPriceMinor:
        input.stopLossPrice === undefined ? null : unwrap(checkPrice(input.stopLossPrice, market)),
      takeProfitPriceMinor:
        input.takeProfitPrice === undefined ? null : unwrap(checkPrice(input.takeProfitPrice, market)),
    },
  };
}

/** The grid's level prices for its params (validated params never repeat a level). */
export function gridLevelsOf(params: GridParams): bigint[] {
  return gridLevelPrices(
    params.lowerPriceMinor,
    params.upperPriceMinor,
    params.gridLevels,
    params.spacing,
    marketContext(params.symbol).filters.tickSizeMinor,
  );
}

interface BudgetOptions {
  /** The owner's fee rates; default BOT_DEFAULT_FEE_RATES (the most expensive tier). */
  rates?: FeeRates | undefined;
}

interface GridBudgetOptions extends BudgetOptions {
  /** The market price the grid opens at: it decides which levels buy and which sell. */
  lastPriceMinor: bigint;
  /** Base per order; default the smallest that puts every order at the market's minimums. */
  quantityPerOrderMinor?: bigint | undefined;
}

/**
 * The quote budget a bot needs, in quote minor units, exactly as the order desk will hold it:
 *
 * DCA   baseOrder + maxFee(baseOrder) + sum over i = 1..safetyOrders of
 *       (A_i + maxFee(A_i)), A_i = ceil(safetyOrder x volumeScale^(i-1)): every order of one
 *       deal, each with the taker fee the desk holds on top (fees.ts, rounded up per order).
 * Grid  with Q base per order at the opening price P: a limit buy of Q at the lower level of
 *       every interval below P, plus a market buy at P of Q for every interval above P (the
 *       base those sells need), each as the desk holds it (fee included; the market buy with
 *       the desk's slippage margin). Q defaults to the smallest lot-step quantity that puts
 *       every level at the market's minimum order value, so the default is the least budget
 *       the grid can run on at P.
 */
export function requiredBudget(
  symbol: MarketSymbol,
  type: "dca",
  params: DcaParams,
  options?: BudgetOptions,
): bigint;
export function requiredBudget(
  symbol: MarketSymbol,
  type: "grid",
  params: GridParams,
  options: GridBudgetOptions,
): bigint;
export function requiredBudget(
  symbol: MarketSymbol,
  type: "dca" | "grid",
  params: DcaParams | GridParams,
  options: BudgetOptions | GridBudgetOptions = {},
): bigint {
  invariant(params.symbol === symbol, "params are for another symbol");
  const rates = options.rates ?? BOT_DEFAULT_FEE_RATES;
  if (type === "dca") return dcaDealBudgetMinor(params as DcaParams, rates);
  const grid = params as GridParams;
  const { lastPriceMinor, quantityPerOrderMinor } = options as GridBudgetOptions;
  invariant(lastPriceMinor > 0n, "a grid budget needs the market price");
  const market = marketContext(symbol);
  const levels = gridLevelsOf(grid);
  const sides = gridInitialSides(levels, lastPriceMinor);
  const quantity = quantityPerOrderMinor ?? gridMinimumQuantityMinor(levels, sides, lastPriceMinor, market);
  return gridBudgetMinor(levels, sides, quantity, lastPriceMinor, market, rates);
}

/** Every order of one DCA deal with the taker fee on each: what a deal may hold at most. */
export function dcaDealBudgetMinor(params: DcaParams, rates: FeeRates = BOT_DEFAULT_FEE_RATES): bigint {
  let total = params.baseOrderMinor + maxFeeMinor(rates, params.baseOrderMinor);
  for (let index = 1; index <= params.safetyOrders; index++) {
    const amount = safetyOrderAmountMinor(params.safetyOrderMinor, params.volumeScale, index);
    total += amount + maxFeeMinor(rates, amount);
  }
  return total;
}
