import { env, runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createDatabase } from "../../../db/client.ts";
import type { Withdrawal } from "../../../db/schema/withdrawals.ts";
import type { HaltReporter } from "../../../worker/services/flows/flow.ts";
import { userLedger } from "../../../worker/services/ledger/client.ts";
import { isFlowCheck, reconcileLedger } from "../../../worker/services/ledger/reconcile.ts";
import { OrderDesk } from "../../../worker/services/trading/desk.ts";
import type { DeskOutcome, OrderRequest, OrderView } from "../../../worker/services/trading/model.ts";
import { constantGbpValuations, referenceGbpValuation } from "../../../worker/services/valuation/gbp.ts";
import { withdrawalConfig } from "../../../worker/services/withdrawals/config.ts";
import {
  TRANSITIONS,
  type Transition,
  WithdrawalDesk,
  type WithdrawalOutcome,
  withdrawalIdFor,
} from "../../../worker/services/withdrawals/desk.ts";
import { database, insertUser } from "../ledger/support.ts";
import {
  BASE_UNIT,
  between,
  chaosClient,
  chaosLedger,
  type FaultKind,
  type FaultRates,
  FaultSource,
  hashOf,
  Incarnation,
  idFrom,
  LOT_STEP_MINOR,
  mulberry32,
  NO_FAULTS,
  ScriptedExchange,
  valueScaled,
} from "./chaos-support.ts";
import { BTC_ADDRESS, rows } from "./support.ts";

/**
 * Issue 10, build item 6: orders and withdrawals driven at random through their desks while
 * everything under them fails. The desks' libSQL client fails before sending, mid-batch (the
 * server rolls the batch back) and after a commit whose answer is lost; the ledger client
 * loses calls and answers; the venue times out; the desks' Durable Object is reset at random
 * I/O points (a fresh desk is built from the same database, as after an eviction); and alarms
 * arrive twice. Afterwards resume passes run with the faults off until nothing is pending, and
 * then: nothing is pending or halted, every answer the desks gave is still true, the trades of
 * every order are exactly what the exchange executed, the holds match the flows, every balance
 * equals what deposits, trades and completed withdrawals say to the minor unit, reconciliation
 * passes, and every withdrawal step that happened is in the audit log once.
 *
 * A seed fixes everything: the operations, the faults (drawn per operation and call site, so
 * how concurrent calls interleave does not shift them), the exchange's prices and fills, and
 * market time. Each run tries the seed and the next two; reproduce one with
 * `FLOWS_CHAOS_SEED=<seed> npx vitest run --project worker test/worker/flows/chaos.test.ts`.
 */

// vitest.config.ts passes FLOWS_CHAOS_SEED from the shell on as a binding (workerd has no process.env).
const SEED = Number((env as { FLOWS_CHAOS_SEED?: string }).FLOWS_CHAOS_SEED || 20_261_201);
if (!Number.isSafeInteger(SEED)) throw new Error("FLOWS_CHAOS_SEED must be an integer");
const SEEDS = [SEED, SEED + 1, SEED + 2];
const USERS = 3;
const OPS_PER_USER = 100;
/** Resume passes after the chaos; each is past every backoff (at most 5 minutes). */
const MAX_DRAIN_PASSES = 12;
const DRAIN_STEP_MS = 10 * 60_000;
/** Market time starts here (deterministic: the scripted exchange's prices depend on it). */
const START_MS = Date.UTC(2026, 0, 5);

const PAPER_GBP_MINOR = 1_000_000n; // 10,000.00 GBP
const PAPER_BTC_MINOR = 20_000_000n; // 0.2 BTC
const LIVE_BTC_MINOR = 50_000_000n; // 0.5 BTC
/**
 * The withdrawal desk's approval threshold (10,000 GBP) at the last-resort reference price
 * (50,000 GBP), which the desks here value at (`VALUATIONS`) instead of the moving market.
 */
const APPROVAL_FROM_GBP_MINOR = 1_000_000n;
const REFERENCE_PRICE_GBP_MINOR = 5_000_000n;
const VALUATIONS = constantGbpValuations(referenceGbpValuation());

const CHAOS: FaultRates = {
  databaseBefore: 0.02,
  // Only an order's settlement (trades and order in one batch) is a batch: fail it often.
  databaseMidBatch: 0.1,
  databaseAfter: 0.02,
  ledgerBefore: 0.025,
  ledgerAfter: 0.025,
  venue: 0.04,
  abort: 0.008,
};

/** How a duplicated alarm runs: two instances at once, or one after the other. See `alarmTwice`. */
const DUPLICATE_ALARMS: "sequential" | "concurrent" = "concurrent";

const AUDIT = { requestId: "flows-chaos", ipAddress: "127.0.0.1" };

/** The deployed limits, but at most 5 withdrawals a day: so that some requests meet the velocity limit. */
const WITHDRAWAL_CONFIG = (() => {
  const config = withdrawalConfig(env);
  return { ...config, velocity: { ...config.velocity, count24h: 5 } };
})();

function log(line: string): void {
  // biome-ignore lint/suspicious/noConsole: the seed and the stats make a failing run reproducible and the chaos visible.
  console.log(line);
}

// ---- The model: what the desks answered -----------------------------------------------------

interface OrderIntent {
  request: OrderRequest;
  /** Every answer to this client key: "ok:<status>" or "<http status>:<code>". */
  answers: string[];
  /** The order the desk named in an ok answer. */
  id: string | null;
}

type WithdrawalStatus = Withdrawal["status"];

interface WithdrawalIntent {
  key: string;
  id: string;
  amountMinor: bigint;
  answers: string[];
  /** The row as the last definite answer showed it. */
  believed: WithdrawalStatus | null;
  /** True while no answer since the last definite one was a failure (which may leave a step). */
  certain: boolean;
  /** A definite answer said the row exists. */
  exists: boolean;
  /** Transitions asked for (until then, an ok answer to the request shows how it ended). */
  transitions: number;
}

interface Desks {
  life: Incarnation;
  orders: OrderDesk;
  withdrawals: WithdrawalDesk;
}

