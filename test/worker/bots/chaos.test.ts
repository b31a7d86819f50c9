import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createDatabase } from "../../../db/client.ts";
import { ApiError } from "../../../worker/errors.ts";
import { BotDesk, type NewBot } from "../../../worker/services/bots/desk.ts";
import { plannerFor, validateParams } from "../../../worker/services/bots/planner.ts";
import type { HaltReporter } from "../../../worker/services/flows/flow.ts";
import { userLedger } from "../../../worker/services/ledger/client.ts";
import { isFlowCheck, reconcileLedger } from "../../../worker/services/ledger/reconcile.ts";
import { MARKETS, type MarketSymbol } from "../../../worker/services/markets/symbols.ts";
import { type UserOrdersClient, unwrap } from "../../../worker/services/objects/user-orders.ts";
import { OrderDesk } from "../../../worker/services/trading/desk.ts";
import { PaperVenue } from "../../../worker/services/trading/paper-venue.ts";
import { liveUnavailable } from "../../../worker/services/trading/venue.ts";
import { constantGbpValuations, referenceGbpValuation } from "../../../worker/services/valuation/gbp.ts";
import {
  between,
  chaosClient,
  chaosLedger,
  type FaultKind,
  type FaultRates,
  FaultSource,
  hashOf,
  Incarnation,
  idFrom,
  mulberry32,
  NO_FAULTS,
} from "../flows/chaos-support.ts";
import { rows } from "../flows/support.ts";
import { database, insertUser } from "../ledger/support.ts";
import {
  botIdFrom,
  type CommittedState,
  DoomedIncarnation,
  recordingClient,
  ScriptedMarket,
} from "./chaos-support.ts";

/**
 * Issue 11, "Done when": PAPER bots (DCA and Grid on BTC-GBP and ETH-GBP) driven at random
 * through their desks while everything under them fails. Each bot's desk (services/bots/desk.ts,
 * what the Bot Durable Object hosts) runs over a libSQL client that fails before sending,
 * mid-batch and after a commit whose answer is lost, and a ledger client that loses calls and
 * answers; the user's order desk (services/trading/desk.ts, what UserOrders hosts, with the
 * real paper engine) fails the same way. Bot objects and the orders object are reset at random
 * I/O points and evicted between calls (a fresh desk is built from the same database), and
 * alarms arrive twice: one after the other, at once on two live instances, and at once with
 * the old instance reset partway. The market is scripted: a seeded walk whose price the paper
 * engine fills resting orders against, so safety orders, take profits and grid re-arms happen.
 *
 * Afterwards, with the faults off, alarms run past every backoff until nothing is pending,
 * every bot is stopped (kill switch), and then: no bot is pending or halted, no order is open,
 * pending or halted, every allocation is zero, each bot returned exactly its budget plus what
 * its own trades moved, each user's paper balances equal the deposit plus what all trades
 * moved (to the minor unit, from the trades table, independently of the ledger's postings),
 * no bot has two `started` or `stopped` events, and reconciliation passes. Then, apart from the
 * money: every order a bot placed was tracked by a strategy state it committed (every state a
 * desk really wrote is read back below the failing client), and no bot proposed one of its own
 * keys with other parameters (a 409 `idempotency_conflict`): a tick that failed halfway and ran
 * again must not lose track of what the failed run placed. Lifecycle events lost to a failure
 * after their state change are counted and printed, not failed.
 *
 * A seed fixes the operations, the faults (drawn per operation and call site), market prices
 * and time. Reproduce a run with
 * `FLOWS_CHAOS_SEED=<seed> npx vitest run --project worker test/worker/bots/chaos.test.ts`.
 */

// vitest.config.ts passes FLOWS_CHAOS_SEED from the shell on as a binding (workerd has no process.env).
const SEED = Number((env as { FLOWS_CHAOS_SEED?: string }).FLOWS_CHAOS_SEED || 20_261_111);
// Each run tries the seed and the next two.
if (!Number.isSafeInteger(SEED)) throw new Error("FLOWS_CHAOS_SEED must be an integer");
const SEEDS = [SEED, SEED + 1, SEED + 2];
const USERS = 3;
const OPS_PER_USER = 250;
const MAX_BOTS_PER_USER = 9;
/** Resume passes after the chaos; each moves past every backoff (at most 5 minutes). */
const MAX_DRAIN_PASSES = 12;
const DRAIN_STEP_MS = 6 * 60_000;
/** Market time starts here: the scripted prices are a function of it. */
const START_MS = Date.UTC(2026, 0, 12);
const PAPER_GBP_MINOR = 300_000n; // 3,000.00 GBP
const BASE_PRICES: Partial<Record<MarketSymbol, bigint>> = {
  "BTC-GBP": 5_000_000n, // 50,000.00 GBP
  "ETH-GBP": 250_000n, // 2,500.00 GBP
};
const ASSETS_SEEN = ["GBP", "BTC", "ETH"] as const;

const CHAOS: FaultRates = {
  databaseBefore: 0.015,
  // Only the order desk's settlement (trades and order in one batch) is a batch: fail it often.
  databaseMidBatch: 0.1,
  databaseAfter: 0.015,
  ledgerBefore: 0.02,
  ledgerAfter: 0.02,
  venue: 0,
  abort: 0.006,
};

const AUDIT = { requestId: "bots-chaos", ipAddress: "127.0.0.1" };

function log(line: string): void {
  // biome-ignore lint/suspicious/noConsole: the seed and the stats make a failing run reproducible and the chaos visible.
  console.log(line);
}

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

function outcome(run: UserRun, key: string): void {
  bump(run.outcomes, key);
}

const big = (value: unknown): bigint =>
  value === null || value === undefined ? 0n : BigInt(value as bigint);

// ---- The run -------------------------------------------------------------------------------

