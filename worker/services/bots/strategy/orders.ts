import { z } from "zod";
import { formatMinor } from "../../markets/decimal.ts";
import type { MarketSymbol } from "../../markets/symbols.ts";
import type { FeeRates } from "../../trading/fees.ts";
import {
  BOT_DEFAULT_FEE_RATES,
  checkRules,
  invariant,
  type MarketContext,
  marketContext,
  type OrderShape,
  reserveFor,
} from "./exact.ts";
import {
  type BotAction,
  type BotEvent,
  type BotEventKind,
  bigintText,
  type CancelAction,
  type Observation,
  type ObservedOrder,
  type PlaceAction,
  RESTING_ORDER_STATUSES,
} from "./types.ts";

/**
 * The bookkeeping both planners share: each order the bot proposed is tracked in its state
 * until the desk reports it final, and every tick compares the observation with what was seen
 * before. Fills are counted from the difference (so a tick re-run with the same observation
 * counts nothing twice), and an order proposed but not yet seen is proposed again, identically.
 *
 * "Not in the observation" means "not placed": the observation is read from the desk by key,
 * and the desk records an order before it holds or executes anything.
 */

/** A proposed order the desk has not shown after this long is given up (and reported). */
export const PENDING_PLACEMENT_TIMEOUT_MS = 120_000;
/** Bound on tracked orders: a grid rests at most 199, a DCA deal at most 3. */
export const MAX_TRACKED_ORDERS = 256;
/**
 * Bound on the actions of one plan (the bot desk refuses more than 50 per tick). What does not
 * fit waits for the next tick: cancels already decided first, then orders proposed again, then
 * new ones, nearest the price first for a grid.
 */
export const MAX_ACTIONS_PER_PLAN = 50;
/** Bound on remembered "skipped" notices (one per subject: a level, the deal, the market). */
export const MAX_NOTICES = 256;

export function trackedOrderSchema<const Roles extends readonly [string, ...string[]]>(roles: Roles) {
  return z.object({
    key: z.string().min(1).max(96),
    role: z.enum(roles),
    /** The safety order number (DCA) or the grid interval; 0 where neither applies. */
    index: z.number().int().min(0),
    side: z.enum(["buy", "sell"]),
    type: z.enum(["market", "limit"]),
    priceMinor: bigintText.nullable(),
    quantityMinor: bigintText.nullable(),
    quoteAmountMinor: bigintText.nullable(),
    reservesMinor: bigintText,
    proposedAtMs: z.number().int(),
    /** Seen in an observation at least once. */
    observed: z.boolean(),
    /** The planner wants it gone; proposed as a cancel while it rests. */
    cancelRequested: z.boolean(),
    /** Totals as last observed. */
    filledQuantityMinor: bigintText,
    filledQuoteMinor: bigintText,
    feeMinor: bigintText,
  });
}

export interface TrackedOrder<Role extends string = string> {
  key: string;
  role: Role;
  index: number;
  side: "buy" | "sell";
  type: "market" | "limit";
  priceMinor: bigint | null;
  quantityMinor: bigint | null;
  quoteAmountMinor: bigint | null;
  reservesMinor: bigint;
  proposedAtMs: number;
  observed: boolean;
  cancelRequested: boolean;
  filledQuantityMinor: bigint;
  filledQuoteMinor: bigint;
  feeMinor: bigint;
}

export interface Fill {
  quantityMinor: bigint;
  quoteMinor: bigint;
  feeMinor: bigint;
}

/**
 * What became of a tracked order this tick:
 *   pending    proposed, not yet on the desk: propose it again
 *   resting    on the desk, open or partially filled
 *   filled | cancelled | rejected   final on the desk: the planner reacts, then forgets it
 *   abandoned  proposed long ago and never shown: treated as rejected
 *   dropped    never placed, and no longer wanted: forgotten
 *   missing    seen before but absent from this observation: left alone until it is back
 */