interface UserRun {
  seed: number;
  index: number;
  userId: string;
  addressId: string;
  clock: { nowMs: number };
  faults: FaultSource;
  exchange: ScriptedExchange;
  /** By client key. */
  orders: Map<string, OrderIntent>;
  /** Orders a cancel was answered ok for, and orders a cancel found already closed (with that status). */
  cancelled: Set<string>;
  closedWhenCancelled: Map<string, string>;
  /** By idempotency key. */
  withdrawals: Map<string, WithdrawalIntent>;
  /** Withdrawal id -> its key (ids hash the user id, which differs per run). */
  withdrawalKeys: Map<string, string>;
  /** Answers no correct desk gives (500s, codes outside the contract, broken promises). */
  problems: string[];
  halts: string[];
  ops: Record<string, number>;
  outcomes: Record<string, number>;
  restarts: number;
  duplicateAlarms: number;
  drainPasses: number;
  nextOrderNumber: number;
  incarnations: number;
  /** Which path the next placement takes: execute first (paper) or hold first (exchange). */
  simulatedPlacement: boolean;
}

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

function answerOf(outcome: { ok: true } | { ok: false; error: { status: number; code: string } }) {
  return outcome.ok ? "ok" : `${outcome.error.status}:${outcome.error.code}`;
}

// ---- Desks as the user's object builds them, over chaotic dependencies -----------------------

let db: Client;
beforeAll(() => {
  db = database();
});
afterAll(() => db.close());

function buildDesks(run: UserRun): Desks {
  const life = new Incarnation(++run.incarnations);
  const client = chaosClient(db, run.faults, life);
  const database = createDatabase(client);
  const ledger = chaosLedger(userLedger(env, run.userId), run.faults, life, (key) =>
    key.replace(/wd_[0-9a-f]{32}/g, (id) => run.withdrawalKeys.get(id) ?? id),
  );
  const venue = run.exchange.venue({ simulated: () => run.simulatedPlacement, faults: run.faults, life });
  const now = () => run.clock.nowMs;
  const reportHalt: HaltReporter = async (halt) => {
    run.halts.push(`${halt.flow} ${halt.id}: ${halt.reason}`);
  };
  return {
    life,
    orders: new OrderDesk(run.userId, {
      db: database,
      ledger,
      venueFor: () => venue,
      now,
      newId: () => idFrom(`${run.seed}|${run.index}|order|${run.nextOrderNumber++}`),
      valuations: VALUATIONS,
      reportHalt,
    }),
    withdrawals: new WithdrawalDesk(run.userId, {
      db: database,
      client,
      ledger,
      config: WITHDRAWAL_CONFIG,
      valuations: VALUATIONS,
      now,
      reportHalt,
    }),
  };
}

async function setUpUser(seed: number, index: number): Promise<UserRun> {
  const user = await insertUser(db);
  const ledger = userLedger(env, user.id);
  await ledger.paperDeposit({ idempotencyKey: "chaos:gbp", asset: "GBP", amountMinor: PAPER_GBP_MINOR });
  await ledger.paperDeposit({ idempotencyKey: "chaos:btc", asset: "BTC", amountMinor: PAPER_BTC_MINOR });
  await ledger.opsDeposit({
    idempotencyKey: `chaos:${user.id}:live-btc`,
    asset: "BTC",
    amountMinor: LIVE_BTC_MINOR,
    reference: "chaos-deposit",
    audit: { actor: "flows-chaos", requestId: null, ipAddress: null },
  });
  // An address past its cooling-off period.
  const addressId = crypto.randomUUID();
  await db.execute({
    sql: `INSERT INTO withdrawal_addresses (id, user_id, asset, network, address, label, created_at_ms, active_at_ms)
          VALUES (?, ?, 'BTC', 'bitcoin', ?, 'cold storage', 0, 0)`,
    args: [addressId, user.id, BTC_ADDRESS],
  });
  const clock = { nowMs: START_MS };
  return {
    seed,
    index,
    userId: user.id,
    addressId,
    clock,
    faults: new FaultSource(hashOf(`${seed}|faults|${index}`), CHAOS),
    exchange: new ScriptedExchange(hashOf(`${seed}|exchange|${index}`), () => clock.nowMs),
    orders: new Map(),
    cancelled: new Set(),
    closedWhenCancelled: new Map(),
    withdrawals: new Map(),
    withdrawalKeys: new Map(),
    problems: [],
    halts: [],
    ops: {},
    outcomes: {},
    restarts: 0,
    duplicateAlarms: 0,
    drainPasses: 0,
    nextOrderNumber: 0,
    incarnations: 0,
    simulatedPlacement: false,
  };
}

// ---- Operations --------------------------------------------------------------------------------

const OPERATIONS = [
  ["limit_buy", 16],
  ["limit_sell", 9],
  ["market_buy", 5],
  ["market_buy_quote", 4],
  ["market_sell", 5],
  ["order_retry", 3],
  ["order_conflict", 1],
  ["cancel", 10],
  ["alarm", 16],
  ["withdraw", 10],
  ["withdraw_retry", 2],
  ["withdraw_conflict", 1],
  ["transition", 16],
  ["evict", 2],
] as const;
type Operation = (typeof OPERATIONS)[number][0];
const TOTAL_WEIGHT = OPERATIONS.reduce((total, [, weight]) => total + weight, 0);

function pickOperation(random: () => number): Operation {
  let roll = random() * TOTAL_WEIGHT;
  for (const [operation, weight] of OPERATIONS) {
    roll -= weight;
    if (roll < 0) return operation;
  }
  return "alarm";
}

function pickFrom<T>(random: () => number, items: readonly T[]): T | undefined {
  return items.length === 0 ? undefined : items[Math.floor(random() * items.length)];
}

/** Market time moves on: mostly seconds or minutes, sometimes hours (backoffs expire, orders fill). */
function advanceClock(run: UserRun, random: () => number): void {
  const roll = random();
  const stepMs =
    roll < 0.45
      ? between(random, 0, 3_000)
      : roll < 0.85
        ? between(random, 3_000, 600_000)
        : between(random, 600_000, 4 * 3_600_000);
  run.clock.nowMs += stepMs;
}

