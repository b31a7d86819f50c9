import { describe, expect, it } from "vitest";
import {
  type BotAction,
  type BotEvent,
  createDcaState,
  type DcaParams,
  type DcaState,
  decodeDcaState,
  encodeDcaState,
  PENDING_PLACEMENT_TIMEOUT_MS,
  type PlaceAction,
  type PlanResult,
  parseDcaParams,
  planDca,
  requiredBudget,
  watchedKeys,
} from "../../../worker/services/bots/strategy/index.ts";
import { FakeDesk } from "./fake-desk.ts";

/**
 * DCA walks on BTC-GBP against the fake desk (fake-desk.ts): every number below is worked out
 * by hand from the rules in dca.ts and ladder.ts (0.10 % maker, 0.20 % taker).
 */

function params(raw: Record<string, unknown> = {}): DcaParams {
  const result = parseDcaParams("BTC-GBP", {
    baseOrder: "100.00",
    safetyOrder: "100.00",
    safetyOrders: 3,
    priceDeviationPercent: "2",
    volumeScale: "2",
    takeProfitPercent: "1.5",
    cooldownSeconds: 60,
    ...raw,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.fieldErrors));
  return result.params;
}

/** A bot on the fake desk: each `tick` plans, checks the plan's promises, then acts. */
class Walk {
  state: DcaState;
  readonly desk: FakeDesk;
  nowMs = 0;
  priceMinor = 6_000_000n;
  readonly log: BotEvent[] = [];

  constructor(dcaParams: DcaParams, budgetMinor: bigint) {
    this.state = createDcaState(dcaParams);
    this.desk = new FakeDesk("BTC-GBP", budgetMinor);
  }

  tick(
    options: { atMs?: number; priceMinor?: bigint; stale?: boolean; act?: boolean } = {},
  ): PlanResult<DcaState> {
    if (options.atMs !== undefined) this.nowMs = options.atMs;
    if (options.priceMinor !== undefined) {
      this.priceMinor = options.priceMinor;
      this.desk.advance(options.priceMinor);
    }
    const observation = this.desk.observe(this.nowMs, this.priceMinor, options.stale ?? false);
    const before = JSON.stringify(encodeDcaState(this.state));
    const result = planDca(this.state, observation);
    expect(JSON.stringify(encodeDcaState(this.state))).toBe(before); // input untouched
    // The persisted form round-trips to the same state.
    const persisted = decodeDcaState(JSON.parse(JSON.stringify(encodeDcaState(result.state))));
    expect(persisted).toEqual(result.state);
    if (options.act !== false) {
      this.desk.apply(result.actions, this.priceMinor);
      this.state = persisted;
    }
    this.log.push(...result.events);
    return result;
  }
}

const kinds = (result: PlanResult<DcaState>) => result.events.map((event) => event.kind);
const places = (result: PlanResult<DcaState>) =>
  result.actions.filter((action): action is PlaceAction => action.kind === "place");
const strip = (actions: BotAction[]) =>
  actions.map((action) => {
    if (action.kind === "cancel") return action;
    const { reservesMinor: _reserves, reservesAsset: _asset, ...order } = action;
    return order;
  });

