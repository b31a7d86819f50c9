import { describe, expect, it } from "vitest";
import { marketContext } from "../../../worker/services/bots/strategy/exact.ts";
import {
  type BotAction,
  createGridState,
  decodeGridState,
  encodeGridState,
  type GridParams,
  type GridState,
  gridLevelsOf,
  MAX_ACTIONS_PER_PLAN,
  type PlaceAction,
  type PlanResult,
  parseGridParams,
  planGrid,
  requiredBudget,
} from "../../../worker/services/bots/strategy/index.ts";
import { gridBudgetMinor, gridInitialSides } from "../../../worker/services/bots/strategy/ladder.ts";
import { FakeDesk } from "./fake-desk.ts";

function params(raw: Record<string, unknown> = {}): GridParams {
  const result = parseGridParams("BTC-GBP", {
    lowerPrice: "60000.00",
    upperPrice: "70000.00",
    gridLevels: 11,
    spacing: "arithmetic",
    ...raw,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.fieldErrors));
  return result.params;
}

class Walk {
  state: GridState;
  readonly desk: FakeDesk;
  nowMs = 0;
  priceMinor: bigint;

  constructor(gridParams: GridParams, budgetMinor: bigint, priceMinor = 6_550_000n) {
    this.state = createGridState(gridParams);
    this.desk = new FakeDesk("BTC-GBP", budgetMinor);
    this.priceMinor = priceMinor;
  }

  tick(options: { atMs?: number; priceMinor?: bigint; stale?: boolean } = {}): PlanResult<GridState> {
    this.nowMs = options.atMs ?? this.nowMs + 1_000;
    if (options.priceMinor !== undefined) {
      this.priceMinor = options.priceMinor;
      this.desk.advance(options.priceMinor);
    }
    const result = planGrid(
      this.state,
      this.desk.observe(this.nowMs, this.priceMinor, options.stale ?? false),
    );
    this.desk.apply(result.actions, this.priceMinor);
    this.state = decodeGridState(JSON.parse(JSON.stringify(encodeGridState(result.state))));
    expect(this.state).toEqual(result.state);
    return result;
  }
}

const kinds = (result: PlanResult<GridState>) => result.events.map((event) => event.kind);
const places = (actions: BotAction[]) =>
  actions.filter((action): action is PlaceAction => action.kind === "place");