function orderRequest(run: UserRun, operation: Operation, random: () => number): OrderRequest {
  const mid = run.exchange.midAt(run.clock.nowMs);
  const lots = (low: number, high: number) => BigInt(between(random, low, high)) * LOT_STEP_MINOR;
  const base = {
    userId: run.userId,
    clientKey: `chaos:${run.seed}:${run.index}:${run.orders.size}`,
    mode: "paper" as const,
    symbol: "BTC-GBP" as const,
  };
  // Now and then an order far beyond the balance: refused for insufficient funds.
  const huge = random() < 0.06;
  switch (operation) {
    case "limit_buy":
      return {
        ...base,
        side: "buy",
        type: "limit",
        quantityMinor: huge ? lots(30_000, 60_000) : lots(100, 5_000),
        priceMinor: (mid * BigInt(between(random, 9_700, 10_100))) / 10_000n,
      };
    case "limit_sell":
      return {
        ...base,
        side: "sell",
        type: "limit",
        quantityMinor: huge ? lots(30_000, 60_000) : lots(100, 5_000),
        priceMinor: (mid * BigInt(between(random, 9_900, 10_300))) / 10_000n,
      };
    case "market_buy":
      return {
        ...base,
        side: "buy",
        type: "market",
        quantityMinor: huge ? lots(30_000, 60_000) : lots(100, 3_000),
      };
    case "market_buy_quote":
      return {
        ...base,
        side: "buy",
        type: "market",
        quoteAmountMinor: BigInt(
          huge ? between(random, 2_000_000, 5_000_000) : between(random, 1_000, 150_000),
        ),
      };
    default:
      return {
        ...base,
        side: "sell",
        type: "market",
        quantityMinor: huge ? lots(30_000, 60_000) : lots(100, 3_000),
      };
  }
}

const PLACE_REFUSALS = new Set([
  "409:insufficient_funds",
  "503:service_unavailable",
  "503:venue_unavailable",
]);

async function place(
  run: UserRun,
  desks: Desks,
  request: OrderRequest,
  random: () => number,
  conflict = false,
) {
  const intent: OrderIntent = run.orders.get(request.clientKey) ?? { request, answers: [], id: null };
  run.orders.set(request.clientKey, intent);
  run.simulatedPlacement = random() < 0.35;
  const outcome: DeskOutcome<OrderView> = await desks.orders.place(request);
  const answer = outcome.ok ? `ok:${outcome.value.status}` : answerOf(outcome);
  bump(run.outcomes, `place${conflict ? " (key reused, other order)" : ""} -> ${answer}`);
  if (conflict) {
    if (!["409:idempotency_conflict", "503:service_unavailable"].includes(answer))
      run.problems.push(`order key ${request.clientKey} reused for another order answered ${answer}`);
    return;
  }
  intent.answers.push(answer);
  if (outcome.ok) {
    if (intent.id !== null && intent.id !== outcome.value.id)
      run.problems.push(
        `order key ${request.clientKey} answered order ${outcome.value.id} after ${intent.id}`,
      );
    intent.id = outcome.value.id;
  } else if (!PLACE_REFUSALS.has(answer)) {
    run.problems.push(`placement ${request.clientKey} answered ${answer}: ${outcome.error.message}`);
  }
}

async function cancel(run: UserRun, desks: Desks, random: () => number) {
  const open = await rows(
    db,
    "SELECT id FROM orders WHERE user_id = ? AND status IN ('open', 'partially_filled') AND halted IS NULL",
    [run.userId],
  );
  const roll = random();
  let orderId: string;
  if (roll < 0.05) orderId = idFrom(`${run.seed}|no-such-order|${roll}`);
  else if (roll < 0.8 && open.length > 0) orderId = String(pickFrom(random, open)?.id);
  else {
    const known = [...run.orders.values()].flatMap((intent) => (intent.id ? [intent.id] : []));
    const picked = pickFrom(random, known);
    if (!picked) return;
    orderId = picked;
  }
  const outcome = await desks.orders.cancel(orderId);
  const answer = outcome.ok ? `ok:${outcome.value.status}` : answerOf(outcome);
  bump(run.outcomes, `cancel order -> ${answer}`);
  if (outcome.ok) {
    if (outcome.value.status !== "cancelled") run.problems.push(`cancel of ${orderId} answered ${answer}`);
    run.cancelled.add(orderId);
  } else if (answer === "409:order_not_open") {
    run.closedWhenCancelled.set(orderId, outcome.error.message);
  } else if (answer === "404:order_not_found") {
    if (roll >= 0.05) run.problems.push(`cancel of known order ${orderId} answered ${answer}`);
  } else if (answer !== "503:service_unavailable") {
    run.problems.push(`cancel of ${orderId} answered ${answer}: ${outcome.error.message}`);
  }
}

/** What the object's alarm does (#work in user-orders.ts): check orders, then finish withdrawals. */
async function alarm(run: UserRun, desks: Desks): Promise<void> {
  try {
    const orders = await desks.orders.checkResting(run.clock.nowMs);
    const withdrawals = await desks.withdrawals.resumePending();
    bump(run.outcomes, "alarm -> ran");
    if (orders.halted + withdrawals.halted > 0) bump(run.outcomes, "alarm -> found halted items");
  } catch {
    // The whole pass failed (its first read, or the instance was reset): the alarm retries.
    bump(run.outcomes, "alarm -> failed, retried later");
  }
}

/**
 * An alarm delivered twice (alarms are at-least-once): the first delivery runs on the current
 * instance, the object is reset, and the second runs on a fresh instance from the records.
 *
 * By default the two run at once on two instances, the harshest case: a reset instance's
 * in-flight work overlapping the new instance's. Both resume the same step; the ledger answers
 * the repeated key with its first receipt, one compare-and-set wins, and the loser carries on
 * from the row as it now is (an earlier version halted the withdrawal here — "its step changed
 * under the only writer", seeds 100-102 — which this test found). "sequential" runs them one
 * after the other, as a single live instance would.
 */
async function alarmTwice(run: UserRun, desks: Desks): Promise<Desks> {
  const second = buildDesks(run);
  run.duplicateAlarms++;
  if (DUPLICATE_ALARMS === "concurrent") {
    await Promise.all([alarm(run, desks), alarm(run, second)]);
  } else {
    await alarm(run, desks);
    await alarm(run, second);
  }
  return second;
}

function withdrawalAmount(random: () => number): bigint {
  const roll = random();
  if (roll < 0.15) return 60_000_000n; // more than the 0.5 BTC deposited
  if (roll < 0.35) return BigInt(between(random, 20_000_000, 30_000_000)); // needs approval
  return BigInt(between(random, 500_000, 15_000_000));
}

function requiresApproval(amountMinor: bigint): boolean {
  const gbpMinor = (amountMinor * REFERENCE_PRICE_GBP_MINOR + BASE_UNIT - 1n) / BASE_UNIT;
  return gbpMinor >= APPROVAL_FROM_GBP_MINOR;
}

