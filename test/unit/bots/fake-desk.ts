import type {
  BotAction,
  Observation,
  ObservedOrder,
  PlaceAction,
} from "../../../worker/services/bots/strategy/index.ts";
import { BOT_DEFAULT_FEE_RATES } from "../../../worker/services/bots/strategy/index.ts";
import { ASSETS } from "../../../worker/services/ledger/assets.ts";
import { divide, floorToStep, formatMinor, pow10 } from "../../../worker/services/markets/decimal.ts";
import { checkOrderFilters } from "../../../worker/services/markets/filters.ts";
import { MARKETS, type MarketSymbol } from "../../../worker/services/markets/symbols.ts";
import { type FeeRates, orderFeeMinor } from "../../../worker/services/trading/fees.ts";
import { holdFor } from "../../../worker/services/trading/sizing.ts";

/**
 * A small exact order desk for the planner tests: one bot's allocation (free quote and base)
 * and its orders by key, with the real desk's holds (trading/sizing.ts), fee rounding
 * (fees.ts: the order's whole fee rounded up once) and value rounding (a buy's quote rounded
 * up over the whole order, a sell's down). Market orders fill at once at the price given;
 * limit orders rest and fill at their own price when the price reaches them (maker), or at
 * once at the market price when placed marketable (taker).
 *
 * It refuses what the real desk would: a key repeated with a different order throws (the
 * planner broke its idempotency), and an order its free balance cannot hold is recorded as
 * rejected. Free balances going negative throws.
 */

interface FakeOrder extends ObservedOrder {
  quoteAmountMinor: bigint | null;
  holdMinor: bigint;
  /** Exact value of the fills, quote minor x 10^baseScale. */
  valueScaled: bigint;
  makerQuoteMinor: bigint;
  takerQuoteMinor: bigint;
}

export class FakeDesk {
  readonly orders = new Map<string, FakeOrder>();
  quoteFreeMinor: bigint;
  baseFreeMinor = 0n;
  readonly unit: bigint;
  readonly step: bigint;

  constructor(
    readonly symbol: MarketSymbol,
    readonly allocatedMinor: bigint,
    readonly rates: FeeRates = BOT_DEFAULT_FEE_RATES,
  ) {
    this.quoteFreeMinor = allocatedMinor;
    this.unit = pow10(ASSETS[MARKETS[symbol].base].scale);
    this.step = MARKETS[symbol].filters.stepSizeMinor;
  }

  observe(nowMs: number, lastPriceMinor: bigint, stale = false): Observation {
    return {
      nowMs,
      market: { lastPriceMinor, stale, filters: MARKETS[this.symbol].filters },
      orders: [...this.orders.values()].map((order) => ({
        key: order.key,
        side: order.side,
        type: order.type,
        status: order.status,
        priceMinor: order.priceMinor,
        quantityMinor: order.quantityMinor,
        filledQuantityMinor: order.filledQuantityMinor,
        filledQuoteMinor: order.filledQuoteMinor,
        feeMinor: order.feeMinor,
      })),
      budget: {
        allocatedMinor: this.allocatedMinor,
        availableQuoteMinor: this.quoteFreeMinor,
        availableBaseMinor: this.baseFreeMinor,
      },
    };
  }

  /** Carries out a plan's actions; `drop` loses a placement (the desk never recorded it). */
  apply(
    actions: readonly BotAction[],
    priceMinor: bigint,
    drop: (action: PlaceAction) => boolean = () => false,
  ): void {
    for (const action of actions) {
      if (action.kind === "cancel") this.cancel(action.key);
      else if (!drop(action)) this.place(action, priceMinor);
    }
  }

  /** The market moves to `priceMinor`: resting orders it reaches fill (half of them if `partial`). */
  advance(priceMinor: bigint, partial = false): void {
    for (const order of this.orders.values()) {
      if (order.status !== "open" && order.status !== "partially_filled") continue;
      const limit = order.priceMinor ?? 0n;
      const reached = order.side === "buy" ? priceMinor <= limit : priceMinor >= limit;
      if (!reached) continue;
      const remaining = (order.quantityMinor ?? 0n) - order.filledQuantityMinor;
      const half = floorToStep(remaining / 2n, this.step);
      const quantity = partial && half > 0n ? half : remaining;
      this.fill(order, quantity, limit, "maker");
    }
  }

