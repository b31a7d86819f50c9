import type { Logger } from "../../logger.ts";
import { isSequenceConflict } from "../audit/append.ts";
import { constantGbpValuations, type GbpValuationProvider, referenceGbpValuation } from "../valuation/gbp.ts";
import { type AssetCode, assert, LedgerInvariantError } from "./assets.ts";
import {
  commandProblems,
  failure,
  hashedRequest,
  type LedgerCommand,
  type LedgerOutcome,
  type LedgerTiming,
} from "./commands.ts";
import type { LedgerConfig } from "./config.ts";
import { entryIdFor, requestHashOf } from "./idempotency.ts";
import {
  applyMovement,
  type HoldState,
  type LedgerReceipt,
  type LedgerState,
  type Movement,
  planMovement,
  utcDayStartMs,
} from "./movements.ts";
import { type LedgerDatabase, loadState, movementStatements, type StoredEntry } from "./store.ts";

/**
 * One user's ledger writer, run inside that user's Durable Object (the only writer of the
 * user's balances). Commands queue up; the pump takes them in groups and, per group:
 *
 *   1. reads, in one read batch, the user's balances, the entries the commands' keys map to,
 *      the holds they touch (and the paper total of the day, the audit head when needed);
 *   2. plans each command in arrival order against that state (replays and conflicts answered
 *      from the stored entries, refusals decided, movements built and applied in memory);
 *   3. writes every movement of the group in ONE write batch (one transaction), and only
 *      after it committed answers the callers.
 *
 * Grouping is what keeps one busy user fast (32 concurrent requests cost one read and one
 * write, not 32 of each) without giving up "validate against the records": the state is read
 * from libSQL for every group. If a write fails (a lost race, an injected fault, a timeout whose
 * outcome is unknown) nothing is answered from it: every command of the group is run again on
 * its own from a fresh read. A commit that did happen shows up in that read as an existing
 * entry and is answered as a replay, so an uncertain write is never applied twice.
 */

const MAX_GROUP_SIZE = 32;
const MAX_QUEUE_LENGTH = 4_096;
const MAX_ATTEMPTS = 4;
const RETRY_BACKOFF_MS = [0, 15, 60, 200] as const;
/**
 * The audit log is one global hash chain, so audited movements of different users race for
 * its next sequence number; losing that race is normal under load, not a fault. It is retried
 * apart from MAX_ATTEMPTS, with a small random pause so racing writers spread out.
 */
const MAX_AUDIT_RACES = 32;
const AUDIT_RACE_JITTER_MS = 8;

interface EngineOptions {
  database: LedgerDatabase;
  config: LedgerConfig;
  /**
   * GBP prices for the paper-deposit cap. The Durable Object passes the market's
   * (`gbpValuationProvider`); the default, the fixed last-resort table, is for engines run
   * outside a Worker (unit tests, tools).
   */
  valuations?: GbpValuationProvider | undefined;
  logger?: Logger | undefined;
  now?: () => number;
}

/**
 * What the one writer knows after a committed write: every balance of the user (as the read
 * batch returns them all) and the open holds it has seen. Valid only until the next write whose
 * outcome is unknown.
 */
interface Warm {
  balances: Map<string, bigint>;
  holds: Map<string, HoldState>;
}

/** Receipts of recently committed movements, so a client's retry is answered without a read. */
const RECENT_RECEIPTS = 2_048;
/** Open holds kept warm per user; beyond it, the oldest are forgotten (and read when needed). */
const WARM_HOLDS = 4_096;

interface PaperDay {
  dayStartMs: number;
  byAssetMinor: ReadonlyMap<AssetCode, bigint>;
}

interface Pending {
  command: LedgerCommand;
  entryId: string;
  requestHash: string;
  attempts: number;
  auditRaces: number;
  submittedAtMs: number;
  resolve: (outcome: LedgerOutcome<LedgerReceipt>) => void;
}

