import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { priceBand } from "../../../worker/services/bots/strategy/exact.ts";
import {
  type BotAction,
  createDcaState,
  createGridState,
  decodeDcaState,
  decodeGridState,
  encodeDcaState,
  encodeGridState,
  MAX_ACTIONS_PER_PLAN,
  type Observation,
  type PlaceAction,
  type PlanResult,
  parseDcaParams,
  parseGridParams,
  planDca,
  planGrid,
  requiredBudget,
} from "../../../worker/services/bots/strategy/index.ts";
import { gridOrderPriceMinor } from "../../../worker/services/bots/strategy/ladder.ts";
import { ASSETS } from "../../../worker/services/ledger/assets.ts";
import { floorToStep, formatMinor } from "../../../worker/services/markets/decimal.ts";
import { MARKETS, type MarketSymbol } from "../../../worker/services/markets/symbols.ts";
import { FakeDesk, passesRealFilters } from "./fake-desk.ts";

/**
 * Model-based properties: random parameters, a random price path with stale ticks, partial
 * fills and lost placements, the planners driving the fake desk tick by tick. On every tick:
 *
 * - deterministic: the same state and observation give the same actions, state and events;
 * - within the budget: the buys proposed hold at most the free quote (and the allocation), the
 *   sells at most the free base, and the desk never has to reject one for funds;
 * - every order passes the real order path's filters (markets/filters.ts) at the current price;
 * - no order on stale data;
 * - idempotent: planning again from the new state with the same observation proposes no key
 *   the first run did not, each one identical, and leaves the state where it was.
 */

interface SymbolCase {
  symbol: MarketSymbol;
  startPriceMinor: bigint;
}

const SYMBOLS: SymbolCase[] = [
  { symbol: "BTC-GBP", startPriceMinor: 6_000_000n }, // 60,000.00
  { symbol: "ETH-USDT", startPriceMinor: 3_000_000_000n }, // 3,000.00
  { symbol: "ETH-BTC", startPriceMinor: 5_000_000n }, // 0.05000
  { symbol: "SOL-GBP", startPriceMinor: 15_000n }, // 150.00
];

interface Step {
  moveBps: number;
  dtMs: number;
  stale: boolean;
  partial: boolean;
  drop: boolean;
}

const stepArbitrary: fc.Arbitrary<Step> = fc.record({
  moveBps: fc.integer({ min: -400, max: 400 }),
  dtMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 90_000 })),
  stale: fc.integer({ min: 0, max: 9 }).map((roll) => roll === 0),
  partial: fc.boolean(),
  drop: fc.integer({ min: 0, max: 9 }).map((roll) => roll === 0),
});

function movePrice(symbol: MarketSymbol, priceMinor: bigint, moveBps: number): bigint {
  const { tickSizeMinor, minPriceMinor } = MARKETS[symbol].filters;
  const moved = floorToStep((priceMinor * BigInt(10_000 + moveBps)) / 10_000n, tickSizeMinor);
  return moved < minPriceMinor ? minPriceMinor : moved;
}

const placesOf = (actions: readonly BotAction[]) =>
  actions.filter((action): action is PlaceAction => action.kind === "place");

function checkPromises(symbol: MarketSymbol, observation: Observation, result: PlanResult<unknown>): void {
  expect(result.actions.length).toBeLessThanOrEqual(MAX_ACTIONS_PER_PLAN);
  const places = placesOf(result.actions);
  if (observation.market.stale) expect(places).toEqual([]);
  const { budget } = observation;
  const quoteCap =
    budget.availableQuoteMinor < budget.allocatedMinor ? budget.availableQuoteMinor : budget.allocatedMinor;
  let quote = 0n;
  let base = 0n;
  for (const action of places) {
    if (action.side === "buy") {
      expect(action.reservesAsset).toBe("quote");
      quote += action.reservesMinor;
    } else {
      expect(action.reservesAsset).toBe("base");
      expect(action.reservesMinor).toBe(action.quantityMinor);
      base += action.reservesMinor;
    }
    expect(passesRealFilters(symbol, action, observation.market.lastPriceMinor)).toBe(true);
  }
  expect(quote <= quoteCap).toBe(true);
  expect(base <= budget.availableBaseMinor).toBe(true);
  const keys = result.actions.map((action) => `${action.kind}:${action.key}`);
  expect(new Set(keys).size).toBe(keys.length);
}

