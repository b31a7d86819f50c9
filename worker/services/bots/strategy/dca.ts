import { z } from "zod";
import { formatMinor } from "../../markets/decimal.ts";
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
  safetyOrderAmountMinor,
  safetyOrderPriceMinor,
  stopLossReached,
  takeProfitPriceMinor,
} from "./ladder.ts";
import {
  type Fill,
  MAX_TRACKED_ORDERS,
  type OrderOutcome,
  observeOrders,
  Tick,
  trackedOrderSchema,
} from "./orders.ts";
import { type DcaParams, dcaDealBudgetMinor, dcaParamsSchema, MAX_SAFETY_ORDERS } from "./params.ts";
import { bigintText, type Observation, type PlanResult } from "./types.ts";

/**
 * The DCA planner. A deal:
 *
 *   start     when no deal is open and the cooldown is over, and the bot's free quote covers
 *             the whole deal (base order and every safety order, fees included:
 *             `dcaDealBudgetMinor`), a market buy spending `baseOrder`  -> deal-N:base
 *   entry     the base order's average fill price
 *   safety    limit buys at entry x (1 - i x deviation), each volumeScale times the last,
 *             armed ONE AT A TIME: safety order i+1 is placed when i is done. Chosen over
 *             arming all at once because the desk limits open orders per user (every bot of
 *             the user shares it), because each order is then checked against the percent-
 *             price band near the price it will trade at, and because the quote of unarmed
 *             orders stays free in the allocation. A fast drop through several levels costs
 *             nothing: a limit buy placed above the market fills at once at the better price.
 *                                                                      -> deal-N:so-i
 *   take      a limit sell of the whole position (floored to the lot step) at
 *   profit    average x (1 + takeProfit); when a buy adds to the position it is cancelled and,
 *             once the desk shows it closed, placed again for the new position with the next
 *             generation number (never both in one tick: the new size needs the old one's
 *             base back)                                               -> deal-N:tp-G
 *   stop      (optional) when the price is at or below average x (1 - stopLoss): everything
 *   loss      is cancelled, then the position is sold at market       -> deal-N:exit-A
 *   close     when the take profit fills (any base bought meanwhile by a resting safety order
 *             is sold at market after it is cancelled), or the stop-loss sale is done; the
 *             next deal may start `cooldownSeconds` later.
 *
 * Stale market data: fills are still counted and cancels still proposed, but no order is.
 * Every "not now" (budget, min notional, price band, stale data) is an event, given once per
 * subject until the situation changes.
 */

const DCA_ROLES = ["base", "safety", "take_profit", "exit"] as const;
type DcaRole = (typeof DCA_ROLES)[number];
const dcaOrderSchema = trackedOrderSchema(DCA_ROLES);
type DcaOrder = z.output<typeof dcaOrderSchema>;

/** A deal whose base order failed is retried after this long (or the cooldown, if longer). */
export const DCA_RETRY_AFTER_FAILURE_MS = 60_000;
/** Market sales tried at most this often to close a deal; what is left stays in the allocation. */
const MAX_EXIT_ATTEMPTS = 3;

const dealSchema = z.object({
  number: z.number().int().min(1),
  status: z.enum(["entering", "open", "closing"]),
  closeReason: z.enum(["take_profit", "stop_loss"]).nullable(),
  startedAtMs: z.number().int(),
  /** Average price of the base order's fills: the safety ladder hangs from it. */
  entryPriceMinor: bigintText.nullable(),
  /** The next safety order to arm, 1-based; past `safetyOrders` when all are done. */
  nextSafetyIndex: z.number().int().min(1),
  safetyOrdersFilled: z.number().int().min(0),
  takeProfitGeneration: z.number().int().min(0),
  /** The base bought when the current take profit was sized; more bought -> re-place it. */
  takeProfitCoversMinor: bigintText,
  exitAttempts: z.number().int().min(0),
  boughtQuantityMinor: bigintText,
  boughtQuoteMinor: bigintText,
  soldQuantityMinor: bigintText,
  soldQuoteMinor: bigintText,
  feesMinor: bigintText,
});
type Deal = z.output<typeof dealSchema>;