export type OrderOutcome =
  | "pending"
  | "resting"
  | "filled"
  | "cancelled"
  | "rejected"
  | "abandoned"
  | "dropped"
  | "missing";

export interface OrderProgress<Role extends string> {
  order: TrackedOrder<Role>;
  outcome: OrderOutcome;
  /** What filled since the last observation, if anything. */
  fill: Fill | null;
}

export function observeOrders<Role extends string>(
  orders: readonly TrackedOrder<Role>[],
  observation: Observation,
): OrderProgress<Role>[] {
  invariant(orders.length <= MAX_TRACKED_ORDERS, "too many tracked orders");
  const byKey = new Map<string, ObservedOrder>();
  for (const observed of observation.orders) byKey.set(observed.key, observed);
  return orders.map((order) => {
    const observed = byKey.get(order.key);
    if (!observed) {
      if (order.observed) return { order, outcome: "missing", fill: null };
      if (order.cancelRequested) return { order, outcome: "dropped", fill: null };
      const expired = observation.nowMs - order.proposedAtMs > PENDING_PLACEMENT_TIMEOUT_MS;
      return { order, outcome: expired ? "abandoned" : "pending", fill: null };
    }
    invariant(
      observed.side === order.side && observed.type === order.type,
      `order ${order.key} on the desk is a ${observed.type} ${observed.side}, proposed as a ${order.type} ${order.side}`,
    );
    const fill: Fill = {
      quantityMinor: observed.filledQuantityMinor - order.filledQuantityMinor,
      quoteMinor: observed.filledQuoteMinor - order.filledQuoteMinor,
      feeMinor: observed.feeMinor - order.feeMinor,
    };
    invariant(
      fill.quantityMinor >= 0n && fill.quoteMinor >= 0n && fill.feeMinor >= 0n,
      `order ${order.key}: fills went backwards`,
    );
    const updated: TrackedOrder<Role> = {
      ...order,
      observed: true,
      filledQuantityMinor: observed.filledQuantityMinor,
      filledQuoteMinor: observed.filledQuoteMinor,
      feeMinor: observed.feeMinor,
    };
    const outcome: OrderOutcome = RESTING_ORDER_STATUSES.includes(observed.status)
      ? "resting"
      : observed.status === "filled"
        ? "filled"
        : observed.status === "cancelled"
          ? "cancelled"
          : "rejected";
    const filled = fill.quantityMinor > 0n || fill.quoteMinor > 0n || fill.feeMinor > 0n;
    return { order: updated, outcome, fill: filled ? fill : null };
  });
}

export type PlaceFailure = {
  /** "deferred": no room left in this plan (MAX_ACTIONS_PER_PLAN); not reported, tried next tick. */
  reason: "min_notional" | "band" | "limits" | "budget" | "deferred";
  message: string;
  /** For "budget": what the order would hold. */
  neededMinor?: bigint;
};

const FAILURE_KINDS: Record<Exclude<PlaceFailure["reason"], "deferred">, BotEventKind> = {
  min_notional: "skipped_below_min_notional",
  band: "skipped_price_band",
  limits: "skipped_exchange_limits",
  budget: "skipped_insufficient_budget",
};

const DEFERRED: PlaceFailure = { reason: "deferred", message: "no room left in this tick" };

/**
 * One planning pass: the actions and events being built, the budget still free this tick,
 * and the notices already given. Lives only inside a `plan` call.
 */
export class Tick {
  readonly actions: BotAction[] = [];
  readonly events: BotEvent[] = [];
  readonly market: MarketContext;
  readonly rates: FeeRates;
  readonly nowMs: number;
  readonly lastPriceMinor: bigint;
  readonly stale: boolean;
  /** Free quote and base left for this tick's proposals. */
  quoteLeftMinor: bigint;
  baseLeftMinor: bigint;
  readonly startQuoteMinor: bigint;
  readonly startBaseMinor: bigint;