function checkIdempotent<State>(first: PlanResult<State>, again: (state: State) => PlanResult<State>): void {
  const second = again(first.state);
  const firstPlaces = new Map(placesOf(first.actions).map((action) => [action.key, action]));
  for (const action of placesOf(second.actions)) expect(firstPlaces.get(action.key)).toEqual(action);
  expect(second.state).toEqual(first.state);
}

function checkDesk(desk: FakeDesk): void {
  for (const order of desk.orders.values()) expect(order.status).not.toBe("rejected");
}

const dcaCase = fc
  .record({
    market: fc.constantFrom(...SYMBOLS),
    baseSteps: fc.integer({ min: 1, max: 200 }),
    safetySteps: fc.integer({ min: 1, max: 200 }),
    safetyOrders: fc.integer({ min: 0, max: 8 }),
    deviation: fc.integer({ min: 5, max: 1_000 }),
    volumeScale: fc.integer({ min: 100, max: 300 }),
    takeProfit: fc.integer({ min: 10, max: 500 }),
    stopLoss: fc.option(fc.integer({ min: 100, max: 3_000 }), { nil: undefined }),
    cooldownSeconds: fc.integer({ min: 0, max: 120 }),
    budgetPercent: fc.integer({ min: 30, max: 300 }),
    path: fc.array(stepArbitrary, { minLength: 3, maxLength: 40 }),
  })
  .map((input) => {
    const market = MARKETS[input.market.symbol];
    const quoteScale = ASSETS[market.quote].scale;
    const minimum = market.filters.minNotionalMinor;
    const parsed = parseDcaParams(input.market.symbol, {
      baseOrder: formatMinor(minimum * BigInt(input.baseSteps), quoteScale),
      safetyOrder: formatMinor(minimum * BigInt(input.safetySteps), quoteScale),
      safetyOrders: input.safetyOrders,
      priceDeviationPercent: formatMinor(BigInt(input.deviation), 2),
      volumeScale: formatMinor(BigInt(input.volumeScale), 2),
      takeProfitPercent: formatMinor(BigInt(input.takeProfit), 2),
      ...(input.stopLoss === undefined ? {} : { stopLossPercent: formatMinor(BigInt(input.stopLoss), 2) }),
      cooldownSeconds: input.cooldownSeconds,
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.fieldErrors));
    const budget =
      (requiredBudget(input.market.symbol, "dca", parsed.params) * BigInt(input.budgetPercent)) / 100n;
    return { ...input, params: parsed.params, budget };
  });

describe("DCA planner properties", () => {
  it("deterministic, within budget, within filters, silent on stale data, idempotent", () => {
    fc.assert(
      fc.property(dcaCase, ({ market, params, budget, path }) => {
        const desk = new FakeDesk(market.symbol, budget);
        let state = createDcaState(params);
        let priceMinor = market.startPriceMinor;
        let nowMs = 1_000_000;
        for (const step of path) {
          priceMinor = movePrice(market.symbol, priceMinor, step.moveBps);
          desk.advance(priceMinor, step.partial);
          const observation = desk.observe(nowMs, priceMinor, step.stale);
          const before = JSON.stringify(encodeDcaState(state));
          const result = planDca(state, observation);
          expect(JSON.stringify(encodeDcaState(state))).toBe(before);
          expect(planDca(state, observation)).toEqual(result);
          checkPromises(market.symbol, observation, result);
          checkIdempotent(result, (next) => planDca(next, observation));
          desk.apply(result.actions, priceMinor, () => step.drop);
          checkDesk(desk);
          state = decodeDcaState(JSON.parse(JSON.stringify(encodeDcaState(result.state))));
          nowMs += step.dtMs;
        }
      }),
      { numRuns: 150 },
    );
  });
});