export class UserLedgerEngine {
  /** Replaceable so fault-injection tests can wrap it; nothing else swaps it. */
  database: LedgerDatabase;
  readonly #config: LedgerConfig;
  readonly #valuations: GbpValuationProvider;
  readonly logger: Logger | undefined;
  readonly #now: () => number;
  readonly #queue: Pending[] = [];
  #pumping = false;
  /**
   * Paper deposited today (per asset, minor units), per user: an exact counter held by the one
   * writer. Summing the day's deposits costs a scan of them, which grows all day long and would
   * stall the database for a busy user; so the sum is read from libSQL once per instance and
   * day, then kept up to date after each committed batch, and dropped after any failed write
   * (whose outcome may be unknown) so the next group reads it again. Balances are still read for
   * every group: the counter only gates the faucet. It holds amounts, not pounds: each group
   * values them at its own price snapshot.
   */
  readonly #paperToday = new Map<string, PaperDay>();
  /**
   * The user's state after the last committed group (README decision record 034). The object
   * is the only writer of its user's balances and holds, so a group whose holds are all known
   * here can skip the read batch and cost one write: new entries and new holds are written
   * optimistically (their ids are unique in the database, so a key or hold used before makes the
   * write fail, and the group runs again from a fresh read, which answers the replay), and every
   * balance and hold change is relative and guarded by CHECKs and triggers, so even a stale
   * picture can never overdraw or resolve a hold twice. Dropped on any failed write.
   */
  readonly #warm = new Map<string, Warm>();
  readonly #recent = new Map<string, { requestHash: string; receipt: LedgerReceipt }>();

  constructor(options: EngineOptions) {
    this.database = options.database;
    this.#config = options.config;
    this.#valuations = options.valuations ?? constantGbpValuations(referenceGbpValuation());
    this.logger = options.logger;
    this.#now = options.now ?? Date.now;
  }

