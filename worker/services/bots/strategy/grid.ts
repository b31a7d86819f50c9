import { z } from "zod";
import { ceilToStep, formatMinor } from "../../markets/decimal.ts";
import {
  alignQuantityDown,
  averagePrice,
  formatPrice,
  formatQuantity,
  formatQuote,
  invariant,
  type MarketContext,
} from "./exact.ts";
import {
  type GridSide,
  gridBudgetMinor,
  gridInitialSides,
  gridMinimumQuantityMinor,
  gridOrderPriceMinor,
  gridQuantityPerOrderMinor,
} from "./ladder.ts";
import {
  type Fill,
  MAX_TRACKED_ORDERS,
  type OrderOutcome,
  observeOrders,
  Tick,
  trackedOrderSchema,
} from "./orders.ts";
import { type GridParams, gridLevelsOf, gridParamsSchema, MAX_GRID_LEVELS } from "./params.ts";
import { bigintText, type Observation, type PlanResult, type StopSignal } from "./types.ts";

/**
 * The Grid planner. Levels L0 < ... < L(n-1) (ladder.ts); interval j = [Lj, Lj+1] always has
 * exactly one job: wait to buy Q base at Lj, or hold Q base and wait to sell it at Lj+1.
 *
 *   new       at the first fresh price P: each interval's side from P (gridInitialSides), Q the
 *             largest lot-step quantity per order whose grid the free quote covers
 *             (gridQuantityPerOrderMinor, holds as the desk takes them); then the base the
 *             sell side needs, bought at market                     -> grid:opening:buy-A
 *   running   every interval without an order gets its order, nearest to the price first
 *             (buys at Lj, sells at Lj+1, limit, Q each)            -> grid:L<level>:<side>:<G>
 *             A buy filled at level j re-arms the interval as a sell at j+1, a sell filled at
 *             level j+1 re-arms it as a buy at j; G counts the interval's orders, so every
 *             re-arm is a new key.
 *   exiting   the price crossed stopLossPrice (at or below) or takeProfitPrice (at or above):
 *             every order is cancelled, then the base is sold at market  -> grid:exit:sell-A
 *   stopped   `stop` is set on every result from then on: the caller stops the bot.
 *
 * An order the desk rejects (or never accepts) is retried with the next key after
 * GRID_RETRY_AFTER_FAILURE_MS. Stale market data: fills are counted and cancels proposed, no
 * order is placed and the stop prices are not evaluated. A level whose order would fall below
 * the market's minimum order value (or outside its price band now) is reported, not sent.
 */

const GRID_ROLES = ["level", "opening", "exit"] as const;
type GridRole = (typeof GRID_ROLES)[number];
const gridOrderSchema = trackedOrderSchema(GRID_ROLES);
type GridOrder = z.output<typeof gridOrderSchema>;

export const GRID_RETRY_AFTER_FAILURE_MS = 30_000;
const MAX_EXIT_ATTEMPTS = 3;
const MAX_OPENING_ATTEMPTS = 3;

const intervalSchema = z.object({
  side: z.enum(["buy", "sell"]),
  /** Orders placed for this interval so far: the last key's G. */
  generation: z.number().int().min(0),
  /** Set by a fill that flipped the side; the next order placed is a re-arm. */
  rearm: z.boolean(),
  /** No order before this (after a rejection). */
  retryAtMs: z.number().int(),
});

const totalsSchema = z.object({
  boughtQuantityMinor: bigintText,
  boughtQuoteMinor: bigintText,
  soldQuantityMinor: bigintText,
  soldQuoteMinor: bigintText,
  feesMinor: bigintText,
});

export const gridStateSchema = z.object({
  version: z.literal(1),
  strategy: z.literal("grid"),
  params: gridParamsSchema,
  levels: z.array(bigintText).min(2).max(MAX_GRID_LEVELS),
  phase: z.enum(["new", "opening", "running", "exiting", "stopped"]),
  exitReason: z.enum(["stop_loss", "take_profit"]).nullable(),
  quantityPerOrderMinor: bigintText,
  intervals: z.array(intervalSchema).max(MAX_GRID_LEVELS - 1),
  openingAttempts: z.number().int().min(0),
  /** Phase "new": no opening before this (after a failed opening buy). */
  retryAtMs: z.number().int(),
  exitAttempts: z.number().int().min(0),
  /** Sells filled: each is one completed buy-low/sell-high round trip (or the opening base sold). */
  completedSells: z.number().int().min(0),
  totals: totalsSchema,
  orders: z.array(gridOrderSchema).max(MAX_TRACKED_ORDERS),
  notices: z.record(z.string(), z.string()),
});
export type GridState = z.output<typeof gridStateSchema>;
export type GridStateJson = z.input<typeof gridStateSchema>;