export const dcaStateSchema = z.object({
  version: z.literal(1),
  strategy: z.literal("dca"),
  params: dcaParamsSchema,
  dealsStarted: z.number().int().min(0),
  dealsClosed: z.number().int().min(0),
  /** Sum over closed deals of quote received minus quote spent, fees included. */
  netQuoteMinor: bigintText,
  nextDealAtMs: z.number().int(),
  deal: dealSchema.nullable(),
  orders: z.array(dcaOrderSchema).max(MAX_TRACKED_ORDERS),
  notices: z.record(z.string(), z.string()),
});
export type DcaState = z.output<typeof dcaStateSchema>;
/** The persisted form: the same, with every bigint as a decimal string. */
export type DcaStateJson = z.input<typeof dcaStateSchema>;

export function createDcaState(params: DcaParams): DcaState {
  return {
    version: 1,
    strategy: "dca",
    params,
    dealsStarted: 0,
    dealsClosed: 0,
    netQuoteMinor: 0n,
    nextDealAtMs: 0,
    deal: null,
    orders: [],
    notices: {},
  };
}

export function encodeDcaState(state: DcaState): DcaStateJson {
  return z.encode(dcaStateSchema, state);
}

/** Throws a ZodError for anything that is not a DCA state this version wrote. */
export function decodeDcaState(json: unknown): DcaState {
  return dcaStateSchema.parse(json);
}

export function planDca(input: DcaState, observation: Observation): PlanResult<DcaState> {
  const state = structuredClone(input);
  const tick = new Tick(state.params.symbol, observation, state.notices);
  const planner = new DcaPlanner(state, tick);
  planner.run();
  tick.assertProposals();
  return { actions: tick.actions, state, events: tick.events, stop: null };
}

/** One pass over a cloned state; never escapes `planDca`. */
class DcaPlanner {
  readonly market: MarketContext;

  constructor(
    readonly state: DcaState,
    readonly tick: Tick,
  ) {
    this.market = tick.market;
  }

  get params(): DcaParams {
    return this.state.params;
  }

  run(): void {
    const { state, tick } = this;
    invariant(state.orders.length === 0 || state.deal !== null, "orders tracked outside a deal");
    const kept: DcaOrder[] = [];
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
    // Cancels already decided go out on every tick until the desk shows the order closed.
    for (const order of state.orders) if (order.cancelRequested) tick.cancel(order.key);

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

    for (const order of state.orders) {
      if (order.observed || order.cancelRequested) continue;
      const failure = tick.repropose(order);
      if (failure)
        tick.noticeFailure(subjectOf(order.role), failure, this.describe(order), { key: order.key });
    }

    // At most two passes: a deal that closes now lets the next one start in the same tick.
    for (let pass = 0; pass < 2; pass++) {
      const deal = state.deal;
      if (!deal) {
        if (tick.nowMs >= state.nextDealAtMs) this.startDeal();
        return;
      }
      if (deal.status === "entering") return;
      if (deal.status === "open") {
        if (!this.checkStopLoss(deal)) {
          this.manageTakeProfit(deal);
          this.armSafetyOrder(deal);
          return;
        }
      }
      if (!this.close(deal)) return;
    }
  }

  recordFill(order: DcaOrder, fill: Fill): void {
    const deal = this.state.deal;
    invariant(deal !== null, `a fill of ${order.key} outside a deal`);
    if (order.side === "buy") {
      deal.boughtQuantityMinor += fill.quantityMinor;
      deal.boughtQuoteMinor += fill.quoteMinor;
    } else {
      deal.soldQuantityMinor += fill.quantityMinor;
      deal.soldQuoteMinor += fill.quoteMinor;
    }
    deal.feesMinor += fill.feeMinor;
    const price = averagePrice(fill.quoteMinor, fill.quantityMinor, this.market.baseUnit);
    this.tick.event(
      "filled",
      `${this.describe(order)} ${order.side === "buy" ? "bought" : "sold"} ${formatQuantity(fill.quantityMinor, this.market)}${price === null ? "" : ` at ${formatPrice(price, this.market)}`} for ${formatQuote(fill.quoteMinor, this.market)} (fee ${formatQuote(fill.feeMinor, this.market)}).`,
      {
        key: order.key,
        deal: deal.number,
        side: order.side,
        quantity: formatMinor(fill.quantityMinor, this.market.baseScale),
        quote: formatMinor(fill.quoteMinor, this.market.quoteScale),
        fee: formatMinor(fill.feeMinor, this.market.quoteScale),
        orderFilledQuantity: formatMinor(order.filledQuantityMinor, this.market.baseScale),
      },
    );
  }