interface BotHandle {
  id: string;
  label: string;
  input: NewBot;
  desk: BotDesk;
  life: Incarnation;
  /** A create was answered: the row exists. */
  created: boolean;
  createAttempts: number;
}

interface OrdersObject {
  desk: OrderDesk;
  life: Incarnation;
}

type DuplicateMode = "sequential" | "concurrent" | "overlap";

interface UserRun {
  seed: number;
  index: number;
  userId: string;
  clock: { nowMs: number };
  faults: FaultSource;
  market: ScriptedMarket;
  bots: BotHandle[];
  orders: OrdersObject;
  /** UserOrders serialises its calls: so does this queue. */
  ordersTail: Promise<unknown>;
  halts: string[];
  problems: string[];
  ops: Record<string, number>;
  outcomes: Record<string, number>;
  duplicates: Record<DuplicateMode, number>;
  botResets: number;
  orderResets: number;
  evictions: number;
  drainPasses: number;
  incarnations: number;
  nextOrderNumber: number;
  statusesBeforeKill: Record<string, number>;
  /** Every strategy state a bot's desk committed (read back from its writes). */
  committed: Map<string, CommittedState[]>;
}

let db: Client;
beforeAll(() => {
  db = database();
});
afterAll(() => db.close());

function haltReporter(run: UserRun): HaltReporter {
  return async (halt) => {
    run.halts.push(`${halt.flow} ${halt.id}: ${halt.reason}`);
  };
}

/** The user's order desk as UserOrders builds it, over chaotic dependencies and the scripted market. */
function buildOrders(run: UserRun): OrdersObject {
  const life = new Incarnation(++run.incarnations);
  const paper = new PaperVenue(run.market);
  const desk = new OrderDesk(run.userId, {
    db: createDatabase(chaosClient(db, run.faults, life)),
    ledger: chaosLedger(userLedger(env, run.userId), run.faults, life),
    venueFor: (mode) => {
      if (mode !== "paper") throw liveUnavailable();
      return paper;
    },
    valuations: constantGbpValuations(referenceGbpValuation()),
    now: () => run.clock.nowMs,
    newId: () => idFrom(`bots-chaos|${run.seed}|${run.index}|order|${run.nextOrderNumber++}`),
    reportHalt: haltReporter(run),
  });
  return { desk, life };
}

/** Runs `work` on the user's order desk, one call at a time; a reset object comes back fresh. */
function onOrders<T>(run: UserRun, work: (desk: OrderDesk) => Promise<T>): Promise<T> {
  const result = run.ordersTail.then(() => {
    if (run.orders.life.dead) {
      run.orderResets++;
      run.orders = buildOrders(run);
    }
    return work(run.orders.desk);
  });
  run.ordersTail = result.catch(() => undefined);
  return result;
}

/**
 * What `userOrdersClient(env, userId)` gives a bot, reaching the in-test order desk. A call from
 * a reset Bot instance is never sent, and its answer never heard by one reset meanwhile.
 */
function ordersClientFor(run: UserRun, caller: Incarnation): UserOrdersClient {
  const call = async <T>(work: (desk: OrderDesk) => Promise<T>): Promise<T> => {
    caller.assertAlive();
    const value = await onOrders(run, work);
    caller.assertAlive();
    return value;
  };
  return {
    place: (request) => call((desk) => desk.place(request)),
    cancel: async (orderId) => unwrap(await call((desk) => desk.cancel(orderId))),
    checkResting: (untilMs) => call((desk) => desk.checkResting(untilMs ?? run.clock.nowMs)),
    requestWithdrawal: () => Promise.reject(new Error("bots never withdraw")),
    transitionWithdrawal: () => Promise.reject(new Error("bots never withdraw")),
  };
}

/** A bot's desk as the Bot object builds it, over chaotic dependencies. */
function deskFor(run: UserRun, botId: string, life: Incarnation): BotDesk {
  const recorded = recordingClient(db, (id, state) => {
    const states = run.committed.get(id) ?? [];
    states.push(state);
    run.committed.set(id, states);
  });
  const client = chaosClient(recorded, run.faults, life);
  return new BotDesk(botId, {
    db: createDatabase(client),
    client,
    ledger: (userId) => chaosLedger(userLedger(env, userId), run.faults, life),
    orders: () => ordersClientFor(run, life),
    market: run.market,
    planner: plannerFor,
    now: () => run.clock.nowMs,
    reportHalt: haltReporter(run),
  });
}

function rebuild(run: UserRun, handle: BotHandle): void {
  handle.life = new Incarnation(++run.incarnations);
  handle.desk = deskFor(run, handle.id, handle.life);
}

// ---- Bots ----------------------------------------------------------------------------------

interface Template {
  type: "dca" | "grid";
  symbol: MarketSymbol;
  params: Record<string, unknown>;
}

function templateFor(random: () => number): Template {
  const stops = random() < 0.5;
  switch (between(random, 0, 3)) {
    case 0:
      return {
        type: "dca",
        symbol: "BTC-GBP",
        params: {
          baseOrder: "40.00",
          safetyOrder: "20.00",
          safetyOrders: 3,
          priceDeviationPercent: "0.6",
          volumeScale: "1.5",
          takeProfitPercent: "0.8",
          cooldownSeconds: 20,
          ...(stops ? { stopLossPercent: "3.5" } : {}),
        },
      };
    case 1:
      return {
        type: "dca",
        symbol: "ETH-GBP",
        params: {
          baseOrder: "25.00",
          safetyOrder: "15.00",
          safetyOrders: 2,
          priceDeviationPercent: "0.8",
          volumeScale: "2",
          takeProfitPercent: "1",
          ...(stops ? { stopLossPercent: "3" } : {}),
        },
      };
    case 2:
      return {
        type: "grid",
        symbol: "BTC-GBP",
        params: {
          lowerPrice: "48500.00",
          upperPrice: "51500.00",
          gridLevels: 6,
          spacing: "arithmetic",
          ...(stops ? { stopLossPrice: "48200.00", takeProfitPrice: "51800.00" } : {}),
        },
      };
    default:
      return {
        type: "grid",
        symbol: "ETH-GBP",
        params: {
          lowerPrice: "2430.00",
          upperPrice: "2570.00",
          gridLevels: 5,
          spacing: "geometric",
          ...(stops ? { stopLossPrice: "2410.00", takeProfitPrice: "2590.00" } : {}),
        },
      };
  }
}