export function createGridState(params: GridParams): GridState {
  return {
    version: 1,
    strategy: "grid",
    params,
    levels: gridLevelsOf(params),
    phase: "new",
    exitReason: null,
    quantityPerOrderMinor: 0n,
    intervals: [],
    openingAttempts: 0,
    retryAtMs: 0,
    exitAttempts: 0,
    completedSells: 0,
    totals: {
      boughtQuantityMinor: 0n,
      boughtQuoteMinor: 0n,
      soldQuantityMinor: 0n,
      soldQuoteMinor: 0n,
      feesMinor: 0n,
    },
    orders: [],
    notices: {},
  };
}

export function encodeGridState(state: GridState): GridStateJson {
  return z.encode(gridStateSchema, state);
}

export function decodeGridState(json: unknown): GridState {
  return gridStateSchema.parse(json);
}

export function planGrid(input: GridState, observation: Observation): PlanResult<GridState> {
  const state = structuredClone(input);
  const tick = new Tick(state.params.symbol, observation, state.notices);
  new GridPlanner(state, tick).run();
  tick.assertProposals();
  return { actions: tick.actions, state, events: tick.events, stop: stopSignalOf(state) };
}

function stopSignalOf(state: GridState): StopSignal | null {
  if (state.phase !== "stopped" || state.exitReason === null) return null;
  return {
    reason: state.exitReason,
    message:
      state.exitReason === "stop_loss"
        ? "The grid reached its stop-loss price and has closed its position: stop the bot."
        : "The grid reached its take-profit price and has closed its position: stop the bot.",
  };
}

class GridPlanner {
  readonly market: MarketContext;

  constructor(
    readonly state: GridState,
    readonly tick: Tick,
  ) {
    this.market = tick.market;
  }

  run(): void {
    const { state, tick } = this;
    const kept: GridOrder[] = [];
    for (const progress of observeOrders(state.orders, tick.observation)) {
      if (progress.fill) this.recordFill(progress.order, progress.fill);
      if (
        progress.outcome === "pending" ||
        progress.outcome === "resting" ||
        progress.outcome === "missing"
      ) {
        kept.push(progress.order);
      } else if (progress.outcome !== "dropped") {
        this.settle(progress.order, progress.outcome);
      }
    }
    state.orders = kept;
    for (const order of state.orders) if (order.cancelRequested) tick.cancel(order.key);
    if (state.phase === "stopped") return;

    if (tick.stale) {
      tick.notice(
        "market",
        "skipped_market_data_stale",
        "Market data is stale: no new orders until it is fresh.",
        {
          lastPrice: formatMinor(tick.lastPriceMinor, this.market.quoteScale),
        },
      );
      return;
    }
    tick.clearNotice("market");

    if (state.phase !== "exiting") this.checkStops();

    for (const order of state.orders) {
      if (order.observed || order.cancelRequested) continue;
      const failure = tick.repropose(order);
      if (failure)
        tick.noticeFailure(this.subjectOf(order), failure, this.describe(order), { key: order.key });
    }

    switch (state.phase) {
      case "new":
        this.open();
        return;
      case "opening":
        return;
      case "running":
        this.placeLevels();
        return;
      case "exiting":
        this.exit();
        return;
    }
  }

