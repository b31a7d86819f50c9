import { ApiError } from "../../errors.ts";
import {
  FIELD_MESSAGES,
  maximumOrder,
  minimumOrder,
  minimumQuantity,
  notOnStep,
  priceRequired,
  tooManyDecimals,
} from "../forms/messages.ts";
import { ASSETS } from "../ledger/assets.ts";
import {
  ceilToStep,
  divide,
  type ExactDecimal,
  formatMinor,
  maxBigint,
  parseDecimal,
  pow10,
  toScaleExact,
} from "./decimal.ts";
import { type MarketDefinition, requireMarket } from "./symbols.ts";

/**
 * Exchange-style order filters, checked before any order is accepted (paper or live), so that
 * what we accept is what Binance would accept. Each failure is a 400 `filter_failure` naming
 * the rule and the nearest valid value, in the message and in `fields`:
 *
 *   tick_size      price not on the tick grid        -> nearest tick (half up)
 *   min_price      price below the filter's minimum  -> the minimum
 *   max_price      price above the maximum           -> the maximum
 *   percent_price  limit price too far from the reference price (x5 up, x0.2 down)
 *                                                    -> the band's edge
 *   lot_size       quantity not on the lot step      -> the step multiple below (an order is
 *                                                       never made larger than asked)
 *   min_quantity / max_quantity                      -> the bound
 *   min_notional   quantity x price (or quoteAmount) below the minimum
 *                                                    -> the smallest quantity (quote amount)
 *                                                       that meets it
 *   max_notional   above the maximum                 -> the largest that fits
 *
 * Malformed input (a JSON number, a sign, an exponent, both or neither of quantity and
 * quoteAmount, a price on a market order) is not a filter question: 400 `invalid_request`.
 */

const ORDER_SIDES = ["buy", "sell"] as const;
const ORDER_TYPES = ["market", "limit", "stop_limit"] as const;
export type OrderSide = (typeof ORDER_SIDES)[number];
export type OrderType = (typeof ORDER_TYPES)[number];
/** What a bot strategy places: stop-limit orders are for traders. */
export type BasicOrderType = Exclude<OrderType, "stop_limit">;

type FilterRule =
  | "tick_size"
  | "min_price"
  | "max_price"
  | "percent_price"
  | "lot_size"
  | "min_quantity"
  | "max_quantity"
  | "min_notional"
  | "max_notional";

export interface OrderFilterInput {
  side: unknown;
  type: unknown;
  quantity?: unknown;
  quoteAmount?: unknown;
  price?: unknown;
  /** Stop-limit orders: the market price that turns the order into a limit order at `price`. */
  stopPrice?: unknown;
}

interface FilterContext {
  /**
   * The market's reference price now (last or mid), in quote minor units. Needed for the
   * percent-price band and for the notional of a market order sized by quantity; without it
   * those two checks are skipped (the engine always passes it).
   */
  referencePriceMinor?: bigint;
}

/** An order that passed every filter, in exact units, ready for the engine. */
export interface FilteredOrder {
  market: MarketDefinition;
  side: OrderSide;
  type: OrderType;
  /** Base minor units; absent for a market buy sized by quote amount. */
  quantityMinor?: bigint;
  /** Quote minor units; only for a market buy sized by quote amount. */
  quoteAmountMinor?: bigint;
  /** Quote minor units per whole base unit; only for limit and stop-limit orders. */
  priceMinor?: bigint;
  /** Stop-limit orders: the trigger price, quote minor units per whole base unit. */
  stopPriceMinor?: bigint;
}

export class FilterFailure extends ApiError {
  readonly rule: FilterRule;
  readonly field: "price" | "stopPrice" | "quantity" | "quoteAmount";
  /** The nearest value that passes this rule, as a decimal string. */
  readonly nearestValid: string;

  constructor(
    rule: FilterRule,
    field: "price" | "stopPrice" | "quantity" | "quoteAmount",
    message: string,
    nearestValid: string,
    /** What the field says in a trader's words (forms/messages.ts), when shorter than the message. */
    fieldMessage?: string,
  ) {
    super(400, "filter_failure", `${message} The nearest valid ${field} is ${nearestValid}.`, {
      fields: { [field]: `${rule}: ${fieldMessage ?? `${message} Nearest valid: ${nearestValid}.`}` },
    });
    this.name = "FilterFailure";
    this.rule = rule;
    this.field = field;
    this.nearestValid = nearestValid;
  }
}