const REQUEST_ANSWERS = new Set([
  "ok",
  "409:insufficient_funds",
  "403:velocity_limit_exceeded",
  "503:service_unavailable",
]);

async function requestWithdrawal(
  run: UserRun,
  desks: Desks,
  intent: WithdrawalIntent,
  amountMinor: bigint,
  label: string,
) {
  const outcome: WithdrawalOutcome = await desks.withdrawals.request(
    { asset: "BTC", amountMinor, addressId: run.addressId, idempotencyKey: intent.key },
    AUDIT,
  );
  const answer = outcome.ok ? `ok:${outcome.value.status}` : answerOf(outcome);
  bump(run.outcomes, `${label} -> ${answer}`);
  if (amountMinor !== intent.amountMinor) {
    if (!["409:idempotency_conflict", "503:service_unavailable"].includes(answer))
      run.problems.push(`withdrawal key ${intent.key} reused for another amount answered ${answer}`);
    return;
  }
  intent.answers.push(answer);
  if (outcome.ok) {
    const first = intent.transitions === 0;
    if (outcome.value.id !== intent.id)
      run.problems.push(`withdrawal ${intent.key} answered id ${outcome.value.id}`);
    const expected = requiresApproval(amountMinor) ? "held" : "approved";
    if (first && outcome.value.status !== expected)
      run.problems.push(
        `withdrawal ${intent.key} first answered ${outcome.value.status}, expected ${expected}`,
      );
    intent.believed = outcome.value.status;
    intent.certain = true;
    intent.exists = true;
  } else if (answer === "409:insufficient_funds" || answer === "403:velocity_limit_exceeded") {
    intent.believed = "rejected";
    intent.certain = true;
    intent.exists = true;
  } else if (answer === "503:service_unavailable") {
    intent.certain = false;
  } else if (!REQUEST_ANSWERS.has(answer)) {
    run.problems.push(`withdrawal ${intent.key} answered ${answer}: ${outcome.error.message}`);
  }
}

const ALL_TRANSITIONS = Object.keys(TRANSITIONS) as Transition[];

async function transition(run: UserRun, desks: Desks, random: () => number) {
  const intents = [...run.withdrawals.values()];
  const live = intents.filter(
    (intent) => intent.believed === null || ["held", "approved", "processing"].includes(intent.believed),
  );
  const unknownTarget = random() < 0.05;
  const intent = unknownTarget ? undefined : (pickFrom(random, random() < 0.8 ? live : intents) ?? undefined);
  if (!unknownTarget && !intent) return;
  const believed = intent?.certain ? intent.believed : null;
  const valid = believed
    ? ALL_TRANSITIONS.filter((name) => TRANSITIONS[name].from.includes(believed as never))
    : [];
  const name =
    valid.length > 0 && random() < 0.7
      ? (pickFrom(random, valid) as Transition)
      : (pickFrom(random, ALL_TRANSITIONS) as Transition);
  const withReference = name === "complete" && random() < 0.9;
  const byOwner = name === "cancel";
  const withdrawalId = intent?.id ?? `wd_${"0".repeat(32)}`;
  if (intent) intent.transitions++;
  const outcome = await desks.withdrawals.transition(
    withdrawalId,
    name,
    {
      actor: byOwner ? `user:${run.userId}` : "ops:flows-chaos",
      ownerId: byOwner ? run.userId : undefined,
      transactionReference: withReference ? `tx-${run.seed}-${run.index}-${run.clock.nowMs}` : undefined,
      reason: name === "reject" || name === "fail" ? "chaos" : undefined,
    },
    AUDIT,
  );
  const answer = outcome.ok ? `ok:${outcome.value.status}` : answerOf(outcome);
  bump(run.outcomes, `withdrawal ${name} -> ${answer}`);
  const wasValid = believed !== null && valid.includes(name);
  const describe = `${name} of withdrawal ${intent?.key ?? "(unknown)"} (believed ${believed ?? "uncertain"})`;
  if (outcome.ok) {
    if (outcome.value.status !== TRANSITIONS[name].to) run.problems.push(`${describe} answered ${answer}`);
    if (believed !== null && !wasValid) run.problems.push(`${describe}: an invalid transition was accepted`);
    if (intent) {
      intent.believed = outcome.value.status;
      intent.certain = true;
      intent.exists = true;
    }
    return;
  }
  switch (answer) {
    case "503:service_unavailable":
      if (intent) intent.certain = false;
      return;
    case "409:invalid_state":
      if (wasValid && (name !== "complete" || withReference))
        run.problems.push(`${describe}: a valid transition was refused (${outcome.error.message})`);
      return;
    case "400:invalid_request":
      if (!(name === "complete" && !withReference)) run.problems.push(`${describe} answered ${answer}`);
      return;
    case "404:not_found":
      if (intent?.exists) run.problems.push(`${describe}: an existing withdrawal was not found`);
      return;
    default:
      run.problems.push(`${describe} answered ${answer}: ${outcome.error.message}`);
  }
}

async function perform(
  run: UserRun,
  desks: Desks,
  operation: Operation,
  random: () => number,
): Promise<Desks> {
  switch (operation) {
    case "limit_buy":
    case "limit_sell":
    case "market_buy":
    case "market_buy_quote":
    case "market_sell":
      await place(run, desks, orderRequest(run, operation, random), random);
      return desks;
    case "order_retry": {
      // A client that got no answer sends the same order with the same key.
      const unanswered = [...run.orders.values()].filter((intent) => intent.id === null);
      const intent = pickFrom(random, unanswered.length > 0 ? unanswered : [...run.orders.values()]);
      if (intent) await place(run, desks, intent.request, random);
      return desks;
    }
    case "order_conflict": {
      const intent = pickFrom(
        random,
        [...run.orders.values()].filter((candidate) => candidate.id !== null),
      );
      if (intent) {
        const other = { ...orderRequest(run, "limit_buy", random), clientKey: intent.request.clientKey };
        await place(run, desks, other, random, true);
      }
      return desks;
    }
    case "cancel":
      await cancel(run, desks, random);
      return desks;
    case "alarm":
      if (random() < 0.3) return alarmTwice(run, desks);
      await alarm(run, desks);
      return desks;
    case "withdraw": {
      const key = `chaos-withdrawal-${run.withdrawals.size}`;
      const amountMinor = withdrawalAmount(random);
      const intent: WithdrawalIntent = {
        key,
        id: await withdrawalIdFor(run.userId, key),
        amountMinor,
        answers: [],
        believed: null,
        certain: false,
        exists: false,
        transitions: 0,
      };
      run.withdrawals.set(key, intent);
      run.withdrawalKeys.set(intent.id, key);
      await requestWithdrawal(run, desks, intent, amountMinor, "withdraw");
      return desks;
    }
    case "withdraw_retry": {
      const intent = pickFrom(random, [...run.withdrawals.values()]);
      if (intent)
        await requestWithdrawal(run, desks, intent, intent.amountMinor, "withdraw (same key again)");
      return desks;
    }
    case "withdraw_conflict": {
      const intent = pickFrom(
        random,
        [...run.withdrawals.values()].filter((candidate) => candidate.exists),
      );
      if (intent)
        await requestWithdrawal(
          run,
          desks,
          intent,
          intent.amountMinor + 1_000n,
          "withdraw (key reused, other amount)",
        );
      return desks;
    }
    case "transition":
      await transition(run, desks, random);
      return desks;
    case "evict":
      // Reset between calls: the next call finds a fresh instance with no memory.
      run.restarts++;
      return buildDesks(run);
  }
}