  recordFill(order: GridOrder, fill: Fill): void {
    const { totals } = this.state;
    if (order.side === "buy") {
      totals.boughtQuantityMinor += fill.quantityMinor;
      totals.boughtQuoteMinor += fill.quoteMinor;
    } else {
      totals.soldQuantityMinor += fill.quantityMinor;
      totals.soldQuoteMinor += fill.quoteMinor;
    }
    totals.feesMinor += fill.feeMinor;
    const price = averagePrice(fill.quoteMinor, fill.quantityMinor, this.market.baseUnit);
    this.tick.event(
      "filled",
      `${this.describe(order)} ${order.side === "buy" ? "bought" : "sold"} ${formatQuantity(fill.quantityMinor, this.market)}${price === null ? "" : ` at ${formatPrice(price, this.market)}`} for ${formatQuote(fill.quoteMinor, this.market)} (fee ${formatQuote(fill.feeMinor, this.market)}).`,
      {
        key: order.key,
        side: order.side,
        quantity: formatMinor(fill.quantityMinor, this.market.baseScale),
        quote: formatMinor(fill.quoteMinor, this.market.quoteScale),
        fee: formatMinor(fill.feeMinor, this.market.quoteScale),
        orderFilledQuantity: formatMinor(order.filledQuantityMinor, this.market.baseScale),
      },
    );
  }

  settle(order: GridOrder, outcome: OrderOutcome): void {
    const { state, tick } = this;
    if (order.cancelRequested) return;
    const filled = outcome === "filled";
    if (!filled && order.role !== "exit") {
      tick.event(
        "order_rejected",
        `${this.describe(order)} ${outcome === "abandoned" ? "was never accepted by the order desk" : `ended ${outcome}`}; it will be tried again.`,
        { key: order.key, outcome },
      );
    }
    switch (order.role) {
      case "level": {
        const interval = state.intervals[order.index];
        invariant(interval !== undefined, `no interval ${order.index}`);
        if (!filled) {
          interval.retryAtMs = tick.nowMs + GRID_RETRY_AFTER_FAILURE_MS;
          return;
        }
        if (order.side === "sell") state.completedSells += 1;
        interval.side = order.side === "buy" ? "sell" : "buy";
        interval.rearm = true;
        return;
      }
      case "opening": {
        if (state.phase !== "opening") return;
        if (order.filledQuantityMinor > 0n) {
          state.phase = "running";
          return;
        }
        state.phase = "new";
        state.retryAtMs = tick.nowMs + GRID_RETRY_AFTER_FAILURE_MS;
        return;
      }
      case "exit":
        return;
    }
  }

  checkStops(): void {
    const { state, tick, market } = this;
    const { stopLossPriceMinor, takeProfitPriceMinor } = state.params;
    const price = tick.lastPriceMinor;
    let reason: "stop_loss" | "take_profit" | null = null;
    if (stopLossPriceMinor !== null && price <= stopLossPriceMinor) reason = "stop_loss";
    else if (takeProfitPriceMinor !== null && price >= takeProfitPriceMinor) reason = "take_profit";
    if (reason === null) return;
    state.phase = "exiting";
    state.exitReason = reason;
    const limit = reason === "stop_loss" ? stopLossPriceMinor : takeProfitPriceMinor;
    tick.event(
      reason,
      `The price ${formatPrice(price, market)} crossed the grid's ${reason === "stop_loss" ? "stop-loss" : "take-profit"} price ${formatPrice(limit ?? 0n, market)}: cancelling every order and selling the base at market.`,
      { price: formatMinor(price, market.quoteScale), limit: formatMinor(limit ?? 0n, market.quoteScale) },
    );
    for (const order of state.orders) if (order.role !== "exit") this.requestCancel(order);
  }

