import type { Client } from "../../../db/client.ts";
import { DependencyUnavailableError } from "../../../worker/errors.ts";
import type { UserLedgerClient } from "../../../worker/services/ledger/client.ts";
import type { BookLevel } from "../../../worker/services/markets/types.ts";
import { type Slice, walkByQuantity, walkByQuote } from "../../../worker/services/trading/execution.ts";
import {
  type Execution,
  type ExecutionVenue,
  type RestingCheck,
  type RestingOrder,
  type VenueOrder,
  VenueUnavailableError,
} from "../../../worker/services/trading/venue.ts";

/**
 * The machinery of the flows chaos test (chaos.test.ts): a seeded source of faults, the
 * libSQL client, ledger client and venue that fail through it, and a scripted exchange whose
 * fills are a pure function of the seed, the order id and market time.
 *
 * Faults are decided per operation of the test, call site and occurrence within the operation
 * (`ledger:hold:order:<id>:hold`), not by one shared stream, so a seed reproduces the same
 * faults even where the desk runs two calls at once (a hold and its fill) and how they
 * interleave varies.
 */

// ---- Seeded randomness ---------------------------------------------------------------------

export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a, 32 bits: a stable number from a text. */
export function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** A generator seeded from a text (an order id, a market minute). */
export function randomFor(text: string): () => number {
  return mulberry32(hashOf(text));
}

/** An integer in [low, high]. */
export function between(random: () => number, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}