  /** An order the desk shows closed (or that was never accepted): what it means for the deal. */
  settle(order: DcaOrder, outcome: OrderOutcome): void {
    const { tick } = this;
    const deal = this.state.deal;
    invariant(deal !== null, `order ${order.key} settled outside a deal`);
    const filled = order.filledQuantityMinor > 0n;
    const unfilled = !filled && !order.cancelRequested;
    if (unfilled) {
      tick.event(
        "order_rejected",
        `${this.describe(order)} ${outcome === "abandoned" ? "was never accepted by the order desk" : `ended ${outcome} with nothing filled`}.`,
        { key: order.key, deal: deal.number, outcome },
      );
    }
    switch (order.role) {
      case "base": {
        if (!filled) {
          this.endDeal(deal, "base order not filled", DCA_RETRY_AFTER_FAILURE_MS);
          return;
        }
        deal.status = "open";
        deal.entryPriceMinor = averagePrice(
          order.filledQuoteMinor,
          order.filledQuantityMinor,
          this.market.baseUnit,
        );
        return;
      }
      case "safety": {
        if (filled) deal.safetyOrdersFilled += 1;
        if (order.index + 1 > deal.nextSafetyIndex) deal.nextSafetyIndex = order.index + 1;
        return;
      }
      case "take_profit": {
        if (outcome === "filled" && deal.status !== "closing") {
          deal.status = "closing";
          deal.closeReason = "take_profit";
          tick.event(
            "take_profit",
            `Take profit of deal ${deal.number} filled: sold ${formatQuantity(order.filledQuantityMinor, this.market)} for ${formatQuote(order.filledQuoteMinor, this.market)}.`,
            { key: order.key, deal: deal.number },
          );
        }
        return;
      }
      case "exit":
        return;
    }
  }

  startDeal(): void {
    const { tick, state, params, market } = this;
    const number = state.dealsStarted + 1;
    const needed = dcaDealBudgetMinor(params, tick.rates);
    if (tick.quoteLeftMinor < needed) {
      tick.notice(
        "deal",
        "skipped_insufficient_budget",
        `Deal ${number} not started: a deal needs ${formatQuote(needed, market)} (base order and ${params.safetyOrders} safety orders with fees) and the bot has ${formatQuote(tick.quoteLeftMinor, market)} free.`,
        {
          deal: number,
          needed: formatMinor(needed, market.quoteScale),
          free: formatMinor(tick.quoteLeftMinor, market.quoteScale),
        },
      );
      return;
    }
    const key = `deal-${number}:base`;
    const placed = tick.tryPlace(key, "base" as DcaRole, 0, {
      side: "buy",
      type: "market",
      quoteAmountMinor: params.baseOrderMinor,
    });
    if (!placed.ok) {
      tick.noticeFailure("deal", placed.failure, `Base order of deal ${number}`, { deal: number, key });
      return;
    }
    tick.clearNotice("deal");
    state.dealsStarted = number;
    state.deal = {
      number,
      status: "entering",
      closeReason: null,
      startedAtMs: tick.nowMs,
      entryPriceMinor: null,
      nextSafetyIndex: 1,
      safetyOrdersFilled: 0,
      takeProfitGeneration: 0,
      takeProfitCoversMinor: 0n,
      exitAttempts: 0,
      boughtQuantityMinor: 0n,
      boughtQuoteMinor: 0n,
      soldQuantityMinor: 0n,
      soldQuoteMinor: 0n,
      feesMinor: 0n,
    };
    state.orders.push(placed.order);
    tick.event("deal_started", `Deal ${number} started at ${formatPrice(tick.lastPriceMinor, market)}.`, {
      deal: number,
      price: formatMinor(tick.lastPriceMinor, market.quoteScale),
    });
    tick.event(
      "order_placed",
      `Base order of deal ${number}: market buy for ${formatQuote(params.baseOrderMinor, market)}.`,
      {
        key,
        deal: number,
        side: "buy",
        type: "market",
        quoteAmount: formatMinor(params.baseOrderMinor, market.quoteScale),
      },
    );
  }