  place(action: PlaceAction, priceMinor: bigint): void {
    const existing = this.orders.get(action.key);
    if (existing) {
      const same =
        existing.side === action.side &&
        existing.type === action.type &&
        existing.priceMinor === (action.priceMinor ?? null) &&
        existing.quantityMinor === (action.quantityMinor ?? null) &&
        existing.quoteAmountMinor === (action.quoteAmountMinor ?? null);
      if (!same) throw new Error(`idempotency_conflict: ${action.key} placed again with a different order`);
      return;
    }
    const baseScale = ASSETS[MARKETS[this.symbol].base].scale;
    const hold =
      action.side === "sell"
        ? (action.quantityMinor ?? 0n)
        : holdFor({
            side: "buy",
            type: action.type,
            baseScale,
            rates: this.rates,
            quantityMinor: action.quantityMinor,
            quoteAmountMinor: action.quoteAmountMinor,
            priceMinor: action.priceMinor,
            estimatedValueScaled:
              action.type === "market" && action.quantityMinor !== undefined
                ? action.quantityMinor * priceMinor
                : undefined,
          }).amountMinor;
    const order: FakeOrder = {
      key: action.key,
      side: action.side,
      type: action.type,
      status: "open",
      priceMinor: action.priceMinor ?? null,
      quantityMinor: action.quantityMinor ?? null,
      quoteAmountMinor: action.quoteAmountMinor ?? null,
      filledQuantityMinor: 0n,
      filledQuoteMinor: 0n,
      feeMinor: 0n,
      holdMinor: hold,
      valueScaled: 0n,
      makerQuoteMinor: 0n,
      takerQuoteMinor: 0n,
    };
    this.orders.set(action.key, order);
    const free = action.side === "buy" ? this.quoteFreeMinor : this.baseFreeMinor;
    if (hold > free) {
      order.status = "rejected";
      order.holdMinor = 0n;
      return;
    }
    if (action.side === "buy") this.quoteFreeMinor -= hold;
    else this.baseFreeMinor -= hold;
    if (action.type === "market") {
      const quantity =
        action.quoteAmountMinor !== undefined
          ? (action.quoteAmountMinor * this.unit) / priceMinor
          : (action.quantityMinor ?? 0n);
      if (quantity > 0n) this.fill(order, quantity, priceMinor, "taker");
      this.close(order, order.filledQuantityMinor > 0n ? "filled" : "cancelled");
      return;
    }
    const marketable =
      action.side === "buy"
        ? priceMinor <= (action.priceMinor ?? 0n)
        : priceMinor >= (action.priceMinor ?? 0n);
    if (marketable) this.fill(order, action.quantityMinor ?? 0n, priceMinor, "taker");
  }

  cancel(key: string): void {
    const order = this.orders.get(key);
    if (!order || (order.status !== "open" && order.status !== "partially_filled")) return;
    this.close(order, "cancelled");
  }

  private fill(
    order: FakeOrder,
    quantityMinor: bigint,
    priceMinor: bigint,
    liquidity: "maker" | "taker",
  ): void {
    const valueScaled = order.valueScaled + quantityMinor * priceMinor;
    const filledQuote = divide(valueScaled, this.unit, order.side === "buy" ? "ceil" : "floor");
    const quoteDelta = filledQuote - order.filledQuoteMinor;
    if (liquidity === "maker") order.makerQuoteMinor += quoteDelta;
    else order.takerQuoteMinor += quoteDelta;
    const fee = orderFeeMinor(this.rates, order.makerQuoteMinor, order.takerQuoteMinor);
    const feeDelta = fee - order.feeMinor;
    order.valueScaled = valueScaled;
    order.filledQuantityMinor += quantityMinor;
    order.filledQuoteMinor = filledQuote;
    order.feeMinor = fee;
    if (order.side === "buy") {
      this.baseFreeMinor += quantityMinor;
    } else {
      this.quoteFreeMinor += quoteDelta - feeDelta;
    }
    const consumed =
      order.side === "buy" ? order.filledQuoteMinor + order.feeMinor : order.filledQuantityMinor;
    if (consumed > order.holdMinor) throw new Error(`order ${order.key} consumed more than it held`);
    if (this.quoteFreeMinor < 0n || this.baseFreeMinor < 0n) throw new Error("a free balance went negative");
    const complete = order.quantityMinor !== null && order.filledQuantityMinor >= order.quantityMinor;
    if (complete) this.close(order, "filled");
    else if (order.type === "limit") order.status = "partially_filled";
  }

  private close(order: FakeOrder, status: "filled" | "cancelled"): void {
    const consumed =
      order.side === "buy" ? order.filledQuoteMinor + order.feeMinor : order.filledQuantityMinor;
    const rest = order.holdMinor - consumed;
    if (order.side === "buy") this.quoteFreeMinor += rest;
    else this.baseFreeMinor += rest;
    order.holdMinor = consumed;
    order.status = status;
  }
}

/** The real order path's filter check (markets/filters.ts) on a proposal, at the given price. */
export function passesRealFilters(
  symbol: MarketSymbol,
  action: PlaceAction,
  referencePriceMinor: bigint,
): boolean {
  const market = MARKETS[symbol];
  const baseScale = ASSETS[market.base].scale;
  const quoteScale = ASSETS[market.quote].scale;
  const result = checkOrderFilters(
    symbol,
    {
      side: action.side,
      type: action.type,
      ...(action.quantityMinor !== undefined
        ? { quantity: formatMinor(action.quantityMinor, baseScale) }
        : {}),
      ...(action.quoteAmountMinor !== undefined
        ? { quoteAmount: formatMinor(action.quoteAmountMinor, quoteScale) }
        : {}),
      ...(action.priceMinor !== undefined ? { price: formatMinor(action.priceMinor, quoteScale) } : {}),
    },
    { referencePriceMinor },
  );
  return result.ok;
}