/** A UUID-shaped id, deterministic from the text. */
export function idFrom(text: string): string {
  const random = randomFor(text);
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

// ---- Faults --------------------------------------------------------------------------------

export interface FaultRates {
  /** libSQL: the request never reaches the server. */
  databaseBefore: number;
  /** libSQL batches: a statement fails on the server mid-batch, which rolls the batch back. */
  databaseMidBatch: number;
  /** libSQL: the server committed, the answer was lost. */
  databaseAfter: number;
  /** Ledger: the call never reaches the UserLedger object. */
  ledgerBefore: number;
  /** Ledger: the movement committed, the answer was lost. */
  ledgerAfter: number;
  /** Venue: unavailable before anything happened, or executed and the answer lost. */
  venue: number;
  /** Any I/O: the desk's Durable Object is reset right before, or right after, the call. */
  abort: number;
}

export const NO_FAULTS: FaultRates = {
  databaseBefore: 0,
  databaseMidBatch: 0,
  databaseAfter: 0,
  ledgerBefore: 0,
  ledgerAfter: 0,
  venue: 0,
  abort: 0,
};

export type FaultKind =
  | "databaseBefore"
  | "databaseMidBatch"
  | "databaseAfter"
  | "ledgerBefore"
  | "ledgerAfter"
  | "venueBefore"
  | "venueAfter"
  | "abortBefore"
  | "abortAfter";

/** Decides, per call site and occurrence, whether and how a call fails; counts what it injects. */
export class FaultSource {
  readonly injected: Record<FaultKind, number> = {
    databaseBefore: 0,
    databaseMidBatch: 0,
    databaseAfter: 0,
    ledgerBefore: 0,
    ledgerAfter: 0,
    venueBefore: 0,
    venueAfter: 0,
    abortBefore: 0,
    abortAfter: 0,
  };
  rates: FaultRates;
  #operation = 0;
  readonly #occurrences = new Map<string, number>();

  constructor(
    private readonly seed: number,
    rates: FaultRates,
  ) {
    this.rates = rates;
  }

  /** The test's next operation: draws start over, so one operation's calls never shift another's. */
  beginOperation(operation: number): void {
    this.#operation = operation;
    this.#occurrences.clear();
  }

  /**
   * Two uniform draws for a call at `site`: one for the fault, one for an abort. By default the
   * nth call at a site in an operation gets its own draws; `sameForRepeats` gives every call at
   * the site in the operation the same draws (the ledger's: the desk may send a fill twice in
   * one operation, or once, depending only on how it raced its hold).
   */
  draws(site: string, sameForRepeats = false): { fault: number; abort: number } {
    const occurrence = sameForRepeats ? 0 : (this.#occurrences.get(site) ?? 0);
    this.#occurrences.set(site, occurrence + 1);
    const random = randomFor(`${this.seed}|${this.#operation}|${site}|${occurrence}`);
    return { fault: random(), abort: random() };
  }

  count(kind: FaultKind): void {
    this.injected[kind]++;
  }
}

/**
 * One life of the desks' Durable Object. Once it is reset, every call it makes fails, as the
 * runtime cancels an aborted object's I/O; the test then builds the desks again.
 */
export class Incarnation {
  dead = false;
  constructor(readonly number: number) {}

  assertAlive(): void {
    if (this.dead) throw new Error(`injected: Durable Object instance ${this.number} was reset`);
  }
}

type Abort = "before" | "after" | null;

function abortOf(faults: FaultSource, draw: number): Abort {
  if (draw < faults.rates.abort / 2) return "before";
  if (draw < faults.rates.abort) return "after";
  return null;
}

/** Runs `call` under an abort decision: reset before it is sent, or after it took effect. */
async function underAbort<T>(
  faults: FaultSource,
  life: Incarnation,
  abort: Abort,
  call: () => Promise<T>,
): Promise<T> {
  life.assertAlive();
  if (abort === "before") {
    faults.count("abortBefore");
    life.dead = true;
    life.assertAlive();
  }
  let result: T;
  try {
    result = await call();
  } finally {
    if (abort === "after") {
      faults.count("abortAfter");
      life.dead = true;
    }
  }
  life.assertAlive();
  return result;
}

function sqlOf(statement: unknown): string {
  return typeof statement === "string" ? statement : String((statement as { sql?: unknown }).sql ?? "");
}

/** The site of a statement: its shape, not its values (those carry ids and times). */
function siteOf(statements: readonly unknown[]): string {
  return statements.map((statement) => sqlOf(statement).replace(/\s+/g, " ").slice(0, 60)).join(" ; ");
}

const FAILING_STATEMENT = "SELECT * FROM injected_fault_no_such_table";

/** The desks' libSQL client, failing as networks and servers do. */
export function chaosClient(inner: Client, faults: FaultSource, life: Incarnation): Client {
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === "execute") {
        return (statement: Parameters<Client["execute"]>[0]) => {
          const draws = faults.draws(`db:${siteOf([statement])}`);
          const rates = faults.rates;
          return underAbort(faults, life, abortOf(faults, draws.abort), async () => {
            if (draws.fault < rates.databaseBefore) {
              faults.count("databaseBefore");
              throw new Error("injected: connection refused before sending");
            }
            const result = await target.execute(statement);
            if (draws.fault < rates.databaseBefore + rates.databaseAfter) {
              faults.count("databaseAfter");
              throw new Error("injected: committed, answer lost");
            }
            return result;
          });
        };
      }
      if (property === "batch") {
        return (statements: Parameters<Client["batch"]>[0], mode?: Parameters<Client["batch"]>[1]) => {
          const draws = faults.draws(`batch:${siteOf(statements)}`);
          const rates = faults.rates;
          return underAbort(faults, life, abortOf(faults, draws.abort), async () => {
            let threshold = rates.databaseBefore;
            if (draws.fault < threshold) {
              faults.count("databaseBefore");
              throw new Error("injected: connection refused before sending the batch");
            }
            threshold += rates.databaseMidBatch;
            if (draws.fault < threshold) {
              // A statement that fails on the server halfway: the transaction rolls back
              // everything before it, and the client sees the error.
              faults.count("databaseMidBatch");
              const share = (draws.fault - rates.databaseBefore) / rates.databaseMidBatch;
              const at = Math.floor(share * (statements.length + 1));
              return target.batch(
                [...statements.slice(0, at), FAILING_STATEMENT, ...statements.slice(at)],
                mode,
              );
            }
            const result = await target.batch(statements, mode);
            if (draws.fault < threshold + rates.databaseAfter) {
              faults.count("databaseAfter");
              throw new Error("injected: batch committed, answer lost");
            }
            return result;
          });
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

/**
 * The desks' ledger client: the call is lost on the way, or it took effect and its answer is
 * lost. `stable` names a key's site independently of ids that differ per run (a withdrawal's
 * id hashes the random user id).
 */
export function chaosLedger(
  inner: UserLedgerClient,
  faults: FaultSource,
  life: Incarnation,
  stable: (key: string) => string = (key) => key,
): UserLedgerClient {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(inner) as [
    string,
    (...args: unknown[]) => Promise<unknown>,
  ][]) {
    wrapped[name] = (...args: unknown[]) => {
      const first = args[0] as { idempotencyKey?: string; withdrawalId?: string } | string | undefined;
      const key =
        typeof first === "string" ? first : (first?.idempotencyKey ?? first?.withdrawalId ?? "no-key");
      const draws = faults.draws(`ledger:${name}:${stable(key)}`, true);
      const rates = faults.rates;
      return underAbort(faults, life, abortOf(faults, draws.abort), async () => {
        if (draws.fault < rates.ledgerBefore) {
          faults.count("ledgerBefore");
          throw new DependencyUnavailableError("ledger, injected before sending");
        }
        if (draws.fault < rates.ledgerBefore + rates.ledgerAfter) {
          faults.count("ledgerAfter");
          // Whatever it answered (a receipt or a refusal), the caller never hears it.
          await method(...args).catch(() => undefined);
          throw new DependencyUnavailableError("ledger, injected: answer lost");
        }
        return method(...args);
      });
    };
  }
  return wrapped as unknown as UserLedgerClient;
}

// ---- The scripted exchange ------------------------------------------------------------------

export const LOT_STEP_MINOR = 1_000n; // 0.00001 BTC
const BASE_UNIT = 100_000_000n;

/** What the exchange did with one order: the truth the desk's records are checked against. */
export interface ExchangeOrder {
  order: VenueOrder;
  execution: Execution;
  /** Fills of the resting rest, at market times after submission, ascending. */
  events: { atMs: number; slice: Slice }[];
  /** Set by a cancel: the exchange fills nothing after this market time. */
  cancelledAtMs: number | null;
}

/**
 * A BTC-GBP exchange in the paper book. Submit is idempotent by order id (as an exchange
 * answers a repeated client order id with the first order); what an order executes at once
 * comes from a synthetic book of that market minute, and when its resting rest fills is fixed
 * at submission from the order id: checking a window again answers the same fills.
 */
export class ScriptedExchange {
  readonly orders = new Map<string, ExchangeOrder>();
  /** Answers the desk should never have made the exchange give (more than an order's rest). */
  readonly anomalies: string[] = [];

  constructor(
    private readonly seed: number,
    private readonly now: () => number,
  ) {}

  /** Mid price in pence per BTC, around 50,000 GBP, moving each market minute. */
  midAt(atMs: number): bigint {
    const random = randomFor(`${this.seed}|mid|${Math.floor(atMs / 60_000)}`);
    return 5_000_000n + BigInt(between(random, -100_000, 100_000));
  }

  /** Five levels, best first: asks ascending for a buy, bids descending for a sell. */
  levelsAt(atMs: number, side: "buy" | "sell"): BookLevel[] {
    const random = randomFor(`${this.seed}|book|${side}|${Math.floor(atMs / 60_000)}`);
    const direction = side === "buy" ? 1n : -1n;
    let price = this.midAt(atMs) + direction * BigInt(between(random, 1, 500));
    const levels: BookLevel[] = [];
    for (let level = 0; level < 5; level++) {
      levels.push({ priceMinor: price, quantityMinor: BigInt(between(random, 1, 3_000)) * LOT_STEP_MINOR });
      price += direction * BigInt(between(random, 1, 2_000));
    }
    return levels;
  }

  /** The venue the desks see; `simulated` picks which placement path the desk takes. */
  venue(options: { simulated: () => boolean; faults: FaultSource; life: Incarnation }): ExecutionVenue {
    const { faults, life } = options;
    const guarded = <T>(site: string, call: (fault: "before" | "after" | null) => Promise<T>) => {
      const draws = faults.draws(`venue:${site}`);
      const fault =
        draws.fault < faults.rates.venue / 2 ? "before" : draws.fault < faults.rates.venue ? "after" : null;
      return underAbort(faults, life, abortOf(faults, draws.abort), () => call(fault));
    };
    return {
      venue: "simulated",
      book: "paper",
      get simulated() {
        return options.simulated();
      },
      estimateBuyValue: (_symbol, quantityMinor) =>
        guarded("estimate", async (fault) => {
          if (fault) {
            faults.count("venueBefore");
            throw new Error("injected: market data request failed");
          }
          return this.estimateBuyValue(quantityMinor);
        }),
      submit: (order) =>
        guarded(`submit:${order.id}`, async (fault) => {
          const known = this.orders.get(order.id);
          if (fault === "before") {
            faults.count("venueBefore");
            // Unavailable is a final answer only for an order the exchange never took.
            if (!known)
              throw new VenueUnavailableError("venue_unavailable", "injected: exchange unavailable");
            throw new Error("injected: exchange timed out");
          }
          const execution = known ? known.execution : this.#execute(order);
          if (fault === "after") {
            faults.count("venueAfter");
            throw new Error("injected: exchange executed, answer lost");
          }
          return execution;
        }),
      check: (order, untilMs) =>
        guarded(`check:${order.id}`, async (fault) => {
          if (fault) {
            faults.count("venueBefore");
            throw new Error("injected: exchange status request failed");
          }
          return this.#check(order, untilMs);
        }),
      cancel: (order) =>
        guarded(`cancel:${order.id}`, async (fault) => {
          if (fault === "before") {
            faults.count("venueBefore");
            throw new Error("injected: cancel request failed");
          }
          const known = this.orders.get(order.id);
          if (known && known.cancelledAtMs === null) known.cancelledAtMs = order.checkedUntilMs;
          if (fault === "after") {
            faults.count("venueAfter");
            throw new Error("injected: cancelled, answer lost");
          }
        }),
    };
  }

  estimateBuyValue(quantityMinor: bigint): bigint {
    const levels = this.levelsAt(this.now(), "buy");
    let remaining = quantityMinor;
    let value = 0n;
    for (const level of levels) {
      const take = remaining < level.quantityMinor ? remaining : level.quantityMinor;
      value += take * level.priceMinor;
      remaining -= take;
    }
    const last = levels[levels.length - 1];
    return value + remaining * (last?.priceMinor ?? 0n);
  }

  #execute(order: VenueOrder): Execution {
    const atMs = this.now();
    const levels = this.levelsAt(atMs, order.side);
    let slices: Slice[];
    if (order.side === "buy" && order.quantityMinor === undefined) {
      slices = walkByQuote(levels, order.quoteAmountMinor ?? 0n, 8);
    } else {
      slices = walkByQuantity({
        levels,
        side: order.side,
        quantityMinor: order.quantityMinor ?? 0n,
        limitPriceMinor: order.type === "limit" ? order.priceMinor : undefined,
        maxValueScaled: order.maxValueScaled,
        stepMinor: LOT_STEP_MINOR,
      });
    }
    let taken = 0n;
    let offered = 0n;
    for (const slice of slices) taken += slice.quantityMinor;
    for (const level of levels) offered += level.quantityMinor;
    const execution: Execution = {
      slices,
      rests: order.type === "limit",
      atMs,
      bookExhausted: taken >= offered,
    };
    const events = order.type === "limit" ? this.#restingFills(order, taken, atMs) : [];
    this.orders.set(order.id, { order, execution, events, cancelledAtMs: null });
    return execution;
  }

  /** When and how the rest of a limit order fills: nothing, part of it, or all, in 1–3 fills. */
  #restingFills(order: VenueOrder, executedMinor: bigint, atMs: number): ExchangeOrder["events"] {
    const random = randomFor(`${this.seed}|fills|${order.id}`);
    const restMinor = (order.quantityMinor ?? 0n) - executedMinor;
    const steps = Number(restMinor / LOT_STEP_MINOR);
    if (steps <= 0 || random() < 0.3) return [];
    const filledSteps = random() < 0.6 ? steps : Math.max(1, Math.floor(steps * (0.2 + 0.7 * random())));
    const count = Math.min(filledSteps, between(random, 1, 3));
    const cuts = new Set<number>();
    while (cuts.size < count - 1) cuts.add(between(random, 1, filledSteps - 1));
    const bounds = [0, ...[...cuts].sort((a, b) => a - b), filledSteps];
    const times = Array.from({ length: count }, () => atMs + between(random, 1_000, 3 * 3_600_000)).sort(
      (a, b) => a - b,
    );
    const limit = order.priceMinor ?? 0n;
    return times.map((time, index) => {
      const improvement = random() < 0.2 ? BigInt(between(random, 1, 300)) : 0n;
      return {
        atMs: time + index, // distinct times
        slice: {
          priceMinor: order.side === "buy" ? limit - improvement : limit + improvement,
          quantityMinor: BigInt((bounds[index + 1] ?? 0) - (bounds[index] ?? 0)) * LOT_STEP_MINOR,
          liquidity: "maker",
        },
      };
    });
  }

  #check(order: RestingOrder, untilMs: number): RestingCheck {
    const known = this.orders.get(order.id);
    if (!known) {
      this.anomalies.push(`check of order ${order.id}, which was never submitted`);
      throw new Error(`the exchange has no order ${order.id}`);
    }
    const endMs = Math.min(untilMs, known.cancelledAtMs ?? Number.POSITIVE_INFINITY);
    const slices = known.events
      .filter((event) => event.atMs > order.checkedUntilMs && event.atMs <= endMs)
      .map((event) => event.slice);
    let total = 0n;
    for (const slice of slices) total += slice.quantityMinor;
    if (total > order.remainingMinor) {
      this.anomalies.push(
        `order ${order.id}: ${total} filled in (${order.checkedUntilMs}, ${endMs}] but the desk has ${order.remainingMinor} left`,
      );
    }
    return { slices, checkedUntilMs: untilMs };
  }

  /**
   * What the exchange executed for an order whose record says the market was checked up to
   * `checkedUntilMs`: its fills at submission, then its resting fills up to then (or its cancel).
   */
  executedFor(orderId: string, checkedUntilMs: number): Slice[] {
    const known = this.orders.get(orderId);
    if (!known) return [];
    const endMs = Math.min(checkedUntilMs, known.cancelledAtMs ?? Number.POSITIVE_INFINITY);
    return [
      ...known.execution.slices,
      ...known.events.filter((event) => event.atMs <= endMs).map((event) => event.slice),
    ];
  }
}

/** Exact value of slices, quote minor x 10^8 (BTC's scale). */
export function valueScaled(slices: readonly Slice[]): bigint {
  let value = 0n;
  for (const slice of slices) value += slice.quantityMinor * slice.priceMinor;
  return value;
}

export { BASE_UNIT };