  /** True when the stop loss is reached now (the deal turns to closing). */
  checkStopLoss(deal: Deal): boolean {
    const stopLoss = this.params.stopLoss;
    if (!stopLoss) return false;
    const position = deal.boughtQuantityMinor - deal.soldQuantityMinor;
    if (position <= 0n) return false;
    if (
      !stopLossReached(
        this.tick.lastPriceMinor,
        deal.boughtQuoteMinor,
        deal.boughtQuantityMinor,
        stopLoss,
        this.market.baseUnit,
      )
    ) {
      return false;
    }
    deal.status = "closing";
    deal.closeReason = "stop_loss";
    const average = averagePrice(deal.boughtQuoteMinor, deal.boughtQuantityMinor, this.market.baseUnit) ?? 0n;
    this.tick.event(
      "stop_loss",
      `Stop loss of deal ${deal.number}: the price ${formatPrice(this.tick.lastPriceMinor, this.market)} is ${stopLoss.text} % or more below the average entry ${formatPrice(average, this.market)}; cancelling the deal's orders and selling the position at market.`,
      {
        deal: deal.number,
        price: formatMinor(this.tick.lastPriceMinor, this.market.quoteScale),
        averageEntry: formatMinor(average, this.market.quoteScale),
      },
    );
    return true;
  }

  manageTakeProfit(deal: Deal): void {
    const { tick, state, market } = this;
    const current = state.orders.filter((order) => order.role === "take_profit");
    const live = current.find((order) => !order.cancelRequested);
    if (live) {
      // Only an order the desk has shown is replaced: a pending one is placed first, as proposed.
      if (live.observed && deal.takeProfitCoversMinor < deal.boughtQuantityMinor) {
        this.requestCancel(live);
        tick.event(
          "order_cancelled",
          `Take profit ${live.key} cancelled: the position grew, so it will be placed again for the new size and average.`,
          { key: live.key, deal: deal.number },
        );
      }
      return;
    }
    // A replaced take profit still closing on the desk: its base comes back first.
    if (current.length > 0) return;
    const position = deal.boughtQuantityMinor - deal.soldQuantityMinor;
    const quantityMinor = alignQuantityDown(position, market.filters);
    if (quantityMinor <= 0n || deal.boughtQuantityMinor <= 0n) return;
    const priceMinor = takeProfitPriceMinor(
      deal.boughtQuoteMinor,
      deal.boughtQuantityMinor,
      this.params.takeProfit,
      market,
    );
    const generation = deal.takeProfitGeneration + 1;
    const key = `deal-${deal.number}:tp-${generation}`;
    const placed = tick.tryPlace(key, "take_profit" as DcaRole, 0, {
      side: "sell",
      type: "limit",
      quantityMinor,
      priceMinor,
    });
    if (!placed.ok) {
      tick.noticeFailure("take_profit", placed.failure, `Take profit of deal ${deal.number}`, {
        deal: deal.number,
        key,
      });
      return;
    }
    tick.clearNotice("take_profit");
    deal.takeProfitGeneration = generation;
    deal.takeProfitCoversMinor = deal.boughtQuantityMinor;
    state.orders.push(placed.order);
    const average = averagePrice(deal.boughtQuoteMinor, deal.boughtQuantityMinor, market.baseUnit) ?? 0n;
    tick.event(
      "take_profit_placed",
      `Take profit of deal ${deal.number}: sell ${formatQuantity(quantityMinor, market)} at ${formatPrice(priceMinor, market)}, ${this.params.takeProfit.text} % over the average entry ${formatPrice(average, market)}.`,
      {
        key,
        deal: deal.number,
        side: "sell",
        type: "limit",
        quantity: formatMinor(quantityMinor, market.baseScale),
        price: formatMinor(priceMinor, market.quoteScale),
        averageEntry: formatMinor(average, market.quoteScale),
      },
    );
  }