  /** Runs one movement; resolves once it is committed (or refused). Never rejects. */
  async submit(command: LedgerCommand): Promise<LedgerOutcome<LedgerReceipt>> {
    const problems = commandProblems(command);
    if (problems) return failure(400, "invalid_request", "The movement is malformed.", problems);
    if (this.#queue.length >= MAX_QUEUE_LENGTH) {
      return failure(503, "service_unavailable", "The ledger is busy. Retry with the same Idempotency-Key.");
    }
    const scope =
      command.kind === "ops_deposit"
        ? ({ kind: "ops" } as const)
        : ({ kind: "user", userId: command.userId } as const);
    const [entryId, requestHash] = await Promise.all([
      entryIdFor(scope, command.idempotencyKey),
      requestHashOf(hashedRequest(command)),
    ]);
    return new Promise((resolve) => {
      this.#queue.push({
        command,
        entryId,
        requestHash,
        attempts: 0,
        auditRaces: 0,
        submittedAtMs: performance.now(),
        resolve,
      });
      if (!this.#pumping) void this.#pump();
    });
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      // Bounded: every pass answers or re-queues each command it takes, a command is re-queued
      // at most MAX_ATTEMPTS - 1 times, and the queue is capped.
      for (let pass = 0; this.#queue.length > 0 && pass < MAX_QUEUE_LENGTH * MAX_ATTEMPTS; pass++) {
        const backoffMs = await this.#runGroup(this.#takeGroup());
        // A short pause after a failed write keeps a flapping database from being hammered.
        if (backoffMs > 0) await new Promise((resolve) => setTimeout(resolve, backoffMs));
      }
    } finally {
      this.#pumping = false;
      if (this.#queue.length > 0) void this.#pump();
    }
  }

  /** Up to MAX_GROUP_SIZE commands of one user; at most one audited command (one chain head). */
  #takeGroup(): Pending[] {
    const first = this.#queue[0];
    assert(first !== undefined, "take from an empty queue");
    // A command that already failed in a group runs alone: its retry must not be hostage
    // to (or take hostage) the commands queued behind it.
    if (first.attempts > 0 || first.auditRaces > 0) return this.#queue.splice(0, 1);
    const group: Pending[] = [];
    let audited = 0;
    let index = 0;
    while (index < this.#queue.length && group.length < MAX_GROUP_SIZE) {
      const candidate = this.#queue[index];
      assert(candidate !== undefined, "queue hole");
      const sameUser = candidate.command.userId === first.command.userId;
      const isAudited = candidate.command.kind === "ops_deposit";
      if (!sameUser || candidate.attempts > 0 || candidate.auditRaces > 0 || (isAudited && audited > 0)) {
        index++;
        continue;
      }
      if (isAudited) audited++;
      group.push(candidate);
      this.#queue.splice(index, 1);
    }
    return group;
  }

  /** Runs one group; returns how long to pause before the next one (0 after a success). */
  async #runGroup(group: Pending[]): Promise<number> {
    const first = group[0];
    assert(first !== undefined, "empty group");
    const userId = first.command.userId;
    const startedAtMs = performance.now();
    let answers: Map<Pending, LedgerOutcome<LedgerReceipt>>;
    let timing: Omit<LedgerTiming, "queueMs">;
    try {
      ({ answers, timing } = await this.#planAndWrite(userId, group, this.#now()));
    } catch (error) {
      if (error instanceof LedgerInvariantError) {
        // A bug, not a database problem: refuse loudly, write nothing, never retry blindly.
        this.logger?.error("ledger invariant violated", { error, userId });
        for (const pending of group) {
          pending.resolve(failure(500, "internal_error", "The movement was refused by a ledger check."));
        }
        return 0;
      }
      if (group.length === 1 && first.command.kind === "ops_deposit" && isSequenceConflict(error)) {
        return this.#requeueAuditRace(first, error);
      }
      // Expected now and then (a lost race, a timeout): info, not warn; giving up is the error.
      this.logger?.info("ledger batch failed; retrying each movement alone", {
        error,
        userId,
        groupSize: group.length,
      });
      return this.#requeue(group, error);
    }
    for (const pending of group) {
      const answer = answers.get(pending);
      assert(answer !== undefined, "a command in the group got no answer");
      const queueMs = round(startedAtMs - pending.submittedAtMs);
      // One line per committed movement (or refusal): what and why, never who in clear.
      if (answer.ok) {
        this.logger?.info("ledger movement", {
          kind: pending.command.kind,
          entryId: pending.entryId,
          groupSize: group.length,
        });
      } else {
        this.logger?.info("ledger movement refused", {
          kind: pending.command.kind,
          reason: answer.error.code,
        });
      }
      pending.resolve(answer.ok ? { ...answer, timing: { ...timing, queueMs } } : answer);
    }
    return 0;
  }

  #requeueAuditRace(pending: Pending, error: unknown): number {
    pending.auditRaces += 1;
    if (pending.auditRaces >= MAX_AUDIT_RACES) {
      this.logger?.error("ledger movement lost the audit chain race too often", {
        error,
        entryId: pending.entryId,
      });
      pending.resolve(
        failure(503, "service_unavailable", "The ledger is busy. Retry with the same Idempotency-Key."),
      );
      return 0;
    }
    this.#queue.unshift(pending);
    return 1 + ((crypto.getRandomValues(new Uint32Array(1))[0] ?? 0) % AUDIT_RACE_JITTER_MS);
  }

  /** Failed groups go back to the front, each command alone, until its attempts run out. */
  #requeue(group: Pending[], error: unknown): number {
    const retry: Pending[] = [];
    for (const pending of group) {
      pending.attempts += 1;
      if (pending.attempts >= MAX_ATTEMPTS) {
        this.logger?.error("ledger movement gave up", {
          error,
          entryId: pending.entryId,
          attempts: pending.attempts,
        });
        pending.resolve(
          failure(
            503,
            "service_unavailable",
            "The ledger database is unavailable. Retry with the same Idempotency-Key.",
          ),
        );
      } else {
        retry.push(pending);
      }
    }
    this.#queue.unshift(...retry);
    const attempts = Math.max(0, ...retry.map((pending) => pending.attempts));
    return RETRY_BACKOFF_MS[Math.min(attempts, RETRY_BACKOFF_MS.length - 1)] ?? 0;
  }

  async #planAndWrite(
    userId: string,
    group: Pending[],
    nowMs: number,
  ): Promise<{ answers: Map<Pending, LedgerOutcome<LedgerReceipt>>; timing: Omit<LedgerTiming, "queueMs"> }> {
    const readStartedMs = performance.now();
    const holdIds = new Set<string>();
    for (const { command } of group) {
      if ("holdId" in command) holdIds.add(command.holdId);
    }
    const dayStartMs = utcDayStartMs(nowMs);
    const hasPaperDeposit = group.some((pending) => pending.command.kind === "paper_deposit");
    const cachedDay = this.#paperToday.get(userId);
    const knownDayTotal = cachedDay?.dayStartMs === dayStartMs ? cachedDay.byAssetMinor : null;
    // Forget the counter until this group has committed: a failed write leaves it unknown.
    this.#paperToday.delete(userId);
    // Likewise the warm state: it is valid again only once this group's write has committed.
    const warm = this.#warm.get(userId);
    this.#warm.delete(userId);
    const needsAuditHead = group.some((pending) => pending.command.kind === "ops_deposit");
    const consumed = group.flatMap(({ command }) =>
      "holdId" in command && command.kind !== "order_hold" && command.kind !== "withdrawal_hold"
        ? [command.holdId]
        : [],
    );
    const warmEnough =
      warm !== undefined &&
      !needsAuditHead &&
      (!hasPaperDeposit || knownDayTotal !== null) &&
      consumed.every((holdId) => warm.holds.has(holdId));
    // Prices only for a group that meets the cap; the snapshot never rejects (stale-price rule).
    const [loaded, valuation] = await Promise.all([
      warmEnough
        ? {
            state: {
              userId,
              balances: new Map(warm.balances),
              holds: new Map(warm.holds),
              paperDepositedTodayMinor: knownDayTotal ?? new Map(),
            },
            entries: new Map<string, StoredEntry>(),
            auditHead: null,
          }
        : loadState(this.database, {
            userId,
            entryIds: [...new Set(group.map((pending) => pending.entryId))],
            holdIds: [...holdIds],
            paperDaySinceMs: hasPaperDeposit && knownDayTotal === null ? dayStartMs : null,
            needsAuditHead,
          }),
      hasPaperDeposit ? this.#valuations.snapshot() : null,
    ]);
    if (knownDayTotal !== null) loaded.state.paperDepositedTodayMinor = knownDayTotal;
    const readMs = round(performance.now() - readStartedMs);
    const answers = new Map<Pending, LedgerOutcome<LedgerReceipt>>();
    const planned = new Map<string, Movement>();
    const movements: Movement[] = [];
    let state: LedgerState = loaded.state;
    for (const pending of group) {
      const stored =
        loaded.entries.get(pending.entryId) ??
        planned.get(pending.entryId) ??
        this.#recent.get(pending.entryId);
      if (stored) {
        answers.set(pending, replay(pending, stored));
        continue;
      }
      const outcome = planMovement(state, pending.command, {
        entryId: pending.entryId,
        requestHash: pending.requestHash,
        nowMs,
        paperDepositDailyCapGbpMinor: this.#config.paperDepositDailyCapGbpMinor,
        valuation,
      });
      if (!outcome.ok) {
        answers.set(pending, outcome);
        continue;
      }
      state = applyMovement(state, outcome.movement);
      planned.set(pending.entryId, outcome.movement);
      movements.push(outcome.movement);
      answers.set(pending, { ok: true, value: outcome.movement.receipt });
    }
    // A refusal decided from memory might be a replay of a key used long ago, or a hold that
    // exists already: only the records can tell. Refusals are rare, so ask them.
    if (warmEnough && [...answers.values()].some((answer) => !answer.ok)) {
      if (cachedDay) this.#paperToday.set(userId, cachedDay);
      return this.#planAndWrite(userId, group, nowMs);
    }
    const writeStartedMs = performance.now();
    if (movements.length > 0) {
      await this.database.batch(await movementStatements(movements, loaded.auditHead), "write");
    }
    const writeMs = round(performance.now() - writeStartedMs);
    if (hasPaperDeposit || knownDayTotal !== null) {
      this.#paperToday.set(userId, { dayStartMs, byAssetMinor: state.paperDepositedTodayMinor });
    }
    this.#remember(userId, warm, state, movements);
    return { answers, timing: { readMs, writeMs, groupSize: movements.length } };
  }

  /** After a committed write: the user's state is known again, and its receipts are recent. */
  #remember(userId: string, before: Warm | undefined, state: LedgerState, movements: Movement[]): void {
    const holds = new Map(before?.holds ?? []);
    for (const [id, hold] of state.holds) holds.set(id, hold);
    for (const [id, hold] of holds) if (hold.status !== "open") holds.delete(id);
    while (holds.size > WARM_HOLDS) {
      const oldest = holds.keys().next().value;
      if (oldest === undefined) break;
      holds.delete(oldest);
    }
    this.#warm.set(userId, { balances: state.balances, holds });
    for (const movement of movements) {
      this.#recent.set(movement.entryId, { requestHash: movement.requestHash, receipt: movement.receipt });
    }
    while (this.#recent.size > RECENT_RECEIPTS) {
      const oldest = this.#recent.keys().next().value;
      if (oldest === undefined) break;
      this.#recent.delete(oldest);
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** Same key: the same request gets the first receipt again, another request is a conflict. */
function replay(
  pending: Pending,
  stored: Pick<StoredEntry, "requestHash" | "receipt">,
): LedgerOutcome<LedgerReceipt> {
  const sameRequest = stored.requestHash === pending.requestHash;
  if (!sameRequest) {
    return failure(
      409,
      "idempotency_conflict",
      "This Idempotency-Key was already used with a different request.",
    );
  }
  return { ok: true, value: stored.receipt };
}