/** A new bot's handle: its template, a budget that covers it (now and then far more than the funds). */
function newBot(run: UserRun, random: () => number): BotHandle {
  const number = run.bots.length;
  const template = templateFor(random);
  const price = run.market.priceAt(template.symbol, run.clock.nowMs);
  const { params, requiredBudgetMinor } = validateParams(
    template.type,
    template.symbol,
    template.params,
    price,
  );
  const huge = random() < 0.1;
  // A DCA budget covers its deal and up to 60 GBP more; a grid's 250-500 GBP (at least what it needs).
  const wanted =
    template.type === "dca"
      ? requiredBudgetMinor + BigInt(between(random, 0, 6_000))
      : BigInt(between(random, 25_000, 50_000));
  const budgetMinor = huge ? 250_000n : wanted > requiredBudgetMinor ? wanted : requiredBudgetMinor;
  const id = botIdFrom(`bots-chaos|${run.seed}|${run.index}|bot|${number}`);
  const life = new Incarnation(++run.incarnations);
  return {
    id,
    label: `u${run.index}b${number} ${template.type} ${template.symbol}`,
    input: {
      id,
      userId: run.userId,
      clientKey: `bots-chaos-${number}`,
      requestHash: `hash-${id}`,
      type: template.type,
      symbol: template.symbol,
      mode: "paper",
      budgetAsset: "GBP",
      budgetMinor,
      params,
    },
    desk: deskFor(run, id, life),
    life,
    created: false,
    createAttempts: 0,
  };
}

async function setUpUser(seed: number, index: number): Promise<UserRun> {
  const user = await insertUser(db);
  await userLedger(env, user.id).paperDeposit({
    idempotencyKey: "bots-chaos:gbp",
    asset: "GBP",
    amountMinor: PAPER_GBP_MINOR,
  });
  const clock = { nowMs: START_MS };
  const run: UserRun = {
    seed,
    index,
    userId: user.id,
    clock,
    faults: new FaultSource(hashOf(`bots|${seed}|faults|${index}`), CHAOS),
    market: new ScriptedMarket(hashOf(`bots|${seed}|market`), START_MS, () => clock.nowMs, BASE_PRICES),
    bots: [],
    orders: undefined as unknown as OrdersObject,
    ordersTail: Promise.resolve(),
    halts: [],
    problems: [],
    ops: {},
    outcomes: {},
    duplicates: { sequential: 0, concurrent: 0, overlap: 0 },
    botResets: 0,
    orderResets: 0,
    evictions: 0,
    drainPasses: 0,
    incarnations: 0,
    nextOrderNumber: 0,
    statusesBeforeKill: {},
    committed: new Map(),
  };
  run.orders = buildOrders(run);
  return run;
}

// ---- Operations ----------------------------------------------------------------------------

function answerOf(error: unknown): string {
  if (error instanceof ApiError) return `${error.status}:${error.code}`;
  return "failed (transport or injected)";
}

/** Answers a correct desk may give under faults; anything else is a problem. */
const TRANSIENT = new Set([
  "503:service_unavailable",
  "503:market_data_stale",
  "failed (transport or injected)",
]);

async function botRows(run: UserRun) {
  const found = await rows(db, "SELECT id, status, pending, halted FROM bots WHERE user_id = ?", [
    run.userId,
  ]);
  return new Map(found.map((row) => [String(row.id), row]));
}

function pickFrom<T>(random: () => number, items: readonly T[]): T | undefined {
  return items.length === 0 ? undefined : items[Math.floor(random() * items.length)];
}

/** A bot whose row status is one of `statuses` (most of the time), else any created bot. */
async function pickBot(
  run: UserRun,
  random: () => number,
  statuses: readonly string[],
  share = 0.85,
): Promise<{ handle: BotHandle; status: string } | undefined> {
  const current = await botRows(run);
  const created = run.bots.filter((handle) => current.has(handle.id));
  const wanted = created.filter((handle) => statuses.includes(String(current.get(handle.id)?.status)));
  const handle = pickFrom(random, random() < share && wanted.length > 0 ? wanted : created);
  return handle ? { handle, status: String(current.get(handle.id)?.status) } : undefined;
}

async function availableGbp(run: UserRun): Promise<bigint> {
  const [row] = await rows(db, "SELECT balance FROM ledger_balances WHERE account = ? AND asset = 'GBP'", [
    `user:${run.userId}:paper:available`,
  ]);
  return big(row?.balance);
}

/** What the Bot object's alarm does: wake the desk (which never throws but for its first read). */
async function wake(run: UserRun, desk: BotDesk, label = "wake"): Promise<void> {
  try {
    const { nextWakeMs, ticked } = await desk.wake();
    bump(
      run.outcomes,
      `${label} -> ${ticked ? "ticked" : nextWakeMs === null ? "nothing to do" : "backing off"}`,
    );
  } catch (error) {
    outcome(run, `${label} -> threw ${answerOf(error)} (the alarm retries)`);
  }
}