  armSafetyOrder(deal: Deal): void {
    const { tick, state, params, market } = this;
    if (state.orders.some((order) => order.role === "safety")) return;
    const entry = deal.entryPriceMinor;
    invariant(entry !== null, "an open deal has an entry price");
    for (let guard = 0; guard <= MAX_SAFETY_ORDERS && deal.nextSafetyIndex <= params.safetyOrders; guard++) {
      const index = deal.nextSafetyIndex;
      const priceMinor = safetyOrderPriceMinor(entry, params.priceDeviation, index, market.filters);
      const amountMinor = safetyOrderAmountMinor(params.safetyOrderMinor, params.volumeScale, index);
      const quantityMinor =
        priceMinor > 0n
          ? alignQuantityDown((amountMinor * market.baseUnit) / priceMinor, market.filters)
          : 0n;
      const key = `deal-${deal.number}:so-${index}`;
      const label = `Safety order ${index} of ${params.safetyOrders} of deal ${deal.number}`;
      const placed = tick.tryPlace(key, "safety" as DcaRole, index, {
        side: "buy",
        type: "limit",
        quantityMinor,
        priceMinor,
      });
      if (placed.ok) {
        tick.clearNotice("safety");
        state.orders.push(placed.order);
        tick.event(
          "safety_order_armed",
          `${label} armed: buy ${formatQuantity(quantityMinor, market)} at ${formatPrice(priceMinor, market)} (${formatQuote(amountMinor, market)}, ${index} x ${params.priceDeviation.text} % below the entry ${formatPrice(entry, market)}).`,
          {
            key,
            deal: deal.number,
            index,
            side: "buy",
            type: "limit",
            quantity: formatMinor(quantityMinor, market.baseScale),
            price: formatMinor(priceMinor, market.quoteScale),
            amount: formatMinor(amountMinor, market.quoteScale),
          },
        );
        return;
      }
      if (placed.failure.reason === "min_notional" || placed.failure.reason === "limits") {
        // Permanent for this deal (the entry is fixed): reported once, and the next one is tried.
        tick.event(
          placed.failure.reason === "min_notional" ? "skipped_below_min_notional" : "skipped_exchange_limits",
          `${label} skipped: ${placed.failure.message}.`,
          { key, deal: deal.number, index, price: formatMinor(priceMinor, market.quoteScale) },
        );
        deal.nextSafetyIndex = index + 1;
        continue;
      }
      tick.noticeFailure("safety", placed.failure, label, { key, deal: deal.number, index });
      return;
    }
  }

  /** Winds a closing deal down; true when it closed in this tick. */
  close(deal: Deal): boolean {
    const { tick, state, market } = this;
    for (const order of state.orders) if (order.role !== "exit") this.requestCancel(order);
    this.forgetUnplaced();
    if (state.orders.length > 0) return false;
    const position = deal.boughtQuantityMinor - deal.soldQuantityMinor;
    const free = position < tick.baseLeftMinor ? position : tick.baseLeftMinor;
    const quantityMinor = alignQuantityDown(free, market.filters);
    if (quantityMinor > 0n && deal.exitAttempts < MAX_EXIT_ATTEMPTS) {
      const attempt = deal.exitAttempts + 1;
      const key = `deal-${deal.number}:exit-${attempt}`;
      const placed = tick.tryPlace(key, "exit" as DcaRole, 0, {
        side: "sell",
        type: "market",
        quantityMinor,
      });
      if (placed.ok) {
        deal.exitAttempts = attempt;
        state.orders.push(placed.order);
        tick.event(
          "order_placed",
          deal.closeReason === "stop_loss"
            ? `Stop loss of deal ${deal.number}: market sell of ${formatQuantity(quantityMinor, market)}.`
            : `Deal ${deal.number}: market sell of the ${formatQuantity(quantityMinor, market)} bought after the take profit was placed.`,
          {
            key,
            deal: deal.number,
            side: "sell",
            type: "market",
            quantity: formatMinor(quantityMinor, market.baseScale),
          },
        );
        return false;
      }
      if (placed.failure.reason === "deferred") return false;
      tick.event(
        placed.failure.reason === "budget" ? "skipped_insufficient_budget" : "skipped_below_min_notional",
        `Deal ${deal.number}: the remaining ${formatQuantity(quantityMinor, market)} is not sold (${placed.failure.message}); it stays in the bot's allocation.`,
        { key, deal: deal.number, quantity: formatMinor(quantityMinor, market.baseScale) },
      );
    }
    this.endDeal(deal, deal.closeReason === "stop_loss" ? "stop loss" : "take profit", 0);
    return true;
  }

