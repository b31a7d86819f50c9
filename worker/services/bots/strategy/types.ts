import { z } from "zod";
import type { BasicOrderType, OrderSide } from "../../markets/filters.ts";
import type { FeeRates } from "../../trading/fees.ts";
import type { MarketFilters } from "./exact.ts";

/**
 * The contract between the strategy planners (dca.ts, grid.ts) and the Bot Durable Object that
 * calls them on every tick:
 *
 *   const { actions, state, events, stop } = planDca(state, observation);
 *
 * The planners are pure: no I/O, no clock (time is `observation.nowMs`), no randomness, and
 * their input is never mutated. The Bot persists `state` (through the encode/decode codecs,
 * bigints as decimal strings) together with `events`, then carries out `actions`: each `place`
 * through the owner's order desk with the client key `bot:<botId>:<key>`, each `cancel` by
 * that same key. Keys are deterministic, so a tick re-run after a crash proposes the same
 * key with the same order, and the desk's idempotency makes it exactly-once.
 *
 * Rules the caller can rely on:
 * - A `place` is never proposed for a key the observation already shows: a key proposed and
 *   not yet seen is proposed again, identically, until the desk shows it (or, after
 *   PENDING_PLACEMENT_TIMEOUT_MS, the planner gives it up and says so in an event).
 * - The actions of one plan never depend on each other's outcome (a replaced order is
 *   cancelled in one tick and its successor placed in a later one), so they may be carried
 *   out in any order, and a failure of one (a 409 `order_not_open` on a cancel, say) needs no
 *   handling beyond logging: the next tick observes what happened.
 * - The sum of what the proposed buys will hold (fees included, by trading/sizing.ts) never
 *   exceeds `min(budget.availableQuoteMinor, budget.allocatedMinor)`, and the sells never
 *   exceed `budget.availableBaseMinor`.
 * - At most MAX_ACTIONS_PER_PLAN (50) actions per plan; what does not fit goes out on later
 *   ticks (a 200-level grid opens, and cancels, over a few ticks).
 * - `observation.orders` must include every key of `watchedKeys(state)`, whatever its status;
 *   other keys are ignored.
 */

export const OBSERVED_ORDER_STATUSES = [
  "open",
  "partially_filled",
  "filled",
  "cancelled",
  "rejected",
] as const;
export type ObservedOrderStatus = (typeof OBSERVED_ORDER_STATUSES)[number];
export const RESTING_ORDER_STATUSES: readonly ObservedOrderStatus[] = ["open", "partially_filled"];

/** One of the bot's own orders, as the order desk reports it now (found by its key). */
export interface ObservedOrder {
  key: string;
  side: OrderSide;
  type: BasicOrderType;
  status: ObservedOrderStatus;
  priceMinor: bigint | null;
  quantityMinor: bigint | null;
  filledQuantityMinor: bigint;
  /** Quote value of the fills, before the fee (spent by a buy, received by a sell). */
  filledQuoteMinor: bigint;
  /** Fee charged so far, in the quote asset. */
  feeMinor: bigint;
}

export interface Observation {
  nowMs: number;
  market: {
    lastPriceMinor: bigint;
    /** Market data too old to trade on: the planner proposes no order, only cancels. */
    stale: boolean;
    filters: MarketFilters;
  };
  orders: readonly ObservedOrder[];
  budget: {
    /** The bot's budget, in the quote asset. */
    allocatedMinor: bigint;
    /** Quote in the bot's allocation not held by any order now. */
    availableQuoteMinor: bigint;
    /** Base in the bot's allocation not held by any order now. */
    availableBaseMinor: bigint;
  };
  /** The owner's fee rates; defaults to BOT_DEFAULT_FEE_RATES (the most expensive tier). */
  feeRates?: FeeRates | undefined;
}

/** An order to place: exactly the fields of the desk's OrderRequest, plus what it will hold. */
export interface PlaceAction {
  kind: "place";
  key: string;
  side: OrderSide;
  type: BasicOrderType;
  /** Base minor units (limit orders, market sells, a grid's opening market buy). */
  quantityMinor?: bigint;
  /** Quote minor units: only a market buy sized by what it spends (a DCA base order). */
  quoteAmountMinor?: bigint;
  /** Quote minor units per whole base unit: only limit orders. */
  priceMinor?: bigint;
  /** What the desk will hold at most: quote (fees included) for a buy, base for a sell. */
  reservesMinor: bigint;
  reservesAsset: "quote" | "base";
}

export interface CancelAction {
  kind: "cancel";
  key: string;
}

export type BotAction = PlaceAction | CancelAction;

export const BOT_EVENT_KINDS = [
  "deal_started",
  "order_placed",
  "order_cancelled",
  "order_rejected",
  "filled",
  "safety_order_armed",
  "take_profit_placed",
  "take_profit",
  "stop_loss",
  "deal_closed",
  "cooldown",
  "grid_started",
  "grid_level_rearmed",
  "grid_stopped_out",
  "skipped_insufficient_budget",
  "skipped_below_min_notional",
  "skipped_market_data_stale",
  "skipped_price_band",
  "skipped_exchange_limits",
] as const;
export type BotEventKind = (typeof BOT_EVENT_KINDS)[number];

/**
 * A decision, or a reason for not acting. `message` is for the trader (amounts with their
 * assets); `detail` for machines: amounts as decimal strings, the order key where there is one.
 * "skipped_*" events are reported once per subject until the situation changes, not on every
 * tick.
 */
export interface BotEvent {
  kind: BotEventKind;
  message: string;
  detail: Record<string, string | number | boolean | null>;
}

/** Tells the caller to stop the bot (a grid whose stop-loss or take-profit price was crossed). */
export interface StopSignal {
  reason: "stop_loss" | "take_profit";
  message: string;
}

export interface PlanResult<State> {
  actions: BotAction[];
  state: State;
  events: BotEvent[];
  /** Non-null once the strategy has finished: the caller stops the bot (and keeps calling is harmless). */
  stop: StopSignal | null;
}

/** bigint <-> decimal string, for state the Bot persists as JSON. */
export const bigintText = z.codec(z.string().regex(/^-?(0|[1-9][0-9]*)$/), z.bigint(), {
  decode: (text) => BigInt(text),
  encode: (value) => value.toString(),
});