async function pendingCounts(userId: string) {
  const [counts] = await rows(
    db,
    `SELECT (SELECT COUNT(*) FROM orders WHERE user_id = ? AND pending IS NOT NULL AND halted IS NULL) AS orders,
            (SELECT COUNT(*) FROM withdrawals WHERE user_id = ? AND pending IS NOT NULL AND halted IS NULL) AS withdrawals`,
    [userId, userId],
  );
  return { orders: Number(counts?.orders), withdrawals: Number(counts?.withdrawals) };
}

async function runUser(seed: number, index: number): Promise<UserRun> {
  const run = await setUpUser(seed, index);
  const random = mulberry32(hashOf(`${seed}|operations|${index}`));
  let desks = buildDesks(run);
  for (let step = 0; step < OPS_PER_USER; step++) {
    run.faults.beginOperation(step);
    advanceClock(run, random);
    const operation = pickOperation(random);
    bump(run.ops, operation);
    try {
      desks = await perform(run, desks, operation, random);
    } catch (error) {
      // place, cancel, request and transition answer failures as data; they must never throw.
      run.problems.push(`${operation} threw: ${String(error)}`);
    }
    if (desks.life.dead) {
      run.restarts++;
      desks = buildDesks(run);
    }
  }

  // The chaos stops; the object's alarm keeps coming, each time past every backoff.
  run.faults.rates = NO_FAULTS;
  desks = buildDesks(run);
  for (let pass = 0; pass < MAX_DRAIN_PASSES; pass++) {
    const left = await pendingCounts(run.userId);
    if (left.orders + left.withdrawals === 0) break;
    run.drainPasses++;
    run.clock.nowMs += DRAIN_STEP_MS;
    await desks.orders.checkResting(run.clock.nowMs);
    await desks.withdrawals.resumePending();
  }
  return run;
}

// ---- Checks -------------------------------------------------------------------------------------

const big = (value: unknown): bigint =>
  value === null || value === undefined ? 0n : BigInt(value as bigint);
const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

function stageOf(pending: unknown): string {
  return String((JSON.parse(String(pending)) as { stage?: unknown }).stage);
}

function holdText(hold: Record<string, unknown> | undefined): string {
  return hold ? `${hold.status} with ${hold.remaining} of ${hold.amount} left` : "missing";
}

/** Trade ids are `<order>.<fill>.<slice>`. */
function sliceIndex(trade: Record<string, unknown>): number {
  return Number(String(trade.id).split(".").pop());
}

function divideCeil(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator - 1n) / denominator;
}

/** "0.0010" -> 100,000 per 10^8: a rate as an exact fraction, parsed here independently of fees.ts. */
function ratePerHundredMillion(rate: string): bigint {
  const [whole = "0", fraction = ""] = rate.split(".");
  return BigInt(whole) * BASE_UNIT + BigInt(fraction.padEnd(8, "0").slice(0, 8));
}

const RESTING = ["open", "partially_filled"];
const LIVE_WITHDRAWAL = ["held", "approved", "processing"];

interface Books {
  [bookAsset: string]: { total: bigint; locked: bigint };
}

function add(books: Books, key: string, total: bigint, locked = 0n): void {
  const entry = books[key] ?? { total: 0n, locked: 0n };
  entry.total += total;
  entry.locked += locked;
  books[key] = entry;
}

/**
 * The audit events each withdrawal's record says it must have: its request's outcome, and each
 * transition its status proves happened. Returns the missing and the doubled ones.
 */