/** What UserOrders' alarm does: check resting orders and finish steps in flight. */
async function ordersAlarm(run: UserRun): Promise<void> {
  try {
    await onOrders(run, (desk) => desk.checkResting(run.clock.nowMs));
    outcome(run, "orders alarm -> ran");
  } catch {
    outcome(run, "orders alarm -> failed (retried)");
  }
}

/**
 * An alarm delivered twice: one after the other on two instances; at once on two live
 * instances (the harshest case: both believe they own the bot); or at once with the old
 * instance reset partway (its requests already sent still land: the realistic overlap).
 */
async function alarmTwice(run: UserRun, handle: BotHandle, random: () => number): Promise<void> {
  const roll = random();
  const mode: DuplicateMode = roll < 0.35 ? "sequential" : roll < 0.65 ? "concurrent" : "overlap";
  run.duplicates[mode]++;
  if (mode === "sequential") {
    await wake(run, handle.desk, "duplicated alarm (first)");
    rebuild(run, handle);
    await wake(run, handle.desk, "duplicated alarm (second)");
    return;
  }
  const old =
    mode === "overlap"
      ? deskFor(run, handle.id, new DoomedIncarnation(++run.incarnations, between(random, 0, 12)))
      : handle.desk;
  rebuild(run, handle);
  await Promise.all([
    wake(run, old, `duplicated alarm at once (${mode}, old)`),
    wake(run, handle.desk, `duplicated alarm at once (${mode}, new)`),
  ]);
}

async function start(run: UserRun, random: () => number): Promise<void> {
  const picked = await pickBot(run, random, ["draft", "paused"]);
  if (!picked) return;
  const { handle, status } = picked;
  try {
    const bot = await handle.desk.start(run.userId, AUDIT);
    outcome(run, `start (${status}) -> ok ${bot.status}`);
    if (bot.status !== "running") run.problems.push(`${handle.label}: start answered ok with ${bot.status}`);
  } catch (error) {
    const answer = answerOf(error);
    outcome(run, `start (${status}) -> ${answer}`);
    if (answer === "409:insufficient_funds") {
      const available = await availableGbp(run);
      if (available >= handle.input.budgetMinor)
        run.problems.push(
          `${handle.label}: start refused for insufficient funds with ${available} GBP minor available for a budget of ${handle.input.budgetMinor}`,
        );
    } else if (answer !== "409:invalid_state" && !TRANSIENT.has(answer)) {
      run.problems.push(`${handle.label}: start answered ${answer}: ${(error as Error).message}`);
    }
  }
}

async function pause(run: UserRun, random: () => number): Promise<void> {
  const picked = await pickBot(run, random, ["running"]);
  if (!picked) return;
  const { handle, status } = picked;
  try {
    const bot = await handle.desk.pause(run.userId, AUDIT);
    outcome(run, `pause (${status}) -> ok ${bot.status}`);
    if (bot.status !== "paused") run.problems.push(`${handle.label}: pause answered ok with ${bot.status}`);
  } catch (error) {
    const answer = answerOf(error);
    outcome(run, `pause (${status}) -> ${answer}`);
    if (answer !== "409:invalid_state" && !TRANSIENT.has(answer))
      run.problems.push(`${handle.label}: pause answered ${answer}: ${(error as Error).message}`);
  }
}

async function stop(run: UserRun, handle: BotHandle, status: string, reason: string): Promise<void> {
  try {
    const bot = await handle.desk.stop(run.userId, reason, AUDIT);
    outcome(run, `stop ${reason} (${status}) -> ok ${bot.status}`);
    if (bot.status !== "stopped") run.problems.push(`${handle.label}: stop answered ok with ${bot.status}`);
  } catch (error) {
    const answer = answerOf(error);
    outcome(run, `stop ${reason} (${status}) -> ${answer}`);
    if (!TRANSIENT.has(answer))
      run.problems.push(`${handle.label}: stop answered ${answer}: ${(error as Error).message}`);
  }
}

/** The kill switch: every bot of the user that is not stopped, one after the other. */
async function killSwitch(run: UserRun): Promise<void> {
  const current = await botRows(run);
  for (const handle of run.bots) {
    const status = String(current.get(handle.id)?.status);
    if (!["draft", "awaiting_confirmation", "running", "paused"].includes(status)) continue;
    await stop(run, handle, status, "kill_switch");
  }
}

async function create(run: UserRun, handle: BotHandle): Promise<void> {
  handle.createAttempts++;
  try {
    const bot = await handle.desk.create(handle.input, AUDIT);
    handle.created = true;
    outcome(run, `create -> ok ${bot.status}`);
    // A create retried after its answer was lost finds the bot as it is now (maybe started).
    if (handle.createAttempts === 1 && bot.status !== "draft")
      run.problems.push(`${handle.label}: created as ${bot.status}`);
  } catch (error) {
    const answer = answerOf(error);
    outcome(run, `create -> ${answer}`);
    if (!TRANSIENT.has(answer))
      run.problems.push(`${handle.label}: create answered ${answer}: ${(error as Error).message}`);
  }
}

const OPERATIONS = [
  ["wake", 40],
  ["orders_alarm", 10],
  ["alarm_twice", 9],
  ["start", 8],
  ["pause", 4],
  ["stop", 1.2],
  ["kill_switch", 0.25],
  ["create", 3],
  ["evict_bot", 3],
  ["evict_orders", 1.5],
] as const;
type Operation = (typeof OPERATIONS)[number][0];
const TOTAL_WEIGHT = OPERATIONS.reduce((total, [, weight]) => total + weight, 0);

function pickOperation(random: () => number): Operation {
  let roll = random() * TOTAL_WEIGHT;
  for (const [operation, weight] of OPERATIONS) {
    roll -= weight;
    if (roll < 0) return operation;
  }
  return "wake";
}