type FilterCheck = { ok: true; order: FilteredOrder } | { ok: false; error: ApiError };

/** Checks an order against its market's filters; never throws for bad input, returns the error. */
export function checkOrderFilters(
  symbol: unknown,
  input: OrderFilterInput,
  context: FilterContext = {},
): FilterCheck {
  try {
    return { ok: true, order: assertOrderFilters(symbol, input, context) };
  } catch (error) {
    if (error instanceof ApiError) return { ok: false, error };
    throw error;
  }
}

/** The same, throwing the ApiError: for handlers, where `onError` renders it. */
export function assertOrderFilters(
  symbol: unknown,
  input: OrderFilterInput,
  context: FilterContext = {},
): FilteredOrder {
  const market = requireMarket(symbol);
  const shape = checkShape(input);
  const baseScale = ASSETS[market.base].scale;
  const quoteScale = ASSETS[market.quote].scale;
  const { filters } = market;
  const price = (minor: bigint) => formatMinor(minor, quoteScale, market.priceDecimals);
  const quantity = (minor: bigint) => formatMinor(minor, baseScale);
  const quote = (minor: bigint) => formatMinor(minor, quoteScale);

  const order: FilteredOrder = { market, side: shape.side, type: shape.type };

  /** Tick, bounds and the percent band around `reference`, for the price or the stop price. */
  const checkPrice = (
    value: ExactDecimal,
    text: string,
    field: "price" | "stopPrice",
    reference: bigint | undefined,
  ): bigint => {
    const what = field === "price" ? "Price" : "Stop price";
    const exact = onGrid(value, quoteScale, filters.tickSizeMinor);
    if (exact === null) {
      const nearest = nearestOnGrid(value, quoteScale, filters.tickSizeMinor, "half-up");
      throw new FilterFailure(
        "tick_size",
        field,
        `${what} ${text} is not a multiple of the tick size ${price(filters.tickSizeMinor)} for ${market.symbol}.`,
        price(clamp(nearest, filters.minPriceMinor, filters.maxPriceMinor)),
      );
    }
    if (exact < filters.minPriceMinor) {
      throw new FilterFailure(
        "min_price",
        field,
        `${what} ${text} is below the minimum ${price(filters.minPriceMinor)}.`,
        price(filters.minPriceMinor),
      );
    }
    if (exact > filters.maxPriceMinor) {
      throw new FilterFailure(
        "max_price",
        field,
        `${what} ${text} is above the maximum ${price(filters.maxPriceMinor)}.`,
        price(filters.maxPriceMinor),
      );
    }
    if (reference !== undefined && reference > 0n) {
      const lowest = ceilToStep(
        divide(reference * filters.percentPriceDownBps, 10_000n, "ceil"),
        filters.tickSizeMinor,
      );
      const highest =
        (divide(reference * filters.percentPriceUpBps, 10_000n, "floor") / filters.tickSizeMinor) *
        filters.tickSizeMinor;
      if (exact < lowest || exact > highest) {
        const around =
          field === "stopPrice" || shape.type !== "stop_limit" ? "the market price" : "the stop price";
        throw new FilterFailure(
          "percent_price",
          field,
          `${what} ${text} is outside the allowed band ${price(lowest)} to ${price(highest)} around ${around} ${price(reference)}.`,
          price(exact < lowest ? lowest : highest),
        );
      }
    }
    return exact;
  };

  // A stop-limit's stop is held against the market now; its limit price against the stop,
  // since the order becomes a limit order when the market reaches the stop.
  if (shape.stopPrice) {
    order.stopPriceMinor = checkPrice(
      shape.stopPrice,
      shape.stopPriceText ?? "",
      "stopPrice",
      context.referencePriceMinor,
    );
  }
  if (shape.price) {
    order.priceMinor = checkPrice(
      shape.price,
      shape.priceText ?? "",
      "price",
      order.stopPriceMinor ?? context.referencePriceMinor,
    );
  }

  if (shape.quantity) {
    const exact = onGrid(shape.quantity, baseScale, filters.stepSizeMinor);
    if (exact === null) {
      const below = nearestOnGrid(shape.quantity, baseScale, filters.stepSizeMinor, "floor");
      throw new FilterFailure(
        "lot_size",
        "quantity",
        `Quantity ${shape.quantityText} is not a multiple of the lot size ${quantity(filters.stepSizeMinor)} ${market.base}.`,
        quantity(clamp(below, filters.minQuantityMinor, filters.maxQuantityMinor)),
        notOnStep(
          formatMinor(filters.stepSizeMinor, baseScale, market.quantityDecimals),
          market.base,
          formatMinor(
            clamp(below, filters.minQuantityMinor, filters.maxQuantityMinor),
            baseScale,
            market.quantityDecimals,
          ),
        ),
      );
    }
    if (exact < filters.minQuantityMinor) {
      throw new FilterFailure(
        "min_quantity",
        "quantity",
        `Quantity ${shape.quantityText} is below the minimum ${quantity(filters.minQuantityMinor)} ${market.base}.`,
        quantity(filters.minQuantityMinor),
        minimumQuantity(
          formatMinor(filters.minQuantityMinor, baseScale, market.quantityDecimals),
          market.base,
        ),
      );
    }
    if (exact > filters.maxQuantityMinor) {
      throw new FilterFailure(
        "max_quantity",
        "quantity",
        `Quantity ${shape.quantityText} is above the maximum ${quantity(filters.maxQuantityMinor)} ${market.base}.`,
        quantity(filters.maxQuantityMinor),
      );
    }
    order.quantityMinor = exact;
    const valuedAt = order.priceMinor ?? context.referencePriceMinor;
    if (valuedAt !== undefined && valuedAt > 0n) checkNotional(market, exact, valuedAt, quantity, quote);
  }

  if (shape.quoteAmount) {
    const exact = toScaleExact(shape.quoteAmount, quoteScale);
    if (exact === null) {
      throw invalid({ quoteAmount: tooManyDecimals(market.quote, quoteScale) });
    }
    if (exact < filters.minNotionalMinor) {
      throw new FilterFailure(
        "min_notional",
        "quoteAmount",
        `Quote amount ${shape.quoteAmountText} ${market.quote} is below the minimum order value ${quote(filters.minNotionalMinor)} ${market.quote}.`,
        quote(filters.minNotionalMinor),
        minimumOrder(quote(filters.minNotionalMinor), market.quote),
      );
    }
    if (exact > filters.maxNotionalMinor) {
      throw new FilterFailure(
        "max_notional",
        "quoteAmount",
        `Quote amount ${shape.quoteAmountText} ${market.quote} is above the maximum order value ${quote(filters.maxNotionalMinor)} ${market.quote}.`,
        quote(filters.maxNotionalMinor),
        maximumOrder(quote(filters.maxNotionalMinor), market.quote),
      );
    }
    order.quoteAmountMinor = exact;
  }
  return order;
}