  constructor(
    symbol: MarketSymbol,
    readonly observation: Observation,
    private readonly notices: Record<string, string>,
  ) {
    this.market = marketContext(symbol, observation.market.filters);
    this.rates = observation.feeRates ?? BOT_DEFAULT_FEE_RATES;
    this.nowMs = observation.nowMs;
    this.lastPriceMinor = observation.market.lastPriceMinor;
    this.stale = observation.market.stale || observation.market.lastPriceMinor <= 0n;
    const { budget } = observation;
    const quote =
      budget.availableQuoteMinor < budget.allocatedMinor ? budget.availableQuoteMinor : budget.allocatedMinor;
    this.quoteLeftMinor = quote > 0n ? quote : 0n;
    this.baseLeftMinor = budget.availableBaseMinor > 0n ? budget.availableBaseMinor : 0n;
    this.startQuoteMinor = this.quoteLeftMinor;
    this.startBaseMinor = this.baseLeftMinor;
  }

  event(kind: BotEventKind, message: string, detail: BotEvent["detail"] = {}): void {
    this.events.push({ kind, message, detail });
  }

  /** A "why not" event, given once per subject until `clearNotice` (or another kind) replaces it. */
  notice(subject: string, kind: BotEventKind, message: string, detail: BotEvent["detail"] = {}): void {
    if (this.notices[subject] === kind) return;
    if (this.notices[subject] === undefined && Object.keys(this.notices).length >= MAX_NOTICES) return;
    this.notices[subject] = kind;
    this.event(kind, message, detail);
  }

  clearNotice(subject: string): void {
    delete this.notices[subject];
  }

  noticeFailure(subject: string, failure: PlaceFailure, what: string, detail: BotEvent["detail"] = {}): void {
    if (failure.reason === "deferred") return;
    this.notice(subject, FAILURE_KINDS[failure.reason], `${what} not placed: ${failure.message}.`, {
      ...detail,
      rule: failure.reason,
    });
  }

  /**
   * Proposes an order if it passes the exchange filters at the current price and fits in what
   * is left of the budget this tick; returns the order to track, or why not.
   */
  tryPlace<Role extends string>(
    key: string,
    role: Role,
    index: number,
    order: OrderShape,
  ): { ok: true; order: TrackedOrder<Role> } | { ok: false; failure: PlaceFailure } {
    invariant(!this.stale, "no order is proposed on stale market data");
    if (!this.hasRoom()) return { ok: false, failure: DEFERRED };
    const broken = checkRules(order, this.market, this.lastPriceMinor);
    if (broken) return { ok: false, failure: { reason: broken.rule, message: broken.message } };
    const reserve = reserveFor(order, this.market, this.rates, this.lastPriceMinor);
    const tracked: TrackedOrder<Role> = {
      key,
      role,
      index,
      side: order.side,
      type: order.type,
      priceMinor: order.priceMinor ?? null,
      quantityMinor: order.quantityMinor ?? null,
      quoteAmountMinor: order.quoteAmountMinor ?? null,
      reservesMinor: reserve.amountMinor,
      proposedAtMs: this.nowMs,
      observed: false,
      cancelRequested: false,
      filledQuantityMinor: 0n,
      filledQuoteMinor: 0n,
      feeMinor: 0n,
    };
    const failure = this.#reserve(tracked);
    return failure ? { ok: false, failure } : { ok: true, order: tracked };
  }

  /**
   * Proposes a pending order again, exactly as first proposed, if it still passes the filters
   * and fits. What it will hold is worked out again: a market buy by quantity is held at the
   * price of the moment, so the first estimate may no longer be what the desk takes.
   */
  repropose(order: TrackedOrder): PlaceFailure | null {
    invariant(!order.observed && !order.cancelRequested, `order ${order.key} is not pending`);
    if (!this.hasRoom()) return DEFERRED;
    const shape = shapeOf(order);
    const broken = checkRules(shape, this.market, this.lastPriceMinor);
    if (broken) return { reason: broken.rule, message: broken.message };
    order.reservesMinor = reserveFor(shape, this.market, this.rates, this.lastPriceMinor).amountMinor;
    return this.#reserve(order);
  }