/** Market time moves on: mostly a tick or a few, sometimes minutes (backoffs expire, prices move). */
function advanceClock(run: UserRun, random: () => number): void {
  const roll = random();
  run.clock.nowMs +=
    roll < 0.6
      ? between(random, 1_000, 5_000)
      : roll < 0.92
        ? between(random, 5_000, 120_000)
        : between(random, 120_000, 20 * 60_000);
}

async function perform(run: UserRun, operation: Operation, random: () => number): Promise<void> {
  switch (operation) {
    case "wake": {
      const picked = await pickBot(run, random, ["running"]);
      if (picked) await wake(run, picked.handle.desk);
      return;
    }
    case "orders_alarm":
      await ordersAlarm(run);
      return;
    case "alarm_twice": {
      const picked = await pickBot(run, random, ["running"]);
      if (picked) await alarmTwice(run, picked.handle, random);
      return;
    }
    case "start":
      await start(run, random);
      return;
    case "pause":
      await pause(run, random);
      return;
    case "stop": {
      const picked = await pickBot(run, random, ["running", "paused", "draft"], 0.95);
      if (picked) await stop(run, picked.handle, picked.status, "stopped_by_user");
      return;
    }
    case "kill_switch":
      await killSwitch(run);
      return;
    case "create": {
      const unanswered = run.bots.find((handle) => !handle.created);
      if (unanswered) {
        await create(run, unanswered);
      } else if (run.bots.length < MAX_BOTS_PER_USER) {
        const handle = newBot(run, random);
        run.bots.push(handle);
        await create(run, handle);
      }
      return;
    }
    case "evict_bot": {
      const handle = pickFrom(random, run.bots);
      if (handle) {
        run.evictions++;
        rebuild(run, handle);
      }
      return;
    }
    case "evict_orders":
      run.evictions++;
      run.orders = buildOrders(run);
      return;
  }
}

async function pendingLeft(run: UserRun): Promise<number> {
  const [counts] = await rows(
    db,
    `SELECT (SELECT COUNT(*) FROM bots WHERE user_id = ? AND pending IS NOT NULL AND halted IS NULL)
          + (SELECT COUNT(*) FROM orders WHERE user_id = ? AND pending IS NOT NULL AND halted IS NULL) AS n`,
    [run.userId, run.userId],
  );
  return Number(counts?.n ?? 0);
}

/** With the faults off, the alarms keep coming, each past every backoff, until nothing is pending. */
async function drain(run: UserRun): Promise<void> {
  for (let pass = 0; pass < MAX_DRAIN_PASSES; pass++) {
    if ((await pendingLeft(run)) === 0) return;
    run.drainPasses++;
    run.clock.nowMs += DRAIN_STEP_MS;
    await ordersAlarm(run);
    for (const handle of run.bots) await wake(run, handle.desk, "drain wake");
  }
}

async function runUser(seed: number, index: number): Promise<UserRun> {
  const run = await setUpUser(seed, index);
  const random = mulberry32(hashOf(`bots|${seed}|operations|${index}`));
  // Four bots to begin with, created and started before the chaos.
  for (let number = 0; number < 4; number++) {
    const handle = newBot(run, random);
    run.bots.push(handle);
    await create(run, handle);
    if (random() < 0.85) {
      await handle.desk.start(run.userId, AUDIT).catch((error: unknown) => {
        outcome(run, `first start -> ${answerOf(error)}`);
      });
    }
  }
  for (let step = 0; step < OPS_PER_USER; step++) {
    run.faults.beginOperation(step);
    advanceClock(run, random);
    // UserOrders' alarm rings every second while orders rest: most operations meet one.
    if (random() < 0.5) await ordersAlarm(run);
    const operation = pickOperation(random);
    bump(run.ops, operation);
    try {
      await perform(run, operation, random);
    } catch (error) {
      // The operations answer failures as data; only the test's own reads may throw here.
      run.problems.push(`${operation} threw: ${String(error)}`);
    }
    for (const handle of run.bots) {
      if (handle.life.dead) {
        run.botResets++;
        rebuild(run, handle);
      }
    }
  }

  // The chaos stops: fresh objects, alarms until nothing is pending, then the kill switch.
  run.faults.rates = NO_FAULTS;
  run.orders = buildOrders(run);
  for (const handle of run.bots) {
    rebuild(run, handle);
    if (!handle.created) await create(run, handle);
  }
  await drain(run);
  const current = await botRows(run);
  for (const row of current.values()) bump(run.statusesBeforeKill, String(row.status));
  for (const handle of run.bots) {
    await stop(run, handle, String(current.get(handle.id)?.status), "kill_switch");
  }
  await drain(run);
  return run;
}

// ---- Checks -------------------------------------------------------------------------------------

type Amounts = Record<string, bigint>;

function add(amounts: Amounts, asset: string, amount: bigint): void {
  amounts[asset] = (amounts[asset] ?? 0n) + amount;
}