function checkNotional(
  market: MarketDefinition,
  quantityMinor: bigint,
  priceMinor: bigint,
  quantity: (minor: bigint) => string,
  quote: (minor: bigint) => string,
): void {
  const { filters } = market;
  const unit = pow10(ASSETS[market.base].scale);
  // Compared exactly: quantity x price against the bound scaled up, no rounding either way.
  const valueTimesUnit = quantityMinor * priceMinor;
  if (valueTimesUnit < filters.minNotionalMinor * unit) {
    const smallest = ceilToStep(
      divide(filters.minNotionalMinor * unit, priceMinor, "ceil"),
      filters.stepSizeMinor,
    );
    throw new FilterFailure(
      "min_notional",
      "quantity",
      `The order value ${quote(valueTimesUnit / unit)} ${market.quote} is below the minimum ${quote(filters.minNotionalMinor)} ${market.quote}.`,
      quantity(maxBigint(smallest, filters.minQuantityMinor)),
      `${minimumOrder(quote(filters.minNotionalMinor), market.quote)}: at least ${quantity(maxBigint(smallest, filters.minQuantityMinor))} ${market.base}`,
    );
  }
  if (valueTimesUnit > filters.maxNotionalMinor * unit) {
    const largest =
      ((filters.maxNotionalMinor * unit) / priceMinor / filters.stepSizeMinor) * filters.stepSizeMinor;
    throw new FilterFailure(
      "max_notional",
      "quantity",
      `The order value ${quote(valueTimesUnit / unit)} ${market.quote} is above the maximum ${quote(filters.maxNotionalMinor)} ${market.quote}.`,
      quantity(largest),
      `${maximumOrder(quote(filters.maxNotionalMinor), market.quote)}: at most ${quantity(largest)} ${market.base}`,
    );
  }
}