  open(): void {
    const { state, tick, market } = this;
    if (tick.nowMs < state.retryAtMs) return;
    const price = tick.lastPriceMinor;
    const sides = gridInitialSides(state.levels, price);
    const budget = tick.quoteLeftMinor;
    const quantity = gridQuantityPerOrderMinor(state.levels, sides, price, budget, market, tick.rates);
    const minimum = gridMinimumQuantityMinor(state.levels, sides, price, market);
    if (quantity < minimum) {
      const needed = gridBudgetMinor(state.levels, sides, minimum, price, market, tick.rates);
      tick.notice(
        "opening",
        "skipped_insufficient_budget",
        `Grid not started: at ${formatPrice(price, market)} its ${sides.length} orders need at least ${formatQuote(needed, market)} (each at the minimum order value, fees included) and the bot has ${formatQuote(budget, market)} free.`,
        { needed: formatMinor(needed, market.quoteScale), free: formatMinor(budget, market.quoteScale) },
      );
      return;
    }
    const sells = sides.filter((side) => side === "sell").length;
    const missing = BigInt(sells) * quantity - tick.baseLeftMinor;
    let opening: GridOrder | null = null;
    if (missing > 0n && state.openingAttempts >= MAX_OPENING_ATTEMPTS) {
      // The opening buy kept failing: run with the base the allocation holds; a sell without
      // its base reports it level by level.
      tick.event(
        "skipped_insufficient_budget",
        `The grid's opening market buy failed ${MAX_OPENING_ATTEMPTS} times: the grid runs without it, and sells without base wait.`,
        { attempts: state.openingAttempts },
      );
    } else if (missing > 0n) {
      const attempt = state.openingAttempts + 1;
      const key = `grid:opening:buy-${attempt}`;
      const placed = tick.tryPlace(key, "opening" as GridRole, 0, {
        side: "buy",
        type: "market",
        quantityMinor: ceilToStep(missing, market.filters.stepSizeMinor),
      });
      if (!placed.ok) {
        tick.noticeFailure("opening", placed.failure, "The grid's opening market buy", { key });
        if (placed.failure.reason !== "min_notional") return;
      } else {
        state.openingAttempts = attempt;
        opening = placed.order;
      }
    }
    tick.clearNotice("opening");
    state.quantityPerOrderMinor = quantity;
    state.intervals = sides.map((side) => ({ side, generation: 0, rearm: false, retryAtMs: 0 }));
    tick.event(
      "grid_started",
      `Grid started at ${formatPrice(price, market)}: ${sides.length - sells} buy and ${sells} sell orders of ${formatQuantity(quantity, market)} between ${formatPrice(state.levels[0] ?? 0n, market)} and ${formatPrice(state.levels.at(-1) ?? 0n, market)}.`,
      {
        price: formatMinor(price, market.quoteScale),
        quantityPerOrder: formatMinor(quantity, market.baseScale),
        buys: sides.length - sells,
        sells,
      },
    );
    if (opening) {
      state.orders.push(opening);
      state.phase = "opening";
      tick.event(
        "order_placed",
        `Opening market buy of ${formatQuantity(opening.quantityMinor ?? 0n, market)}: the base for the ${sells} sell orders.`,
        {
          key: opening.key,
          side: "buy",
          type: "market",
          quantity: formatMinor(opening.quantityMinor ?? 0n, market.baseScale),
        },
      );
      return;
    }
    state.phase = "running";
    this.placeLevels();
  }

  placeLevels(): void {
    const { state, tick, market } = this;
    const quantityMinor = state.quantityPerOrderMinor;
    const price = tick.lastPriceMinor;
    const busy = new Set<number>();
    for (const order of state.orders) if (order.role === "level") busy.add(order.index);
    const distance = (index: number) => {
      const interval = state.intervals[index];
      const at = interval ? gridOrderPriceMinor(state.levels, index, interval.side) : 0n;
      return at > price ? at - price : price - at;
    };
    const order = state.intervals.map((_, index) => index);
    order.sort((a, b) => {
      const difference = distance(a) - distance(b);
      return difference < 0n ? -1 : difference > 0n ? 1 : a - b;
    });
    for (const index of order) {
      const interval = state.intervals[index];
      if (!interval || busy.has(index) || interval.retryAtMs > tick.nowMs) continue;
      const side: GridSide = interval.side;
      const priceMinor = gridOrderPriceMinor(state.levels, index, side);
      const level = side === "buy" ? index : index + 1;
      const generation = interval.generation + 1;
      const key = `grid:L${level}:${side}:${generation}`;
      const label = `${side === "buy" ? "Buy" : "Sell"} at level ${level} (${formatPrice(priceMinor, market)})`;
      const placed = tick.tryPlace(key, "level" as GridRole, index, {
        side,
        type: "limit",
        quantityMinor,
        priceMinor,
      });
      if (!placed.ok) {
        if (placed.failure.reason === "deferred") return;
        tick.noticeFailure(`L${index}`, placed.failure, label, { key, level, side });
        continue;
      }
      tick.clearNotice(`L${index}`);
      interval.generation = generation;
      const rearmed = interval.rearm;
      interval.rearm = false;
      state.orders.push(placed.order);
      tick.event(
        rearmed ? "grid_level_rearmed" : "order_placed",
        `${label}: ${side} ${formatQuantity(quantityMinor, market)}${rearmed ? `, re-armed after the ${side === "buy" ? "sell" : "buy"} on the other side of the interval filled` : ""}.`,
        {
          key,
          level,
          side,
          type: "limit",
          quantity: formatMinor(quantityMinor, market.baseScale),
          price: formatMinor(priceMinor, market.quoteScale),
        },
      );
    }
  }