/** Everything that must hold for one user once every bot is stopped; returns what does not. */
async function checkUser(
  run: UserRun,
): Promise<{ failures: string[]; strategy: string[]; eventGaps: string[] }> {
  const failures: string[] = [];
  const strategy: string[] = [];
  const eventGaps: string[] = [];
  const fail = (line: string) => failures.push(`user ${run.index} (${run.userId}): ${line}`);
  const { userId } = run;
  const labels = new Map(run.bots.map((handle) => [handle.id, handle.label]));
  const budgets = new Map(run.bots.map((handle) => [handle.id, handle.input.budgetMinor]));
  const botAccount = (botId: string) => `user:${userId}:paper:bot:${botId}`;

  const bots = await rows(db, "SELECT * FROM bots WHERE user_id = ?", [userId]);
  const orders = await rows(db, "SELECT * FROM orders WHERE user_id = ?", [userId]);
  const trades = await rows(
    db,
    `SELECT t.id, t.side, t.symbol, t.quantity, t.quote, t.fee, t.quote_asset, t.fee_asset, o.bot_id
     FROM trades t JOIN orders o ON o.id = t.order_id WHERE t.user_id = ?`,
    [userId],
  );
  const holds = await rows(db, "SELECT id, source_account, status FROM ledger_holds WHERE user_id = ?", [
    userId,
  ]);
  const balances = await rows(
    db,
    "SELECT account, asset, balance FROM ledger_balances WHERE account LIKE ?",
    [`user:${userId}:%`],
  );
  const botPostings = await rows(
    db,
    `SELECT p.account, e.type, p.asset, SUM(p.amount) AS total, COUNT(DISTINCT e.id) AS entries
     FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
     WHERE e.user_id = ? AND p.account LIKE ? GROUP BY p.account, e.type, p.asset`,
    [userId, `user:${userId}:paper:bot:%`],
  );
  const events = await rows(
    db,
    "SELECT bot_id, kind, COUNT(*) AS n FROM bot_events WHERE user_id = ? GROUP BY bot_id, kind",
    [userId],
  );

  // Bots: all stopped, nothing pending or halted, every allocation empty.
  if (bots.length !== run.bots.length) fail(`${bots.length} bot rows for ${run.bots.length} bots created`);
  const ledger = userLedger(env, userId);
  for (const bot of bots) {
    const id = String(bot.id);
    const label = `bot ${labels.get(id) ?? id} (${bot.status}${bot.reason ? ` ${bot.reason}` : ""})`;
    if (bot.status !== "stopped") fail(`${label} is not stopped after the kill switch`);
    if (bot.pending !== null) fail(`${label} still has a step pending: ${bot.pending}`);
    if (bot.halted !== null) fail(`${label} was halted: ${bot.halted}`);
    const allocation = await ledger.botBalances("paper", id);
    for (const [asset, amount] of Object.entries(allocation))
      if (amount !== 0n) fail(`${label}: its allocation still holds ${amount} ${asset} minor units`);
  }

  // Orders: every one a bot's, finished, nothing pending or halted; holds from the bot's allocation.
  const botOfOrder = new Map<string, string>();
  for (const order of orders) {
    const id = String(order.id);
    const botId = order.bot_id === null ? null : String(order.bot_id);
    const label = `order ${id} (${order.side} ${order.type} ${order.symbol}, ${order.status}${order.reason ? ` ${order.reason}` : ""})`;
    if (botId === null || !labels.has(botId)) fail(`${label} is not one of the user's bots' orders`);
    else botOfOrder.set(id, botId);
    if (botId && !String(order.client_key).startsWith(`bot:${botId}:`))
      fail(`${label}: client key ${order.client_key} is not its bot's`);
    if (["open", "partially_filled"].includes(String(order.status)))
      fail(`${label} is still open after its bot was stopped`);
    if (order.pending !== null) fail(`${label} still has a step pending: ${order.pending}`);
    if (order.halted !== null) fail(`${label} was halted: ${order.halted}`);
  }
  for (const hold of holds) {
    const botId = botOfOrder.get(String(hold.id));
    if (!botId) {
      fail(`hold ${hold.id} belongs to no bot order`);
      continue;
    }
    if (hold.source_account !== botAccount(botId))
      fail(
        `hold ${hold.id} of ${labels.get(botId)} was taken from ${hold.source_account}, not its allocation`,
      );
    if (hold.status === "open") fail(`hold ${hold.id} of ${labels.get(botId)} is still open`);
  }

  // The strategies: every order a bot placed was tracked by a strategy state it committed,
  // unless no tick of that bot committed after the order was placed (stopped or paused first:
  // the stop cancels it). And no bot proposed one of its own keys with other parameters.
  for (const order of orders) {
    const botId = botOfOrder.get(String(order.id));
    if (!botId) continue;
    const key = String(order.client_key).slice(`bot:${botId}:`.length);
    const states = run.committed.get(botId) ?? [];
    const createdAtMs = Number(order.created_at_ms);
    const later = states.filter((state) => state.lastTickAtMs !== null && state.lastTickAtMs > createdAtMs);
    if (!states.some((state) => state.keys.includes(key)) && later.length > 0)
      strategy.push(
        `${labels.get(botId)}: order ${key} (${order.side} ${order.type}, ${order.status}, ${order.filled_quantity} filled), placed at ${createdAtMs}, was never tracked by its strategy, though ${later.length} ticks committed after it (the first at ${later[0]?.lastTickAtMs}, tick ${later[0]?.ticks})`,
      );
  }
  for (const event of await rows(
    db,
    "SELECT bot_id, id, message FROM bot_events WHERE user_id = ? AND kind = 'refused_idempotency_conflict' ORDER BY at_ms, id",
    [userId],
  ))
    strategy.push(`${labels.get(String(event.bot_id))}: event ${event.id}: ${event.message}`);

  // What the trades moved, per bot and for the user: the fee is in the quote, as the order desk charges it.
  const userMoved: Amounts = {};
  const botMoved = new Map<string, Amounts>();
  for (const trade of trades) {
    const market = MARKETS[String(trade.symbol) as MarketSymbol];
    if (trade.quote_asset !== market.quote || trade.fee_asset !== market.quote)
      fail(`trade ${trade.id}: quote ${trade.quote_asset}, fee ${trade.fee_asset} on ${trade.symbol}`);
    const quantity = big(trade.quantity);
    const quote = big(trade.quote);
    const fee = big(trade.fee);
    const moved: Amounts =
      trade.side === "buy"
        ? { [market.base]: quantity, [market.quote]: -(quote + fee) }
        : { [market.base]: -quantity, [market.quote]: quote - fee };
    const botId = String(trade.bot_id);
    const perBot = botMoved.get(botId) ?? {};
    botMoved.set(botId, perBot);
    for (const [asset, amount] of Object.entries(moved)) {
      add(userMoved, asset, amount);
      add(perBot, asset, amount);
    }
  }

  // Each bot: allocated its budget once if it ever started, and returned exactly the budget
  // plus what its own trades moved, asset by asset.
  const postingsOf = (botId: string, type: string) =>
    botPostings.filter((row) => row.account === botAccount(botId) && row.type === type);
  for (const bot of bots) {
    const id = String(bot.id);
    const label = `bot ${labels.get(id) ?? id}`;
    const started = bot.started_at_ms !== null;
    const allocated = postingsOf(id, "bot_allocate");
    const allocatedText = allocated.map((row) => `${row.entries} x ${row.total} ${row.asset}`).join(", ");
    const wantAllocated = started ? `1 x ${budgets.get(id)} GBP` : "";
    if (allocatedText !== wantAllocated)
      fail(`${label}: allocations [${allocatedText}], expected [${wantAllocated}] (started: ${started})`);
    const expected: Amounts = {};
    if (started) add(expected, "GBP", budgets.get(id) ?? 0n);
    for (const [asset, amount] of Object.entries(botMoved.get(id) ?? {})) add(expected, asset, amount);
    const returned: Amounts = {};
    for (const row of postingsOf(id, "bot_return")) {
      add(returned, String(row.asset), -big(row.total));
      if (Number(row.entries) !== 1) fail(`${label}: ${row.entries} returns of ${row.asset}`);
    }
    for (const asset of ASSETS_SEEN) {
      if ((returned[asset] ?? 0n) !== (expected[asset] ?? 0n))
        fail(
          `${label}: returned ${returned[asset] ?? 0n} ${asset} minor units, its budget and trades say ${expected[asset] ?? 0n}`,
        );
    }
    const kinds = new Map(
      events.filter((row) => row.bot_id === id).map((row) => [String(row.kind), Number(row.n)]),
    );
    for (const kind of ["started", "stopped"]) {
      if ((kinds.get(kind) ?? 0) > 1) fail(`${label}: ${kinds.get(kind)} "${kind}" events`);
    }
    if (started && !kinds.has("started")) eventGaps.push(`${label}: started, but no "started" event`);
    if (!kinds.has("stopped")) eventGaps.push(`${label}: stopped, but no "stopped" event`);
  }

  // The user's paper book, to the minor unit: the deposit plus what every trade moved, all of
  // it available (nothing locked, every allocation empty).
  const expectedBook: Amounts = { GBP: PAPER_GBP_MINOR };
  for (const [asset, amount] of Object.entries(userMoved)) add(expectedBook, asset, amount);
  const actual: Record<string, Amounts> = {};
  for (const balance of balances) {
    const account = String(balance.account);
    const [, , book, kind] = account.split(":");
    if (book !== "paper") {
      if (big(balance.balance) !== 0n)
        fail(`${account} ${balance.asset}: ${balance.balance} in the live book`);
      continue;
    }
    const bucket = kind === "available" || kind === "locked" ? kind : "bots";
    actual[bucket] ??= {};
    add(actual[bucket], String(balance.asset), big(balance.balance));
  }
  for (const asset of ASSETS_SEEN) {
    const available = actual.available?.[asset] ?? 0n;
    const locked = actual.locked?.[asset] ?? 0n;
    const allocated = actual.bots?.[asset] ?? 0n;
    const want = expectedBook[asset] ?? 0n;
    if (available !== want || locked !== 0n || allocated !== 0n)
      fail(
        `paper ${asset}: available ${available}, locked ${locked}, in allocations ${allocated}; the deposit and the trades say ${want} available and nothing else`,
      );
  }
  return { failures, strategy: strategy.map((line) => `user ${run.index}: ${line}`), eventGaps };
}