async function auditGaps(run: UserRun, withdrawals: Record<string, unknown>[]): Promise<string[]> {
  const events = await rows(
    db,
    "SELECT event, detail FROM audit_log WHERE user_id = ? AND event LIKE 'withdrawal.%'",
    [run.userId],
  );
  const counts = new Map<string, number>();
  for (const event of events) {
    const withdrawalId = String(
      (JSON.parse(String(event.detail)) as { withdrawalId?: unknown }).withdrawalId,
    );
    const key = `${withdrawalId} ${event.event}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const gaps: string[] = [];
  for (const row of withdrawals) {
    const status = String(row.status);
    const reason = text(row.reason);
    if (status === "requested") continue;
    const refused =
      status === "rejected" && (reason === "insufficient_funds" || reason?.startsWith("velocity:"));
    const expected = [refused ? "withdrawal.refused" : "withdrawal.requested"];
    if (
      Number(row.requires_approval) === 1 &&
      ["approved", "processing", "completed", "failed"].includes(status)
    )
      expected.push("withdrawal.approved");
    if (["processing", "completed", "failed"].includes(status)) expected.push("withdrawal.processing");
    if (["completed", "failed", "cancelled"].includes(status) || (status === "rejected" && !refused))
      expected.push(`withdrawal.${status}`);
    for (const event of expected) {
      const count = counts.get(`${row.id} ${event}`) ?? 0;
      if (count !== 1)
        gaps.push(`user ${run.index}: withdrawal ${row.idempotency_key} (${status}): ${count} × ${event}`);
    }
  }
  for (const [key, count] of counts)
    if (count > 1) gaps.push(`user ${run.index}: ${key} appended ${count} times`);
  return gaps;
}

/** Everything that must hold for one user once nothing is pending; returns what does not. */
async function checkUser(run: UserRun): Promise<{ failures: string[]; auditGaps: string[] }> {
  const failures: string[] = [];
  const fail = (line: string) => failures.push(`user ${run.index} (${run.userId}): ${line}`);
  const userId = run.userId;
  const orders = await rows(db, "SELECT * FROM orders WHERE user_id = ?", [userId]);
  const trades = await rows(db, "SELECT * FROM trades WHERE user_id = ?", [userId]);
  const withdrawals = await rows(db, "SELECT * FROM withdrawals WHERE user_id = ?", [userId]);
  const holds = new Map(
    (await rows(db, "SELECT * FROM ledger_holds WHERE user_id = ?", [userId])).map((row) => [
      String(row.id),
      row,
    ]),
  );
  const entries = await rows(db, "SELECT id, type, hold_id FROM ledger_entries WHERE user_id = ?", [userId]);
  const balances = await rows(
    db,
    "SELECT account, asset, balance FROM ledger_balances WHERE account LIKE ?",
    [`user:${userId}:%`],
  );
  const entriesByHold = new Map<string, { id: string; type: string }[]>();
  for (const entry of entries) {
    const holdId = text(entry.hold_id);
    if (holdId === null) continue;
    entriesByHold.set(holdId, [
      ...(entriesByHold.get(holdId) ?? []),
      { id: String(entry.id), type: String(entry.type) },
    ]);
  }
  const expected: Books = {
    "paper:GBP": { total: PAPER_GBP_MINOR, locked: 0n },
    "paper:BTC": { total: PAPER_BTC_MINOR, locked: 0n },
    "live:BTC": { total: LIVE_BTC_MINOR, locked: 0n },
  };

  // Orders: finished or resting, their trades exactly what the exchange executed, their holds
  // and ledger entries what their state says.
  const ordersById = new Map(orders.map((order) => [String(order.id), order]));
  for (const order of orders) {
    const id = String(order.id);
    const side = String(order.side);
    const status = String(order.status);
    const reason = text(order.reason);
    const label = `order ${id} (${side} ${order.type}, ${status}${reason ? ` ${reason}` : ""})`;
    if (order.pending !== null) fail(`${label} still has a step pending: ${stageOf(order.pending)}`);
    if (order.halted !== null) fail(`${label} was halted: ${order.halted}`);
    const own = trades
      .filter((trade) => trade.order_id === id)
      .sort((a, b) => Number(a.fill_number) - Number(b.fill_number) || sliceIndex(a) - sliceIndex(b));
    const executed =
      status === "rejected" || reason === "no_liquidity"
        ? []
        : run.exchange.executedFor(id, Number(order.checked_until_ms));
    const recorded = own.map((trade) => `${trade.quantity}@${trade.price} ${trade.liquidity}`);
    const truth = executed.map((slice) => `${slice.quantityMinor}@${slice.priceMinor} ${slice.liquidity}`);
    if (recorded.join(", ") !== truth.join(", "))
      fail(`${label}: trades [${recorded.join(", ")}] but the exchange executed [${truth.join(", ")}]`);

    let quantity = 0n;
    let quote = 0n;
    let fee = 0n;
    let makerQuote = 0n;
    let takerQuote = 0n;
    for (const trade of own) {
      quantity += big(trade.quantity);
      quote += big(trade.quote);
      fee += big(trade.fee);
      if (trade.liquidity === "maker") makerQuote += big(trade.quote);
      else takerQuote += big(trade.quote);
    }
    const exact = valueScaled(executed);
    const expectedQuote = side === "buy" ? divideCeil(exact, BASE_UNIT) : exact / BASE_UNIT;
    const expectedFee = divideCeil(
      makerQuote * ratePerHundredMillion(String(order.maker_rate)) +
        takerQuote * ratePerHundredMillion(String(order.taker_rate)),
      BASE_UNIT,
    );
    if (quote !== expectedQuote)
      fail(`${label}: trades worth ${quote}, executed value rounds to ${expectedQuote}`);
    if (fee !== expectedFee) fail(`${label}: trade fees ${fee}, the order's rates give ${expectedFee}`);
    const recordedTotals = [big(order.filled_quantity), big(order.filled_quote), big(order.fee)];
    if (recordedTotals.join("/") !== [quantity, quote, fee].join("/"))
      fail(
        `${label}: order totals ${recordedTotals.join("/")} but trades sum to ${quantity}/${quote}/${fee}`,
      );
    const fillNumbers = [...new Set(own.map((trade) => Number(trade.fill_number)))].sort((a, b) => a - b);
    const fillCount = Number(order.fill_count);
    if (fillNumbers.join(",") !== Array.from({ length: fillCount }, (_, n) => n + 1).join(","))
      fail(`${label}: fill count ${fillCount} but trades carry fills [${fillNumbers.join(",")}]`);

    const ordered = order.quantity === null ? null : big(order.quantity);
    if (ordered !== null) {
      const filledInFull = quantity === ordered;
      if ((status === "filled") !== filledInFull) fail(`${label}: ${quantity} of ${ordered} filled`);
      if (status === "open" && quantity !== 0n) fail(`${label}: open with ${quantity} filled`);
      if (status === "partially_filled" && (quantity === 0n || filledInFull))
        fail(`${label}: partially filled with ${quantity} of ${ordered}`);
    }

    const holdAmount = big(order.hold_amount);
    const consumed = side === "buy" ? quote + fee : quantity;
    const hold = holds.get(id);
    const holdEntries = entriesByHold.get(id) ?? [];
    const fills = holdEntries.filter((entry) => entry.type === "fill");
    if (consumed > holdAmount) fail(`${label}: fills took ${consumed} from a hold of ${holdAmount}`);
    if (status === "rejected" && reason === "insufficient_funds") {
      if (hold)
        fail(`${label}: refused for insufficient funds, yet hold ${hold.status} ${hold.amount} exists`);
    } else if (RESTING.includes(status)) {
      const want = `open with ${holdAmount - consumed} of ${holdAmount} left`;
      if (holdText(hold) !== want)
        fail(`${label}: resting, its hold should be ${want}, is ${holdText(hold)}`);
    } else if (hold || holdAmount > 0n) {
      const want = `${consumed === holdAmount ? "settled" : "released"} with 0 of ${holdAmount} left`;
      if (holdText(hold) !== want)
        fail(`${label}: finished, its hold should be ${want}, is ${holdText(hold)}`);
    }
    if (fills.length !== fillCount)
      fail(`${label}: ${fillCount} fills recorded, ${fills.length} fill entries`);
    for (const trade of own) {
      if (!fills.some((entry) => entry.id === trade.ledger_entry_id))
        fail(
          `${label}: trade ${trade.id} names ledger entry ${trade.ledger_entry_id}, not a fill of this order`,
        );
    }
    for (const type of ["order_hold", "order_release"]) {
      const count = holdEntries.filter((entry) => entry.type === type).length;
      if (count > 1) fail(`${label}: ${count} ${type} entries`);
    }

    const [received, spent] = side === "buy" ? ["BTC", "GBP"] : ["GBP", "BTC"];
    const receivedMinor = side === "buy" ? quantity : quote - fee;
    const spentMinor = side === "buy" ? quote + fee : quantity;
    add(expected, `paper:${received}`, receivedMinor);
    add(expected, `paper:${spent}`, -spentMinor, RESTING.includes(status) ? holdAmount - consumed : 0n);
  }

  // What the desk answered stays true.
  for (const [clientKey, intent] of run.orders) {
    const recorded = orders.filter((order) => order.client_key === clientKey);
    const order = recorded[0];
    if (recorded.length > 1) fail(`order key ${clientKey}: ${recorded.length} orders`);
    if (intent.id !== null && order?.id !== intent.id)
      fail(
        `order key ${clientKey} was answered with order ${intent.id}, the record is ${order?.id ?? "missing"}`,
      );
    if (intent.answers.includes("409:insufficient_funds") && order?.reason !== "insufficient_funds")
      fail(
        `order key ${clientKey} was refused for insufficient funds, the record is ${order?.status} ${order?.reason}`,
      );
    const final = intent.answers.find((answer) =>
      ["ok:filled", "ok:cancelled", "ok:rejected"].includes(answer),
    );
    if (final && `ok:${order?.status}` !== final)
      fail(`order key ${clientKey} was answered ${final}, the record is ${order?.status}`);
  }
  for (const id of run.cancelled) {
    const status = ordersById.get(id)?.status;
    if (status !== "cancelled") fail(`order ${id}: a cancel was answered ok, the record is ${status}`);
  }
  for (const [id, message] of run.closedWhenCancelled) {
    const status = String(ordersById.get(id)?.status);
    if (RESTING.includes(status)) fail(`order ${id}: cancel answered "${message}", the record is ${status}`);
  }

  // Withdrawals: each finished or waiting for an operator, its hold and velocity as its state says.
  const reservations = await runInDurableObject(
    env.USER_LEDGER.get(env.USER_LEDGER.idFromName(userId)),
    async (_instance, state) => (await state.storage.get<{ id: string }[]>("withdrawal-velocity")) ?? [],
  );
  const reserved = new Set(reservations.map((reservation) => reservation.id));
  const withdrawalsById = new Map(withdrawals.map((row) => [String(row.id), row]));
  for (const row of withdrawals) {
    const id = String(row.id);
    const status = String(row.status);
    const reason = text(row.reason);
    const amount = big(row.amount);
    const label = `withdrawal ${row.idempotency_key} (${status}${reason ? ` ${reason}` : ""})`;
    if (row.pending !== null) fail(`${label} still has a step pending: ${stageOf(row.pending)}`);
    if (row.halted !== null) fail(`${label} was halted: ${row.halted}`);
    if ((Number(row.requires_approval) === 1) !== requiresApproval(amount))
      fail(`${label}: requires_approval ${row.requires_approval} for ${amount}`);
    if (status === "held" && Number(row.requires_approval) !== 1)
      fail(`${label}: held without needing approval`);
    const holdId = String(row.hold_id);
    const hold = holds.get(holdId);
    const refused =
      status === "rejected" && (reason === "insufficient_funds" || reason?.startsWith("velocity:"));
    if (refused) {
      if (hold) fail(`${label}: refused at request, yet hold ${hold.status} ${hold.amount} exists`);
    } else {
      const want = LIVE_WITHDRAWAL.includes(status)
        ? `open with ${amount} of ${amount} left`
        : `${status === "completed" ? "settled" : "released"} with 0 of ${amount} left`;
      if (holdText(hold) !== want) fail(`${label}: its hold should be ${want}, is ${holdText(hold)}`);
    }
    const holdEntries = entriesByHold.get(holdId) ?? [];
    const resolutions = holdEntries.filter((entry) => entry.type !== "withdrawal_hold").length;
    if (holdEntries.length - resolutions > 1 || resolutions > 1)
      fail(`${label}: ledger entries ${holdEntries.map((entry) => entry.type).join(", ")}`);
    const shouldReserve = [...LIVE_WITHDRAWAL, "completed"].includes(status);
    if (reserved.has(id) !== shouldReserve)
      fail(`${label}: velocity reservation ${reserved.has(id) ? "kept" : "missing"}`);
    if (status === "completed") add(expected, "live:BTC", -amount);
    if (LIVE_WITHDRAWAL.includes(status)) add(expected, "live:BTC", 0n, amount);
  }
  for (const intent of run.withdrawals.values()) {
    const row = withdrawalsById.get(intent.id);
    if (intent.exists && !row) fail(`withdrawal ${intent.key} was answered, no record exists`);
    if (row && big(row.amount) !== intent.amountMinor)
      fail(`withdrawal ${intent.key}: recorded ${row.amount}, requested ${intent.amountMinor}`);
    if (intent.certain && row?.status !== intent.believed)
      fail(`withdrawal ${intent.key}: last answered ${intent.believed}, the record is ${row?.status}`);
  }

  // Balances, to the minor unit.
  const actual: Books = {};
  for (const balance of balances) {
    const [, , book, kind] = String(balance.account).split(":");
    add(
      actual,
      `${book}:${balance.asset}`,
      big(balance.balance),
      kind === "locked" ? big(balance.balance) : 0n,
    );
  }
  for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const want = expected[key] ?? { total: 0n, locked: 0n };
    const have = actual[key] ?? { total: 0n, locked: 0n };
    if (want.total !== have.total || want.locked !== have.locked)
      fail(
        `${key}: ledger holds ${have.total} (${have.locked} locked), the records say ${want.total} (${want.locked} locked)`,
      );
  }
  return { failures, auditGaps: await auditGaps(run, withdrawals) };
}