describe("DCA planner: a deal from start to cooldown", () => {
  it("walks base -> safety orders -> take profit re-placed -> take profit -> closed -> cooldown -> next deal", () => {
    const dca = params();
    expect(requiredBudget("BTC-GBP", "dca", dca)).toBe(80_160n); // 100 + 100 + 200 + 400, 0.20 % on each
    const walk = new Walk(dca, 100_000n);

    // Start: the base order, a market buy for 100.00 GBP.
    const start = walk.tick();
    expect(kinds(start)).toEqual(["deal_started", "order_placed"]);
    expect(strip(start.actions)).toEqual([
      { kind: "place", key: "deal-1:base", side: "buy", type: "market", quoteAmountMinor: 10_000n },
    ]);
    expect(places(start)[0]?.reservesMinor).toBe(10_020n); // 100.00 + the 0.20 % taker fee
    expect(walk.desk.orders.get("deal-1:base")?.filledQuantityMinor).toBe(166_666n); // 100.00 / 60,000

    // The base fill sets the entry (60,000.24): take profit and the first safety order.
    const entered = walk.tick({ atMs: 1_000 });
    expect(kinds(entered)).toEqual(["filled", "take_profit_placed", "safety_order_armed"]);
    expect(walk.state.deal?.entryPriceMinor).toBe(6_000_024n);
    expect(strip(entered.actions)).toEqual([
      // 60,000.24 x 1.015 = 60,900.24.., up to the tick; the position down to the lot step.
      {
        kind: "place",
        key: "deal-1:tp-1",
        side: "sell",
        type: "limit",
        quantityMinor: 166_000n,
        priceMinor: 6_090_025n,
      },
      // 60,000.24 x 0.98 = 58,800.2352 down to 58,800.23; 100.00 of it is 0.00170067 -> 0.00170.
      {
        kind: "place",
        key: "deal-1:so-1",
        side: "buy",
        type: "limit",
        quantityMinor: 170_000n,
        priceMinor: 5_880_023n,
      },
    ]);

    // The price drops through safety order 1: the take profit is cancelled, safety order 2 armed.
    const dropped = walk.tick({ atMs: 2_000, priceMinor: 5_880_000n });
    expect(kinds(dropped)).toEqual(["filled", "order_cancelled", "safety_order_armed"]);
    expect(strip(dropped.actions)).toEqual([
      { kind: "cancel", key: "deal-1:tp-1" },
      // 60,000.24 x 0.96 -> 57,600.23; 200.00 of it -> 0.00347 BTC.
      {
        kind: "place",
        key: "deal-1:so-2",
        side: "buy",
        type: "limit",
        quantityMinor: 347_000n,
        priceMinor: 5_760_023n,
      },
    ]);
    expect(walk.state.deal?.boughtQuantityMinor).toBe(336_666n);
    expect(walk.state.deal?.boughtQuoteMinor).toBe(19_997n); // 100.00 + 99.97 (0.0017 x 58,800.23, up)

    // The desk shows the old take profit cancelled: the new one, for the whole position at the
    // new average (199.97 / 0.00336666 = 59,396.73..) x 1.015, up to the tick.
    const replaced = walk.tick({ atMs: 3_000 });
    expect(kinds(replaced)).toEqual(["take_profit_placed"]);
    expect(strip(replaced.actions)).toEqual([
      {
        kind: "place",
        key: "deal-1:tp-2",
        side: "sell",
        type: "limit",
        quantityMinor: 336_000n,
        priceMinor: 6_028_811n,
      },
    ]);

    // The price rises to the take profit: it fills, the resting safety order is cancelled first.
    const profit = walk.tick({ atMs: 4_000, priceMinor: 6_030_000n });
    expect(kinds(profit)).toEqual(["filled", "take_profit"]);
    expect(strip(profit.actions)).toEqual([{ kind: "cancel", key: "deal-1:so-2" }]);

    // Safety order 2 is gone: the deal closes (0.00000666 BTC left: below the lot step), cooldown.
    const closed = walk.tick({ atMs: 5_000 });
    expect(kinds(closed)).toEqual(["deal_closed", "cooldown"]);
    expect(closed.actions).toEqual([]);
    const closing = closed.events[0];
    // Sold 0.00336 x 60,288.11 = 202.56 (down); fees 0.20 + 0.10 + 0.21; net 202.56 - 199.97 - 0.51.
    expect(closing?.detail).toMatchObject({
      deal: 1,
      reason: "take_profit",
      received: "202.56",
      fees: "0.51",
      net: "2.08",
    });
    expect(closing?.detail.baseLeft).toBe("0.00000666");
    expect(closing?.message).toBe(
      "Deal 1 closed (take profit): bought 0.00336666 BTC for 199.97 GBP, sold 0.00336 BTC for 202.56 GBP, fees 0.51 GBP; net +2.08 GBP, 0.00000666 BTC left in the allocation.",
    );
    expect(closed.events[1]?.detail).toEqual({ nextDealAt: "1970-01-01T00:01:05.000Z" });
    expect(walk.state.deal).toBeNull();
    expect(walk.state.netQuoteMinor).toBe(208n);

    // During the cooldown nothing happens, and nothing is said.
    const waiting = walk.tick({ atMs: 64_999 });
    expect(waiting.actions).toEqual([]);
    expect(waiting.events).toEqual([]);

    // After it, deal 2.
    const next = walk.tick({ atMs: 65_000 });
    expect(kinds(next)).toEqual(["deal_started", "order_placed"]);
    expect(places(next).map((action) => action.key)).toEqual(["deal-2:base"]);
  });

  it("closes a deal by stop loss: cancel the take profit, then sell the position at market", () => {
    const walk = new Walk(
      params({ safetyOrders: 0, stopLossPercent: "5", takeProfitPercent: "10" }),
      20_000n,
    );
    walk.tick();
    expect(kinds(walk.tick({ atMs: 1_000 }))).toEqual(["filled", "take_profit_placed"]);
    // Not yet: 57,000.23 is the stop (60,000.24 x 0.95 = 57,000.228).
    expect(walk.tick({ atMs: 2_000, priceMinor: 5_700_023n }).events).toEqual([]);
    const stop = walk.tick({ atMs: 3_000, priceMinor: 5_700_022n });
    expect(kinds(stop)).toEqual(["stop_loss"]);
    expect(stop.actions).toEqual([{ kind: "cancel", key: "deal-1:tp-1" }]);
    const sale = walk.tick({ atMs: 4_000 });
    expect(kinds(sale)).toEqual(["order_placed"]);
    expect(strip(sale.actions)).toEqual([
      { kind: "place", key: "deal-1:exit-1", side: "sell", type: "market", quantityMinor: 166_000n },
    ]);
    const closed = walk.tick({ atMs: 5_000 });
    expect(kinds(closed)).toEqual(["filled", "deal_closed", "cooldown"]);
    // 0.00166 x 57,000.22 = 94.62 (down), fee 0.19; bought for 100.00 + 0.20.
    expect(closed.events[1]?.detail).toMatchObject({ reason: "stop_loss", received: "94.62", net: "-5.77" });
    expect(walk.state.netQuoteMinor).toBe(-577n);
  });

  it("on stale market data proposes no order, says so once, and still proposes decided cancels", () => {
    const walk = new Walk(params({ safetyOrders: 0, stopLossPercent: "5" }), 20_000n);
    const first = walk.tick({ stale: true });
    expect(first.actions).toEqual([]);
    expect(kinds(first)).toEqual(["skipped_market_data_stale"]);
    expect(walk.tick({ atMs: 1_000, stale: true }).events).toEqual([]);
    const fresh = walk.tick({ atMs: 2_000 });
    expect(kinds(fresh)).toEqual(["deal_started", "order_placed"]);
    walk.tick({ atMs: 3_000 });
    // The stop loss is decided, but the caller dies before cancelling; then data goes stale.
    const stop = walk.tick({ atMs: 4_000, priceMinor: 5_000_000n, act: false });
    expect(stop.actions).toEqual([{ kind: "cancel", key: "deal-1:tp-1" }]);
    walk.state = stop.state;
    const stale = walk.tick({ atMs: 5_000, stale: true });
    expect(stale.actions).toEqual([{ kind: "cancel", key: "deal-1:tp-1" }]);
    expect(kinds(stale)).toEqual(["skipped_market_data_stale"]);
    // Fresh again, the take profit is cancelled: now the sale.
    const sale = walk.tick({ atMs: 6_000 });
    expect(places(sale).map((action) => action.key)).toEqual(["deal-1:exit-1"]);
  });

  it("reports a safety order below the minimum order value and does not send it", () => {
    const walk = new Walk(
      params({ baseOrder: "10.00", safetyOrder: "5.00", safetyOrders: 2, volumeScale: "1" }),
      5_000n,
    );
    walk.tick();
    const entered = walk.tick({ atMs: 1_000 });
    expect(kinds(entered)).toEqual([
      "filled",
      "take_profit_placed",
      "skipped_below_min_notional",
      "skipped_below_min_notional",
    ]);
    expect(places(entered).map((action) => action.key)).toEqual(["deal-1:tp-1"]);
    // Entry 60,002.40 (10.00 bought 0.00016666 BTC); 5.00 at 58,802.35 is 0.00008503 BTC,
    // 0.00008 on the lot step: worth 4.704 GBP.
    expect(entered.events[2]?.message).toBe(
      "Safety order 1 of 2 of deal 1 skipped: the order value 4.70 GBP is below the minimum 5.00 GBP.",
    );
    expect(entered.events[2]?.detail).toMatchObject({ key: "deal-1:so-1" });
    expect(entered.events[3]?.detail).toMatchObject({ key: "deal-1:so-2" });
    // Skipped for good: later ticks neither send them nor repeat the report.
    expect(walk.tick({ atMs: 2_000, priceMinor: 5_800_000n })).toMatchObject({ actions: [], events: [] });
  });

  it("does not start a deal the budget cannot finish, and says so once", () => {
    const walk = new Walk(params(), 80_159n); // one penny short of 801.60
    const first = walk.tick();
    expect(first.actions).toEqual([]);
    expect(kinds(first)).toEqual(["skipped_insufficient_budget"]);
    expect(first.events[0]?.message).toBe(
      "Deal 1 not started: a deal needs 801.60 GBP (base order and 3 safety orders with fees) and the bot has 801.59 GBP free.",
    );
    expect(walk.tick({ atMs: 1_000 }).events).toEqual([]);
  });

  it("proposes an order the desk has not shown again, identically, and gives it up after the timeout", () => {
    const walk = new Walk(params({ cooldownSeconds: 0 }), 100_000n);
    const first = walk.tick({ act: false });
    walk.state = first.state;
    const again = walk.tick({ atMs: 1_000, act: false });
    expect(again.actions).toEqual(first.actions);
    expect(again.events).toEqual([]);
    expect(watchedKeys(again.state)).toEqual(["deal-1:base"]);
    walk.state = again.state;
    const lost = walk.tick({ atMs: PENDING_PLACEMENT_TIMEOUT_MS + 1, act: false });
    expect(kinds(lost)).toEqual(["order_rejected", "deal_closed", "cooldown"]);
    expect(lost.actions).toEqual([]);
    walk.state = lost.state;
    // Retried a minute later as deal 2: keys are never reused.
    expect(
      walk.tick({ atMs: PENDING_PLACEMENT_TIMEOUT_MS + 60_001 }).actions.map((action) => action.key),
    ).toEqual(["deal-2:base"]);
  });

  it("re-running a tick with the same observation proposes the same keys and changes nothing more", () => {
    const walk = new Walk(params(), 100_000n);
    walk.tick();
    const observation = walk.desk.observe(1_000, 6_000_000n);
    const first = planDca(walk.state, observation);
    const second = planDca(first.state, observation);
    expect(second.actions).toEqual(first.actions);
    expect(second.state).toEqual(first.state);
    expect(second.events).toEqual([]); // the fill was counted once
  });
});