const gridCase = fc
  .record({
    market: fc.constantFrom(...SYMBOLS),
    belowPercent: fc.integer({ min: 1, max: 60 }),
    abovePercent: fc.integer({ min: 1, max: 100 }),
    gridLevels: fc.integer({ min: 2, max: 120 }),
    spacing: fc.constantFrom("arithmetic" as const, "geometric" as const),
    stopLossPercent: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
    takeProfitPercent: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
    budgetPercent: fc.integer({ min: 50, max: 500 }),
    path: fc.array(stepArbitrary, { minLength: 3, maxLength: 40 }),
  })
  .map((input) => {
    const symbol = input.market.symbol;
    const market = MARKETS[symbol];
    const quoteScale = ASSETS[market.quote].scale;
    const tick = market.filters.tickSizeMinor;
    const start = input.market.startPriceMinor;
    const lower = floorToStep((start * BigInt(100 - input.belowPercent)) / 100n, tick);
    const upper = floorToStep((start * BigInt(100 + input.abovePercent)) / 100n, tick);
    const price = (minor: bigint) => formatMinor(minor, quoteScale);
    const raw = {
      lowerPrice: price(lower),
      upperPrice: price(upper),
      gridLevels: input.gridLevels,
      spacing: input.spacing,
      ...(input.stopLossPercent === undefined
        ? {}
        : { stopLossPrice: price(floorToStep((lower * BigInt(100 - input.stopLossPercent)) / 100n, tick)) }),
      ...(input.takeProfitPercent === undefined
        ? {}
        : {
            takeProfitPrice: price(floorToStep((upper * BigInt(100 + input.takeProfitPercent)) / 100n, tick)),
          }),
    };
    const parsed = parseGridParams(symbol, raw);
    if (!parsed.ok) return null;
    const needed = requiredBudget(symbol, "grid", parsed.params, { lastPriceMinor: start });
    return { ...input, params: parsed.params, budget: (needed * BigInt(input.budgetPercent)) / 100n };
  })
  .filter((value) => value !== null);

describe("Grid planner properties", () => {
  it("deterministic, within budget, within filters, silent on stale data, idempotent", () => {
    fc.assert(
      fc.property(gridCase, (input) => {
        if (input === null) return;
        const { market, params, budget, path } = input;
        const desk = new FakeDesk(market.symbol, budget);
        let state = createGridState(params);
        let priceMinor = market.startPriceMinor;
        let nowMs = 1_000_000;
        for (const step of path) {
          priceMinor = movePrice(market.symbol, priceMinor, step.moveBps);
          desk.advance(priceMinor, step.partial);
          const observation = desk.observe(nowMs, priceMinor, step.stale);
          const result = planGrid(state, observation);
          expect(planGrid(state, observation)).toEqual(result);
          checkPromises(market.symbol, observation, result);
          checkIdempotent(result, (next) => planGrid(next, observation));
          if (result.stop) expect(result.state.phase).toBe("stopped");
          desk.apply(result.actions, priceMinor, () => step.drop);
          checkDesk(desk);
          state = decodeGridState(JSON.parse(JSON.stringify(encodeGridState(result.state))));
          nowMs += step.dtMs;
        }
      }),
      { numRuns: 100 },
    );
  });

  it("a grid funded with at least its required budget opens every level it can reach", () => {
    fc.assert(
      fc.property(gridCase, (input) => {
        if (input === null || input.budgetPercent < 100) return;
        const { market, params, budget } = input;
        const desk = new FakeDesk(market.symbol, budget);
        let state = createGridState(params);
        // The opening buy, then at most MAX_ACTIONS_PER_PLAN orders a tick.
        const rounds = 2 + Math.ceil((params.gridLevels - 1) / MAX_ACTIONS_PER_PLAN);
        for (let round = 0; round < rounds; round++) {
          const result = planGrid(state, desk.observe(round * 1_000, market.startPriceMinor));
          expect(result.events.map((event) => event.kind)).not.toContain("skipped_insufficient_budget");
          expect(result.events.map((event) => event.kind)).not.toContain("skipped_below_min_notional");
          desk.apply(result.actions, market.startPriceMinor);
          state = result.state;
        }
        // Every interval has its order, unless its level is outside the price band right now.
        expect(state.phase).toBe("running");
        const band = priceBand(market.startPriceMinor, MARKETS[market.symbol].filters);
        for (const [index, interval] of state.intervals.entries()) {
          const levelPrice = gridOrderPriceMinor(state.levels, index, interval.side);
          const inBand = levelPrice >= band.lowestMinor && levelPrice <= band.highestMinor;
          const placed = state.orders.some((order) => order.role === "level" && order.index === index);
          expect(placed).toBe(inBand);
        }
      }),
      { numRuns: 100 },
    );
  });
});