// ---- The test -----------------------------------------------------------------------------------

/** Every user created by this file: flows of anyone else are not ours to judge. */
const ourUsers = new Set<string>();

function placeholders(values: readonly unknown[]): string {
  return values.map(() => "?").join(", ");
}

function sorted(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

async function printStats(runs: UserRun[]) {
  const faults: Partial<Record<FaultKind, number>> = {};
  const ops: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  const duplicates: Record<string, number> = {};
  const beforeKill: Record<string, number> = {};
  for (const run of runs) {
    for (const [kind, count] of Object.entries(run.faults.injected)) bump(faults, kind, count);
    for (const [kind, count] of Object.entries(run.ops)) bump(ops, kind, count);
    for (const [kind, count] of Object.entries(run.outcomes)) bump(outcomes, kind, count);
    for (const [kind, count] of Object.entries(run.duplicates)) bump(duplicates, kind, count);
    for (const [kind, count] of Object.entries(run.statusesBeforeKill)) bump(beforeKill, kind, count);
  }
  const users = runs.map((run) => run.userId);
  const records = await rows(
    db,
    `SELECT 'order ' || status AS what, COUNT(*) AS n FROM orders WHERE user_id IN (${placeholders(users)}) GROUP BY status
     UNION ALL SELECT 'trade', COUNT(*) FROM trades WHERE user_id IN (${placeholders(users)})
     UNION ALL SELECT 'bot ' || type || ' ' || symbol, COUNT(*) FROM bots WHERE user_id IN (${placeholders(users)}) GROUP BY type, symbol`,
    [...users, ...users, ...users],
  );
  const events = await rows(
    db,
    `SELECT kind, COUNT(*) AS n FROM bot_events WHERE user_id IN (${placeholders(users)}) GROUP BY kind ORDER BY kind`,
    users,
  );
  const total = (pick: (run: UserRun) => number) => runs.reduce((sum, run) => sum + pick(run), 0);
  const prices = [...(runs[0]?.market.seen ?? new Map())].map(
    ([symbol, seen]) => `${symbol} ${seen.low}..${seen.high}`,
  );
  log(`  faults injected: ${JSON.stringify(sorted(faults))}`);
  log(
    `  bot object resets: ${total((run) => run.botResets)}, orders object resets: ${total((run) => run.orderResets)}, evictions: ${total((run) => run.evictions)}, duplicated alarms: ${JSON.stringify(duplicates)}, resume passes after the chaos: ${runs.map((run) => run.drainPasses).join("/")}`,
  );
  log(`  operations: ${JSON.stringify(sorted(ops))}`);
  log(`  answers: ${JSON.stringify(sorted(outcomes))}`);
  log(`  bots before the final kill switch: ${JSON.stringify(sorted(beforeKill))}`);
  log(`  records: ${records.map((row) => `${row.what} ${row.n}`).join(", ")}`);
  log(`  events: ${events.map((row) => `${row.kind} ${row.n}`).join(", ")}`);
  log(`  prices seen (minor units): ${prices.join(", ")}`);
  const eventCount = (kind: string) => Number(events.find((row) => row.kind === kind)?.n ?? 0);
  return {
    faults,
    duplicates,
    trades: Number(records.find((row) => row.what === "trade")?.n ?? 0),
    eventCount,
  };
}

/**
 * Reconciliation over the whole database. Run with other test files, it holds their flows too
 * (some halted or unowned on purpose): only the ledger's own checks are then required, and
 * this file's flows were checked one by one before.
 */
async function reconcile(nowMs: number) {
  const report = await reconcileLedger(db, { nowMs });
  const users = [...ourUsers];
  const [foreign] = await rows(
    db,
    `SELECT (SELECT COUNT(*) FROM orders WHERE user_id NOT IN (${placeholders(users)}))
          + (SELECT COUNT(*) FROM withdrawals WHERE user_id NOT IN (${placeholders(users)}))
          + (SELECT COUNT(*) FROM ledger_holds WHERE user_id NOT IN (${placeholders(users)}))
          + (SELECT COUNT(*) FROM bots WHERE user_id NOT IN (${placeholders(users)})) AS n`,
    [...users, ...users, ...users, ...users],
  );
  const alone = Number(foreign?.n) === 0;
  const judged = alone ? report.checks : report.checks.filter((check) => !isFlowCheck(check.name));
  return { report, alone, judged, failed: judged.filter((check) => !check.ok) };
}

describe("bots under faults, resets, evictions and duplicated alarms", () => {
  for (const [round, seed] of SEEDS.entries()) {
    it(`seed ${seed}: every bot stops clean, its allocation returned exactly, and the books balance`, async () => {
      log(`bots chaos: seed ${seed} (FLOWS_CHAOS_SEED=${SEED}, run ${round + 1} of ${SEEDS.length})`);
      const startedMs = performance.now();
      // One user after another: users share the audit log, one chain whose appends retry when
      // they race, and those retries would make a seed's faults depend on timing.
      const runs: UserRun[] = [];
      for (let index = 0; index < USERS; index++) runs.push(await runUser(seed, index));
      for (const run of runs) ourUsers.add(run.userId);
      const stats = await printStats(runs);

      const checked = await Promise.all(runs.map(checkUser));
      const eventGaps = checked.flatMap((result) => result.eventGaps);
      log(`  lifecycle events missing (lost to a failure after the state change): ${eventGaps.length}`);
      for (const gap of eventGaps) log(`    ${gap}`);
      const reconciled = await reconcile(Math.max(...runs.map((run) => run.clock.nowMs)));
      if (reconciled.failed.length > 0)
        log(`  reconciliation failed: ${JSON.stringify(reconciled.failed, null, 2)}`);
      log(
        `  reconciliation: ${reconciled.judged.length} of ${reconciled.report.checks.length} checks judged (${reconciled.alone ? "alone" : "other files' flows present"}); seed took ${((performance.now() - startedMs) / 1000).toFixed(1)} s`,
      );
      // Everything at once, so that a failing seed shows the whole picture. A halt is a broken
      // invariant: in a run of faults alone it is a bug.
      expect({
        halts: runs.flatMap((run) => run.halts),
        wrongAnswers: runs.flatMap((run) => run.problems),
        failures: checked.flatMap((result) => result.failures),
        reconciliation: reconciled.failed,
      }).toEqual({ halts: [], wrongAnswers: [], failures: [], reconciliation: [] });
      if (reconciled.alone) expect(reconciled.report.ok).toBe(true);

      // Every order a bot placed is one its strategy knows about (a tick re-run after a failure
      // must not lose track of what the failed run placed). Checked after the money: a lost
      // order is a strategy that no longer does what the trader configured, not lost money.
      const strategy = checked.flatMap((result) => result.strategy);
      log(`  orders the strategies lost track of, and keys re-proposed differently: ${strategy.length}`);
      for (const line of strategy) log(`    ${line}`);
      expect(strategy).toEqual([]);

      // The chaos really happened, and so did the trading.
      expect(stats.faults.databaseBefore ?? 0).toBeGreaterThan(0);
      expect(stats.faults.databaseAfter ?? 0).toBeGreaterThan(0);
      expect((stats.faults.ledgerBefore ?? 0) + (stats.faults.ledgerAfter ?? 0)).toBeGreaterThan(0);
      expect((stats.faults.abortBefore ?? 0) + (stats.faults.abortAfter ?? 0)).toBeGreaterThan(0);
      expect(Object.values(stats.duplicates).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
      expect(stats.trades).toBeGreaterThan(0);
      expect(stats.eventCount("filled")).toBeGreaterThan(0);
    }, 120_000);
  }
});