  /** Proposes a cancel if the plan has room; a decided cancel not sent now goes out next tick. */
  cancel(key: string): void {
    if (this.hasRoom()) this.actions.push({ kind: "cancel", key });
  }

  hasRoom(): boolean {
    return this.actions.length < MAX_ACTIONS_PER_PLAN;
  }

  #reserve(order: TrackedOrder): PlaceFailure | null {
    const left = order.side === "buy" ? this.quoteLeftMinor : this.baseLeftMinor;
    if (order.reservesMinor > left) {
      const asset = order.side === "buy" ? this.market.quote : this.market.base;
      return {
        reason: "budget",
        message: `it needs ${formatMinor(order.reservesMinor, order.side === "buy" ? this.market.quoteScale : this.market.baseScale)} ${asset} and the bot has ${formatMinor(left, order.side === "buy" ? this.market.quoteScale : this.market.baseScale)} ${asset} free`,
        neededMinor: order.reservesMinor,
      };
    }
    if (order.side === "buy") this.quoteLeftMinor -= order.reservesMinor;
    else this.baseLeftMinor -= order.reservesMinor;
    const action: PlaceAction = {
      kind: "place",
      key: order.key,
      side: order.side,
      type: order.type,
      ...(order.quantityMinor !== null ? { quantityMinor: order.quantityMinor } : {}),
      ...(order.quoteAmountMinor !== null ? { quoteAmountMinor: order.quoteAmountMinor } : {}),
      ...(order.priceMinor !== null ? { priceMinor: order.priceMinor } : {}),
      reservesMinor: order.reservesMinor,
      reservesAsset: order.side === "buy" ? "quote" : "base",
    };
    this.actions.push(action);
    return null;
  }

  /** The checks every plan ends with: a violation is a bug, and nothing is proposed. */
  assertProposals(): void {
    invariant(this.quoteLeftMinor >= 0n && this.baseLeftMinor >= 0n, "proposals exceed the budget");
    invariant(this.actions.length <= MAX_ACTIONS_PER_PLAN, "too many actions in one plan");
    const keys = new Set<string>();
    let quote = 0n;
    let base = 0n;
    for (const action of this.actions) {
      invariant(
        !keys.has(`${action.kind}:${action.key}`),
        `action ${action.kind} ${action.key} proposed twice`,
      );
      keys.add(`${action.kind}:${action.key}`);
      if (action.kind !== "place") continue;
      invariant(!this.stale, "an order proposed on stale market data");
      invariant(
        checkRules(action, this.market, this.lastPriceMinor) === null,
        `order ${action.key} breaks the filters`,
      );
      if (action.reservesAsset === "quote") quote += action.reservesMinor;
      else base += action.reservesMinor;
    }
    invariant(
      quote <= this.startQuoteMinor && base <= this.startBaseMinor,
      "proposals exceed the allocation",
    );
  }
}

/** The keys `observation.orders` must report on, whatever their status. */
export function watchedKeys(state: { orders: readonly { key: string }[] }): string[] {
  return state.orders.map((order) => order.key);
}

/**
 * For stopping a bot: a cancel for every order the strategy still tracks (the caller also
 * cancels whatever else of the bot's rests on the desk). A cancel of an order that is not
 * resting is answered 409/404 by the desk and can be ignored.
 */
export function cancelAllActions(state: { orders: readonly { key: string }[] }): CancelAction[] {
  return state.orders.map((order) => ({ kind: "cancel", key: order.key }));
}

export function shapeOf(order: TrackedOrder): OrderShape {
  return {
    side: order.side,
    type: order.type,
    quantityMinor: order.quantityMinor ?? undefined,
    quoteAmountMinor: order.quoteAmountMinor ?? undefined,
    priceMinor: order.priceMinor ?? undefined,
  };
}