interface Shape {
  side: OrderSide;
  type: OrderType;
  price?: ExactDecimal;
  priceText?: string;
  stopPrice?: ExactDecimal;
  stopPriceText?: string;
  quantity?: ExactDecimal;
  quantityText?: string;
  quoteAmount?: ExactDecimal;
  quoteAmountText?: string;
}

function checkShape(input: OrderFilterInput): Shape {
  const fields: Record<string, string> = {};
  const side = ORDER_SIDES.find((value) => value === input.side);
  const type = ORDER_TYPES.find((value) => value === input.type);
  if (!side) fields.side = `must be one of ${ORDER_SIDES.join(", ")}`;
  if (!type) fields.type = `must be one of ${ORDER_TYPES.join(", ")}`;
  const hasQuantity = input.quantity !== undefined && input.quantity !== null;
  const hasQuoteAmount = input.quoteAmount !== undefined && input.quoteAmount !== null;
  const hasPrice = input.price !== undefined && input.price !== null;
  if (hasQuantity === hasQuoteAmount) {
    const message = "send exactly one of quantity and quoteAmount";
    fields.quantity = message;
    fields.quoteAmount = message;
  } else if (hasQuoteAmount && !(side === "buy" && type === "market")) {
    fields.quoteAmount = "only market buys may be sized by quoteAmount; send quantity";
  }
  const hasStopPrice = input.stopPrice !== undefined && input.stopPrice !== null;
  if ((type === "limit" || type === "stop_limit") && !hasPrice)
    fields.price = priceRequired("limit", type.replace("_", "-"));
  if (type === "market" && hasPrice) fields.price = "must not be sent with a market order";
  if (type === "stop_limit" && !hasStopPrice) fields.stopPrice = priceRequired("stop", "stop-limit");
  if (type !== "stop_limit" && hasStopPrice) fields.stopPrice = "is only for stop-limit orders";
  const price = hasPrice ? parsePositive(input.price, "price", fields) : undefined;
  const stopPrice = hasStopPrice ? parsePositive(input.stopPrice, "stopPrice", fields) : undefined;
  const quantity = hasQuantity ? parsePositive(input.quantity, "quantity", fields) : undefined;
  const quoteAmount = hasQuoteAmount ? parsePositive(input.quoteAmount, "quoteAmount", fields) : undefined;
  if (Object.keys(fields).length > 0 || !side || !type) throw invalid(fields);
  return {
    side,
    type,
    ...(price ? { price, priceText: input.price as string } : {}),
    ...(stopPrice ? { stopPrice, stopPriceText: input.stopPrice as string } : {}),
    ...(quantity ? { quantity, quantityText: input.quantity as string } : {}),
    ...(quoteAmount ? { quoteAmount, quoteAmountText: input.quoteAmount as string } : {}),
  };
}

function parsePositive(
  value: unknown,
  field: string,
  fields: Record<string, string>,
): ExactDecimal | undefined {
  if (typeof value !== "string") {
    fields[field] = FIELD_MESSAGES.notAString;
    return undefined;
  }
  const parsed = parseDecimal(value);
  if (!parsed) {
    fields[field] = FIELD_MESSAGES.notAPlainNumber;
    return undefined;
  }
  if (parsed.digits === 0n) {
    fields[field] = FIELD_MESSAGES.moreThanZero;
    return undefined;
  }
  return parsed;
}

function invalid(fields: Record<string, string>): ApiError {
  return new ApiError(400, "invalid_request", "Some fields are missing or invalid.", { fields });
}

/** The value in minor units at `scale` if it is a multiple of `step` there, else null. */
function onGrid(value: ExactDecimal, scale: number, step: bigint): bigint | null {
  const minor = toScaleExact(value, scale);
  return minor !== null && minor % step === 0n ? minor : null;
}

/** The multiple of `step` (minor units at `scale`) nearest to an exact decimal, computed exactly. */
function nearestOnGrid(
  value: ExactDecimal,
  scale: number,
  step: bigint,
  rounding: "half-up" | "floor",
): bigint {
  const numerator = value.digits * pow10(scale);
  const denominator = pow10(value.scale) * step;
  return divide(numerator, denominator, rounding) * step;
}

function clamp(value: bigint, lowest: bigint, highest: bigint): bigint {
  return value < lowest ? lowest : value > highest ? highest : value;
}