describe("Grid planner", () => {
  it("opens: buys below the price, sells above with base bought at market, nearest first", () => {
    const walk = new Walk(params(), 100_000n);
    const start = walk.tick({ atMs: 0 });
    expect(kinds(start)).toEqual(["grid_started", "order_placed"]);
    // 0.00155 BTC per order is the most 1,000.00 GBP covers (5 buys at 60,000..64,000 and the
    // market buy of 5 x 0.00155 at 65,500, each with its hold's fee and margin).
    expect(walk.state.quantityPerOrderMinor).toBe(155_000n);
    const market = marketContext("BTC-GBP");
    const sides = gridInitialSides(walk.state.levels, 6_550_000n);
    expect(
      gridBudgetMinor(walk.state.levels, sides, 155_000n, 6_550_000n, market, walk.desk.rates),
    ).toBeLessThanOrEqual(100_000n);
    expect(
      gridBudgetMinor(walk.state.levels, sides, 156_000n, 6_550_000n, market, walk.desk.rates),
    ).toBeGreaterThan(100_000n);
    expect(places(start.actions)).toMatchObject([
      { key: "grid:opening:buy-1", side: "buy", type: "market", quantityMinor: 775_000n },
    ]);

    const running = walk.tick();
    expect(kinds(running)).toEqual(["filled", ...Array(10).fill("order_placed")]);
    const orders = places(running.actions).map((action) => [
      action.key,
      action.priceMinor,
      action.quantityMinor,
    ]);
    expect(orders).toEqual([
      ["grid:L6:sell:1", 6_600_000n, 155_000n], // 500 away; the level at 65,000 stays empty
      ["grid:L4:buy:1", 6_400_000n, 155_000n],
      ["grid:L7:sell:1", 6_700_000n, 155_000n],
      ["grid:L3:buy:1", 6_300_000n, 155_000n],
      ["grid:L8:sell:1", 6_800_000n, 155_000n],
      ["grid:L2:buy:1", 6_200_000n, 155_000n],
      ["grid:L9:sell:1", 6_900_000n, 155_000n],
      ["grid:L1:buy:1", 6_100_000n, 155_000n],
      ["grid:L10:sell:1", 7_000_000n, 155_000n],
      ["grid:L0:buy:1", 6_000_000n, 155_000n],
    ]);
    expect(walk.desk.quoteFreeMinor).toBeGreaterThanOrEqual(0n);
  });

  it("re-arms the opposite order on each fill with a new generation in the key", () => {
    const walk = new Walk(params(), 100_000n);
    walk.tick({ atMs: 0 });
    walk.tick();
    const bought = walk.tick({ priceMinor: 6_400_000n });
    expect(kinds(bought)).toEqual(["filled", "grid_level_rearmed"]);
    expect(places(bought.actions)).toMatchObject([
      { key: "grid:L5:sell:2", side: "sell", type: "limit", priceMinor: 6_500_000n, quantityMinor: 155_000n },
    ]);
    const sold = walk.tick({ priceMinor: 6_500_000n });
    expect(kinds(sold)).toEqual(["filled", "grid_level_rearmed"]);
    expect(places(sold.actions)).toMatchObject([
      { key: "grid:L4:buy:3", side: "buy", type: "limit", priceMinor: 6_400_000n, quantityMinor: 155_000n },
    ]);
    expect(walk.state.completedSells).toBe(1);
    // Bought: the opening 0.00775 at 65,500 (507.625 -> 507.63) and 0.00155 at 64,000 (99.20);
    // sold 0.00155 at 65,000 (100.75): the round trip made 1.55 gross. Fees: 0.20 % taker on the
    // opening (1.02), 0.10 % maker on each limit (0.10, 0.11), each rounded up.
    expect(walk.state.totals).toEqual({
      boughtQuantityMinor: 775_000n + 155_000n,
      boughtQuoteMinor: 50_763n + 9_920n,
      soldQuantityMinor: 155_000n,
      soldQuoteMinor: 10_075n,
      feesMinor: 102n + 10n + 11n,
    });
  });

  it("stops out: cancel every order, sell the base at market, then tell the caller to stop", () => {
    const walk = new Walk(params({ stopLossPrice: "59000.00" }), 100_000n);
    walk.tick({ atMs: 0 });
    walk.tick();
    // The price falls through every buy and the stop.
    const crossed = walk.tick({ priceMinor: 5_890_000n });
    expect(kinds(crossed)).toEqual([...Array(5).fill("filled"), "stop_loss"]);
    expect(crossed.actions.every((action) => action.kind === "cancel")).toBe(true);
    expect(crossed.actions.map((action) => action.key).sort()).toEqual([
      "grid:L10:sell:1",
      "grid:L6:sell:1",
      "grid:L7:sell:1",
      "grid:L8:sell:1",
      "grid:L9:sell:1",
    ]);
    expect(crossed.stop).toBeNull();
    const exit = walk.tick();
    expect(kinds(exit)).toEqual(["order_placed"]);
    // All the base: 5 sells' worth bought at the opening and 5 buys' fills.
    expect(places(exit.actions)).toMatchObject([
      { key: "grid:exit:sell-1", side: "sell", type: "market", quantityMinor: 1_550_000n },
    ]);
    const stopped = walk.tick();
    expect(kinds(stopped)).toEqual(["filled", "grid_stopped_out"]);
    expect(stopped.stop?.reason).toBe("stop_loss");
    expect(walk.desk.baseFreeMinor).toBe(0n);
    const after = walk.tick({ priceMinor: 6_500_000n });
    expect(after.actions).toEqual([]);
    expect(after.stop?.reason).toBe("stop_loss");
  });

  it("takes profit above the range the same way", () => {
    const walk = new Walk(params({ takeProfitPrice: "71000.00" }), 100_000n);
    walk.tick({ atMs: 0 });
    walk.tick();
    const crossed = walk.tick({ priceMinor: 7_100_000n });
    expect(kinds(crossed)).toEqual([...Array(5).fill("filled"), "take_profit"]);
    expect(walk.tick().actions).toEqual([]); // every sell filled: nothing to cancel, no base left
    expect(walk.state.phase).toBe("stopped");
    expect(walk.tick().stop?.reason).toBe("take_profit");
  });

  it("geometric levels: initial orders at the exact levels, buys below and sells above", () => {
    const gridParams = params({ spacing: "geometric", gridLevels: 7 });
    const levels = gridLevelsOf(gridParams);
    const walk = new Walk(gridParams, 100_000n);
    walk.tick({ atMs: 0 });
    const running = walk.tick();
    for (const action of places(running.actions)) {
      expect(levels).toContain(action.priceMinor);
      if (action.side === "buy") expect(action.priceMinor).toBeLessThan(6_550_000n);
      else expect(action.priceMinor).toBeGreaterThan(6_550_000n);
    }
    expect(places(running.actions)).toHaveLength(6);
  });

  it("reports a level outside the price band and does not send it", () => {
    // 10,000 is below 20 % of 65,500: the desk would refuse it.
    // Levels every 10,000; 65,500 is in the upper half of [60,000, 70,000]: all six buy, and
    // with no sells there is no opening market buy.
    const walk = new Walk(params({ lowerPrice: "10000.00", gridLevels: 7 }), 500_000n);
    const running = walk.tick({ atMs: 0 });
    expect(kinds(running).slice(0, 6)).toEqual(["grid_started", ...Array(5).fill("order_placed")]);
    expect(places(running.actions).map((action) => action.priceMinor)).toEqual([
      6_000_000n,
      5_000_000n,
      4_000_000n,
      3_000_000n,
      2_000_000n,
    ]);
    const skipped = running.events.filter((event) => event.kind === "skipped_price_band");
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.detail).toMatchObject({ key: "grid:L0:buy:1", level: 0 });
    expect(walk.tick().events).toEqual([]); // said once
  });

  it("does not open without the budget for the minimum order on every level, and says so once", () => {
    const walk = new Walk(params(), 5_000n);
    const first = walk.tick({ atMs: 0 });
    expect(first.actions).toEqual([]);
    expect(kinds(first)).toEqual(["skipped_insufficient_budget"]);
    expect(walk.tick().events).toEqual([]);
  });

  it("opens and stops a 200-level grid over several ticks, never more than 50 actions in one", () => {
    const gridParams = params({
      lowerPrice: "40000.00",
      upperPrice: "80000.00",
      gridLevels: 200,
      spacing: "geometric",
      stopLossPrice: "39000.00",
    });
    const budget = 2n * requiredBudget("BTC-GBP", "grid", gridParams, { lastPriceMinor: 6_000_000n });
    const walk = new Walk(gridParams, budget, 6_000_000n);
    const counts: number[] = [];
    for (let round = 0; round < 6; round++) counts.push(walk.tick().actions.length);
    expect(counts).toEqual([1, 50, 50, 50, 49, 0]); // the opening buy, then 199 orders
    expect(walk.state.orders).toHaveLength(199);
    walk.tick({ priceMinor: 3_800_000n });
    let stop = null;
    for (let round = 0; round < 10 && !stop; round++) {
      const result = walk.tick();
      expect(result.actions.length).toBeLessThanOrEqual(MAX_ACTIONS_PER_PLAN);
      stop = result.stop;
    }
    expect(stop?.reason).toBe("stop_loss");
    expect(walk.desk.baseFreeMinor).toBeLessThan(1_000n); // all sold but what is below the lot step
    expect([...walk.desk.orders.values()].some((order) => order.status === "open")).toBe(false);
  });

  it("on stale market data places nothing and evaluates no stop", () => {
    const walk = new Walk(params({ stopLossPrice: "59000.00" }), 100_000n);
    const stale = walk.tick({ atMs: 0, stale: true });
    expect(stale.actions).toEqual([]);
    expect(kinds(stale)).toEqual(["skipped_market_data_stale"]);
    expect(walk.tick({ stale: true, priceMinor: 5_000_000n })).toMatchObject({
      actions: [],
      events: [],
      stop: null,
    });
  });
});