  endDeal(deal: Deal, why: string, minimumWaitMs: number): void {
    const { tick, state, market, params } = this;
    const netMinor = deal.soldQuoteMinor - deal.boughtQuoteMinor - deal.feesMinor;
    const leftMinor = deal.boughtQuantityMinor - deal.soldQuantityMinor;
    state.dealsClosed += 1;
    state.netQuoteMinor += netMinor;
    state.deal = null;
    // What was said about this deal's orders does not hold for the next one.
    for (const subject of ["safety", "take_profit", "exit"]) tick.clearNotice(subject);
    const cooldownMs = params.cooldownSeconds * 1000;
    state.nextDealAtMs = tick.nowMs + (cooldownMs > minimumWaitMs ? cooldownMs : minimumWaitMs);
    tick.event(
      "deal_closed",
      `Deal ${deal.number} closed (${why}): bought ${formatQuantity(deal.boughtQuantityMinor, market)} for ${formatQuote(deal.boughtQuoteMinor, market)}, sold ${formatQuantity(deal.soldQuantityMinor, market)} for ${formatQuote(deal.soldQuoteMinor, market)}, fees ${formatQuote(deal.feesMinor, market)}; net ${netMinor < 0n ? "-" : "+"}${formatQuote(netMinor < 0n ? -netMinor : netMinor, market)}${leftMinor > 0n ? `, ${formatQuantity(leftMinor, market)} left in the allocation` : ""}.`,
      {
        deal: deal.number,
        reason: deal.closeReason,
        bought: formatMinor(deal.boughtQuantityMinor, market.baseScale),
        spent: formatMinor(deal.boughtQuoteMinor, market.quoteScale),
        sold: formatMinor(deal.soldQuantityMinor, market.baseScale),
        received: formatMinor(deal.soldQuoteMinor, market.quoteScale),
        fees: formatMinor(deal.feesMinor, market.quoteScale),
        net: formatMinor(netMinor, market.quoteScale),
        baseLeft: formatMinor(leftMinor, market.baseScale),
      },
    );
    if (state.nextDealAtMs > tick.nowMs) {
      tick.event(
        "cooldown",
        `Next deal not before ${new Date(state.nextDealAtMs).toISOString()} (${Math.ceil((state.nextDealAtMs - tick.nowMs) / 1000)} s).`,
        { nextDealAt: new Date(state.nextDealAtMs).toISOString() },
      );
    }
  }

  /** Decides to cancel an order; one the desk never showed is not cancelled but forgotten. */
  requestCancel(order: DcaOrder): void {
    if (order.cancelRequested) return;
    order.cancelRequested = true;
    if (order.observed) this.tick.cancel(order.key);
  }

  /** Forgets cancelled orders the desk never showed: never placed, so there is nothing to wait for. */
  forgetUnplaced(): void {
    this.state.orders = this.state.orders.filter((order) => order.observed || !order.cancelRequested);
  }

  describe(order: DcaOrder): string {
    const number = this.state.deal?.number ?? 0;
    switch (order.role) {
      case "base":
        return `Base order of deal ${number}`;
      case "safety":
        return `Safety order ${order.index} of deal ${number}`;
      case "take_profit":
        return `Take profit ${order.key}`;
      case "exit":
        return `Closing sale ${order.key}`;
    }
  }
}

function subjectOf(role: DcaRole): string {
  return role === "base" ? "deal" : role;
}