// ---- The test -----------------------------------------------------------------------------------

/** Every user created by this file, across seeds: flows of anyone else are not ours to judge. */
const ourUsers = new Set<string>();

function placeholders(values: readonly unknown[]): string {
  return values.map(() => "?").join(", ");
}

function sorted(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** Prints what the chaos did and what came of it; returns the counts the test asserts on. */
async function printStats(runs: UserRun[]) {
  const faults: Partial<Record<FaultKind, number>> = {};
  const ops: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  for (const run of runs) {
    for (const [kind, count] of Object.entries(run.faults.injected)) bump(faults, kind, count);
    for (const [kind, count] of Object.entries(run.ops)) bump(ops, kind, count);
    for (const [kind, count] of Object.entries(run.outcomes)) bump(outcomes, kind, count);
  }
  const users = runs.map((run) => run.userId);
  const finals = await rows(
    db,
    `SELECT 'order' AS flow, status, COUNT(*) AS n FROM orders WHERE user_id IN (${placeholders(users)}) GROUP BY status
     UNION ALL
     SELECT 'withdrawal', status, COUNT(*) FROM withdrawals WHERE user_id IN (${placeholders(users)}) GROUP BY status
     UNION ALL
     SELECT 'trade', 'recorded', COUNT(*) FROM trades WHERE user_id IN (${placeholders(users)})`,
    [...users, ...users, ...users],
  );
  const total = (pick: (run: UserRun) => number) => runs.reduce((sum, run) => sum + pick(run), 0);
  const duplicateAlarms = total((run) => run.duplicateAlarms);
  log(`  faults injected: ${JSON.stringify(sorted(faults))}`);
  log(
    `  object resets: ${total((run) => run.restarts)}, duplicated alarms: ${duplicateAlarms} (${DUPLICATE_ALARMS}), resume passes after the chaos: ${runs.map((run) => run.drainPasses).join("/")}`,
  );
  log(`  operations: ${JSON.stringify(sorted(ops))}`);
  log(`  answers: ${JSON.stringify(sorted(outcomes))}`);
  log(`  records: ${finals.map((row) => `${row.flow} ${row.status} ${row.n}`).join(", ")}`);
  const trades = Number(finals.find((row) => row.flow === "trade")?.n ?? 0);
  return { faults, duplicateAlarms, trades };
}

/**
 * Reconciliation over the whole database. Run with other test files, it holds their flows too
 * (some halted or unowned on purpose): the flow checks then judge them as well, so only the
 * ledger's own checks are required, and this file's flows were checked one by one before.
 */
async function reconcile(nowMs: number) {
  const report = await reconcileLedger(db, { nowMs });
  const users = [...ourUsers];
  const [foreign] = await rows(
    db,
    `SELECT (SELECT COUNT(*) FROM orders WHERE user_id NOT IN (${placeholders(users)}))
          + (SELECT COUNT(*) FROM withdrawals WHERE user_id NOT IN (${placeholders(users)}))
          + (SELECT COUNT(*) FROM ledger_holds WHERE user_id NOT IN (${placeholders(users)})) AS n`,
    [...users, ...users, ...users],
  );
  const alone = Number(foreign?.n) === 0;
  const judged = alone ? report.checks : report.checks.filter((check) => !isFlowCheck(check.name));
  return { report, alone, judged, failed: judged.filter((check) => !check.ok) };
}

describe("money flows under faults, resets and duplicated alarms", () => {
  for (const [round, seed] of SEEDS.entries()) {
    it(`seed ${seed}: every order and withdrawal finishes exactly once and the books balance`, async () => {
      log(`flows chaos: seed ${seed} (FLOWS_CHAOS_SEED=${SEED}, run ${round + 1} of ${SEEDS.length})`);
      const startedMs = performance.now();
      // One user after another: users share nothing but the audit log, one chain whose appends
      // retry when they race, and those retries would make a seed's faults depend on timing.
      const runs: UserRun[] = [];
      for (let index = 0; index < USERS; index++) runs.push(await runUser(seed, index));
      for (const run of runs) ourUsers.add(run.userId);
      const stats = await printStats(runs);

      const checked = await Promise.all(runs.map(checkUser));
      const auditGaps = checked.flatMap((result) => result.auditGaps);
      log(`  withdrawal audit events missing or doubled: ${auditGaps.length}`);
      for (const gap of auditGaps) log(`    ${gap}`);
      // Everything at once, so that a failing seed shows the whole picture. A halt is a broken
      // invariant: in a run of faults alone it is a bug.
      expect({
        halts: runs.flatMap((run) => run.halts),
        exchangeAnomalies: runs.flatMap((run) => run.exchange.anomalies),
        wrongAnswers: runs.flatMap((run) => run.problems),
        failures: checked.flatMap((result) => result.failures),
      }).toEqual({ halts: [], exchangeAnomalies: [], wrongAnswers: [], failures: [] });

      const reconciled = await reconcile(Math.max(...runs.map((run) => run.clock.nowMs)));
      if (reconciled.failed.length > 0)
        log(`  reconciliation failed: ${JSON.stringify(reconciled.failed, null, 2)}`);
      expect(reconciled.failed).toEqual([]);
      if (reconciled.alone) expect(reconciled.report.ok).toBe(true);
      log(
        `  reconciliation: ${reconciled.judged.length} of ${reconciled.report.checks.length} checks judged, all ok; seed took ${((performance.now() - startedMs) / 1000).toFixed(1)} s`,
      );

      // The chaos really happened (a test that cannot fail is worse than none).
      expect(stats.faults.databaseBefore ?? 0).toBeGreaterThan(0);
      expect(stats.faults.databaseMidBatch ?? 0).toBeGreaterThan(0);
      expect(stats.faults.databaseAfter ?? 0).toBeGreaterThan(0);
      expect((stats.faults.ledgerBefore ?? 0) + (stats.faults.ledgerAfter ?? 0)).toBeGreaterThan(0);
      expect((stats.faults.abortBefore ?? 0) + (stats.faults.abortAfter ?? 0)).toBeGreaterThan(0);
      expect(stats.duplicateAlarms).toBeGreaterThan(0);
      expect(stats.trades).toBeGreaterThan(0);

      // Every withdrawal step that happened is in the audit log, once. Checked last: a step's
      // audit event is appended after the write that finishes the step, so a failure between
      // the two loses it (withdrawals/desk.ts), and that should not hide the checks above.
      expect(auditGaps).toEqual([]);
    }, 60_000);
  }
});