  exit(): void {
    const { state, tick, market } = this;
    for (const order of state.orders) if (order.role !== "exit") this.requestCancel(order);
    this.forgetUnplaced();
    if (state.orders.length > 0) return;
    const quantityMinor = alignQuantityDown(tick.baseLeftMinor, market.filters);
    if (quantityMinor > 0n && state.exitAttempts < MAX_EXIT_ATTEMPTS) {
      const attempt = state.exitAttempts + 1;
      const key = `grid:exit:sell-${attempt}`;
      const placed = tick.tryPlace(key, "exit" as GridRole, 0, {
        side: "sell",
        type: "market",
        quantityMinor,
      });
      if (placed.ok) {
        state.exitAttempts = attempt;
        state.orders.push(placed.order);
        tick.event("order_placed", `Exit: market sell of ${formatQuantity(quantityMinor, market)}.`, {
          key,
          side: "sell",
          type: "market",
          quantity: formatMinor(quantityMinor, market.baseScale),
        });
        return;
      }
      if (placed.failure.reason === "deferred") return;
      tick.event(
        placed.failure.reason === "min_notional" ? "skipped_below_min_notional" : "skipped_exchange_limits",
        `Exit: the remaining ${formatQuantity(quantityMinor, market)} is not sold (${placed.failure.message}); it stays in the bot's allocation.`,
        { key, quantity: formatMinor(quantityMinor, market.baseScale) },
      );
    }
    state.phase = "stopped";
    const { totals } = state;
    const netMinor = totals.soldQuoteMinor - totals.boughtQuoteMinor - totals.feesMinor;
    tick.event(
      "grid_stopped_out",
      `Grid stopped by its ${state.exitReason === "take_profit" ? "take-profit" : "stop-loss"} price after ${state.completedSells} sells: bought ${formatQuantity(totals.boughtQuantityMinor, market)} for ${formatQuote(totals.boughtQuoteMinor, market)}, sold ${formatQuantity(totals.soldQuantityMinor, market)} for ${formatQuote(totals.soldQuoteMinor, market)}, fees ${formatQuote(totals.feesMinor, market)}.`,
      {
        reason: state.exitReason,
        bought: formatMinor(totals.boughtQuantityMinor, market.baseScale),
        spent: formatMinor(totals.boughtQuoteMinor, market.quoteScale),
        sold: formatMinor(totals.soldQuantityMinor, market.baseScale),
        received: formatMinor(totals.soldQuoteMinor, market.quoteScale),
        fees: formatMinor(totals.feesMinor, market.quoteScale),
        net: formatMinor(netMinor, market.quoteScale),
        stopBot: true,
      },
    );
  }

  /** Decides to cancel an order; one the desk never showed is not cancelled but forgotten. */
  requestCancel(order: GridOrder): void {
    if (order.cancelRequested) return;
    order.cancelRequested = true;
    if (order.observed) this.tick.cancel(order.key);
  }

  /** Forgets cancelled orders the desk never showed: never placed, so there is nothing to wait for. */
  forgetUnplaced(): void {
    this.state.orders = this.state.orders.filter((order) => order.observed || !order.cancelRequested);
  }

  subjectOf(order: GridOrder): string {
    return order.role === "level" ? `L${order.index}` : order.role;
  }

  describe(order: GridOrder): string {
    switch (order.role) {
      case "level": {
        const level = order.side === "buy" ? order.index : order.index + 1;
        return `${order.side === "buy" ? "Buy" : "Sell"} ${order.key} at level ${level}`;
      }
      case "opening":
        return `Opening market buy ${order.key}`;
      case "exit":
        return `Exit sale ${order.key}`;
    }
  }
}
