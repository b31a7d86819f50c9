import type { Database } from "../../../db/client.ts";
import type { NewTradeRow } from "../../../db/schema/orders.ts";
import { ApiError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import {
  decodeStep,
  encodeStep,
  type HaltReporter,
  InvariantViolation,
  invariant,
  MAX_RESUMED_PER_ALARM,
  retryDelayMs,
} from "../flows/flow.ts";
import { ASSETS, type AssetCode } from "../ledger/assets.ts";
import type { UserLedgerClient } from "../ledger/client.ts";
import { requestHashOf } from "../ledger/idempotency.ts";
import { MARKETS } from "../markets/symbols.ts";
import { feeDiscountsFor } from "../monetisation/discounts.ts";
import { payDueRewards, type RewardsDue, referrerOf, rewardInsert } from "../monetisation/referrals.ts";
import type { GbpValuationProvider } from "../valuation/gbp.ts";
import { accrue, consumedFromHold, NO_PROGRESS, type Progress } from "./execution.ts";
import { type FeeSchedule, feeScheduleFor, ratesOf, spendableAfterFees } from "./fees.ts";
import {
  type DeskFailure,
  type DeskOutcome,
  type DeskTiming,
  type OrderRecord,
  type OrderRequest,
  type OrderView,
  orderView,
  RESTING_STATUSES,
} from "./model.ts";
import { holdFor } from "./sizing.ts";
import {
  activeOrders,
  commitOrder,
  findOrder,
  findOrderByClientKey,
  haltOrder,
  insertOrderIfNew,
  liveVolume30dGbpMinor,
  MAX_ACTIVE_ORDERS,
  markOrderRetry,
  saveOrder,
} from "./store.ts";
import {
  type Execution,
  type ExecutionVenue,
  type RestingCheck,
  type RestingOrder,
  type VenueOrder,
  type VenueReceipt,
  VenueRefusedError,
  VenueUnavailableError,
} from "./venue.ts";

/**
 * One user's order desk: the only writer of that user's orders, run inside their UserOrders
 * Durable Object (which serialises every call). It owns each order's life and its money:
 *
 *   place    record the order -> hold its funds -> ask the venue what executes now ->
 *            record that plan -> settle the fill -> release what is left if the order is done
 *   check    for each resting order, ask the venue what filled since the last check -> settle
 *   cancel   release exactly what the hold still has
 *
 * Every ledger call carries a key derived from the order id and the step
 * (`order:<id>:hold`, `order:<id>:fill:<n>`, `order:<id>:release`), and every amount it sends
 * was written to the order's `pending` step before the call. A crash anywhere is resumed by
 * running the recorded step again: the ledger answers a repeated key with its first receipt,
 * so nothing is applied twice, and trade ids are deterministic, so nothing is recorded twice.
 *
 * Failures are isolated per order (flows/flow.ts): a step that fails for a passing reason is
 * retried by the object's alarm with backoff for that order alone (`attempts`, `retryAtMs`);
 * a step that breaks an invariant halts that order (`halted`), is reported, and never loops.
 *
 * An exchange venue (LIVE) is asked only after the hold: hold -> submit -> settle. A submit
 * that may have reached the exchange before (any resumed step: the call that placed the order
 * did not finish) is sent with `mayExist`, so the exchange is asked for the order by its
 * client id before anything is sent again. A definite refusal rejects the order and releases
 * the hold exactly; an unknown outcome or a rate limit leaves the step pending for the alarm
 * (after the venue's `retryAfterMs` when it gives one). The exchange's side of each execution
 * (its order id, last trade, commission) is written with the settlement, and every exchange
 * outcome is audited (`order.exchange_*`) in the step that settles it.
 */

interface DeskDependencies {
  db: Database;
  /** The user's ledger (bound to the same user as the desk). */
  ledger: UserLedgerClient;
  /** The venue for a mode; throws (live_unavailable) for a mode that cannot trade. */
  venueFor: (mode: OrderRecord["mode"]) => ExecutionVenue;
  /** GBP prices for the 30-day volume that picks the fee tier (market, stale-price rule). */
  valuations: GbpValuationProvider;
  now: () => number;
  newId: () => string;
  logger?: Logger | undefined;
  /** Told about every order halted by a broken invariant (log, Sentry, metric, audit). */
  reportHalt?: HaltReporter | undefined;
  /**
   * Writes an audit row for an exchange outcome of a LIVE order. Called inside the step that
   * settles it, before the step is committed: a crash repeats it (same `requestId`), never loses it.
   */
  audit?: ((entry: LiveOrderAudit & { orderId: string; userId: string }) => Promise<void>) | undefined;
  /** Pays referral rewards into the referrer's ledger (monetisation/referrals.ts). */
  rewards?: { ledgerOf: (userId: string) => UserLedgerClient } | undefined;
}

/** What an exchange did with a LIVE order, for the audit log. */
export interface LiveOrderAudit {
  event:
    | "order.exchange_placed"
    | "order.exchange_rejected"
    | "order.exchange_cancelled"
    | "order.exchange_closed";
  outcome: "success" | "failure";
  detail: Record<string, string | number | null>;
}

/** A step in flight, as written to `orders.pending`. */
/**
 * `hold` carries the plan when the venue executed before the hold (a simulated venue: nothing
 * left the platform), so one write records the order and everything its money will do.
 */
type Pending =
  | { stage: "hold"; plan?: SettlementPlan }
  | { stage: "submit" }
  /** Recorded before the venue is asked to withdraw the order, so a crash resumes the cancel. */
  | { stage: "cancel"; reason: string }
  | { stage: "settle"; plan: SettlementPlan };

interface SettlementPlan {
  fill: {
    number: number;
    spentMinor: bigint;
    received: { asset: AssetCode; amountMinor: bigint };
    fee: { asset: AssetCode; amountMinor: bigint; discountMinor?: bigint };
  } | null;
  release: boolean;
  trades: Omit<NewTradeRow, "ledgerEntryId">[];
  /** The order once the step is done (with `pending` null). */
  after: OrderRecord;
  /** LIVE: the exchange outcome this step settles, audited before it is committed. */
  audit?: LiveOrderAudit | undefined;
}

/** Fee schedules are a function of 30-day volume: a minute old is fresh enough. */
const SCHEDULE_TTL_MS = 60_000;
/** Bound on the resume loop: hold -> submit -> settle is three steps. */
const MAX_STEPS = 4;

/** What the object's alarm needs after a check: when to wake next, and what it found. */
export interface CheckResult {
  active: number;
  fills: number;
  halted: number;
  /** The earliest time anything needs the desk again (null: nothing rests or is pending). */
  nextWakeMs: number | null;
}

/** Resting orders are checked this often while any rests. */
const RESTING_CHECK_INTERVAL_MS = 1_000;

export class OrderDesk {
  #schedule: { value: FeeSchedule; atMs: number } | null = null;
  /** Where the current call's time went; reset by each placement. */
  #timing: DeskTiming = { databaseMs: 0, ledgerMs: 0, venueMs: 0 };

  constructor(
    readonly userId: string,
    private readonly deps: DeskDependencies,
  ) {}

  async place(request: OrderRequest): Promise<DeskOutcome<OrderView>> {
    this.#timing = { databaseMs: 0, ledgerMs: 0, venueMs: 0 };
    const outcome = await this.#place(request);
    return outcome.ok ? { ...outcome, timing: { ...this.#timing } } : outcome;
  }

  async #timed<T>(what: keyof DeskTiming, work: Promise<T>): Promise<T> {
    const startedMs = performance.now();
    try {
      return await work;
    } finally {
      this.#timing[what] += performance.now() - startedMs;
    }
  }

  async #place(request: OrderRequest): Promise<DeskOutcome<OrderView>> {
    if (request.userId !== this.userId)
      return failed(400, "invalid_request", "This desk belongs to another user.");
    const requestHash = await requestHashOf({
      mode: request.mode,
      symbol: request.symbol,
      side: request.side,
      type: request.type,
      quantityMinor: request.quantityMinor,
      quoteAmountMinor: request.quoteAmountMinor,
      priceMinor: request.priceMinor,
      ...(request.stopPriceMinor !== undefined ? { stopPriceMinor: request.stopPriceMinor } : {}),
      ...(request.botId ? { botId: request.botId } : {}),
    });
    return this.#guard(async () => {
      const venue = this.deps.venueFor(request.mode);
      const market = MARKETS[request.symbol];
      if (request.type !== "market") {
        const active = await activeOrders(this.deps.db, this.userId);
        if (active.length >= MAX_ACTIVE_ORDERS) {
          return failed(
            409,
            "too_many_open_orders",
            `At most ${MAX_ACTIVE_ORDERS} orders may be open at once.`,
          );
        }
      }
      const rates = (await this.feeSchedule()).rates;
      const baseScale = ASSETS[market.base].scale;
      const nowMs = this.deps.now();
      const draft: OrderRecord = {
        id: this.deps.newId(),
        userId: this.userId,
        clientKey: request.clientKey,
        botId: request.botId ?? null,
        requestHash,
        mode: request.mode,
        venue: venue.venue,
        symbol: request.symbol,
        side: request.side,
        type: request.type,
        priceMinor: request.priceMinor ?? null,
        quantityMinor: request.quantityMinor ?? null,
        quoteAmountMinor: request.quoteAmountMinor ?? null,
        stopPriceMinor: request.stopPriceMinor ?? null,
        triggeredAtMs: null,
        holdAsset: request.side === "buy" ? market.quote : market.base,
        holdAmountMinor: 0n,
        makerRate: rates.maker.text,
        takerRate: rates.taker.text,
        feeDiscountRate: rates.discount.text,
        feeAsset: market.quote,
        status: "open",
        reason: null,
        ...NO_PROGRESS,
        fillCount: 0,
        checkedUntilMs: nowMs,
        pending: null,
        attempts: 0,
        retryAtMs: null,
        halted: null,
        createdAtMs: nowMs,
        updatedAtMs: nowMs,
        closedAtMs: null,
        venueOrderId: null,
        venueTradeId: null,
        venueCommissionAsset: null,
        venueCommissionMinor: 0n,
      };
      const limitHold =
        request.type === "limit" || request.type === "stop_limit"
          ? holdFor({ ...request, baseScale, rates, type: "limit" }).amountMinor
          : undefined;
      let record: OrderRecord;
      if (request.type === "stop_limit") {
        // Rests in the desk, its funds held, until the market reaches the stop (checkResting);
        // nothing goes to the venue before that.
        record = {
          ...draft,
          holdAmountMinor: limitHold ?? 0n,
          pending: encodeStep({ stage: "hold" } satisfies Pending),
        };
      } else if (venue.simulated) {
        // Nothing leaves the platform, so execute first: a market order then holds exactly
        // what its fills take (no margin to release), and the order, its plan and its hold
        // amount are recorded in one write.
        let execution: Execution;
        try {
          execution = await this.#timed("venueMs", venue.submit(venueOrderOf(draft)));
        } catch (error) {
          const existing = await findOrderByClientKey(this.deps.db, this.userId, request.clientKey);
          if (existing) return this.#replay(existing, requestHash);
          throw error;
        }
        const complete = isComplete(draft, execution);
        const consumed = consumedFromHold(
          draft.side,
          accrue(draft, execution.slices, { side: draft.side, baseScale, rates }).progress,
        );
        const holdAmountMinor = limitHold ?? consumed;
        if (holdAmountMinor <= 0n) {
          record = { ...draft, status: "cancelled", reason: "no_liquidity", closedAtMs: nowMs };
        } else {
          const held = { ...draft, holdAmountMinor };
          const plan = this.#settlementFor(held, { ...execution, complete });
          record = { ...held, pending: encodeStep({ stage: "hold", plan } satisfies Pending) };
        }
      } else {
        const estimatedValueScaled =
          request.side === "buy" && request.type === "market" && request.quantityMinor !== undefined
            ? await venue.estimateBuyValue(
                request.symbol,
                request.quantityMinor,
                market.filters.stepSizeMinor,
              )
            : undefined;
        const holdAmountMinor =
          limitHold ?? holdFor({ ...request, baseScale, rates, estimatedValueScaled }).amountMinor;
        record = { ...draft, holdAmountMinor, pending: encodeStep({ stage: "hold" } satisfies Pending) };
      }
      if (!(await this.#timed("databaseMs", insertOrderIfNew(this.deps.db, record)))) {
        const existing = await findOrderByClientKey(this.deps.db, this.userId, request.clientKey);
        invariant(existing, "an order key conflicted with no order");
        return this.#replay(existing, requestHash);
      }
      // Inserted by this very call: nothing of it can have reached a venue yet.
      return outcomeOf(await this.#advance(record, { fresh: true }));
    });
  }

  /** The same key again: the first order's outcome for the same order, a conflict otherwise. */
  async #replay(existing: OrderRecord, requestHash: string): Promise<DeskOutcome<OrderView>> {
    if (existing.requestHash !== requestHash) {
      return failed(
        409,
        "idempotency_conflict",
        "This Idempotency-Key was already used with a different order.",
      );
    }
    return outcomeOf(await this.#advance(existing));
  }

  async cancel(orderId: string): Promise<DeskOutcome<OrderView>> {
    return this.#guard(async () => {
      const found = await findOrder(this.deps.db, this.userId, orderId);
      if (!found) return failed(404, "order_not_found", "No such order.");
      const record = await this.#advance(found);
      if (record.status === "cancelled") return { ok: true, value: orderView(record) };
      if (!RESTING_STATUSES.includes(record.status)) {
        return failed(
          409,
          "order_not_open",
          `The order is already ${record.status.replace("_", " ")}; only open orders can be cancelled.`,
        );
      }
      const settled = await this.#advance(
        await this.#persist({
          ...record,
          pending: encodeStep({ stage: "cancel", reason: "cancelled_by_user" } satisfies Pending),
        }),
      );
      return { ok: true, value: orderView(settled) };
    });
  }

  /**
   * Checks every resting order against the market up to `untilMs` (the alarm passes now; tests
   * pass a chosen time), settles what filled, and finishes any step left in flight. Each order
   * is its own unit of failure: one that fails is retried later with its own backoff, one that
   * breaks an invariant is halted, and neither stops the others.
   */
  async checkResting(untilMs: number): Promise<CheckResult> {
    const nowMs = this.deps.now();
    const result: CheckResult = { active: 0, fills: 0, halted: 0, nextWakeMs: null };
    const wakeAt = (atMs: number) => {
      result.nextWakeMs = result.nextWakeMs === null ? atMs : Math.min(result.nextWakeMs, atMs);
    };
    let resumed = 0;
    for (const found of await activeOrders(this.deps.db, this.userId)) {
      if (found.halted) {
        result.halted++;
        continue;
      }
      result.active++;
      if (found.retryAtMs !== null && found.retryAtMs > nowMs) {
        wakeAt(found.retryAtMs);
        continue;
      }
      if (found.pending && ++resumed > MAX_RESUMED_PER_ALARM) {
        wakeAt(nowMs + RESTING_CHECK_INTERVAL_MS);
        continue;
      }
      try {
        const { record, filled } = await this.#checkOne(found, untilMs);
        if (filled) result.fills++;
        if (RESTING_STATUSES.includes(record.status)) wakeAt(nowMs + RESTING_CHECK_INTERVAL_MS);
        else result.active--;
      } catch (error) {
        if (error instanceof OrderHaltedError) {
          result.active--;
          result.halted++;
          continue;
        }
        wakeAt(nowMs + retryDelayMs(found.attempts + 1));
        this.deps.logger?.warn("order check failed; retrying with backoff", {
          orderId: found.id,
          attempts: found.attempts + 1,
          error,
        });
      }
    }
    if (this.deps.rewards && (await this.#referred())) {
      const due = await this.payRewards();
      if (due?.nextRetryAtMs != null) wakeAt(due.nextRetryAtMs);
    }
    return result;
  }

  /** One order: finish its step in flight, then settle what the market filled since last time. */
  async #checkOne(found: OrderRecord, untilMs: number): Promise<{ record: OrderRecord; filled: boolean }> {
    let record = await this.#advance(found);
    if (!RESTING_STATUSES.includes(record.status)) return { record, filled: false };
    if (awaitingTrigger(record)) return this.#checkTrigger(record, untilMs);
    try {
      const venue = this.deps.venueFor(record.mode);
      const check = await venue.check(restingOf(record), untilMs);
      if (check.slices.length === 0 && !check.closed) {
        if (check.checkedUntilMs !== record.checkedUntilMs) {
          // Only in memory until the next write: re-checking a window already checked gives
          // the same answer, so losing this on a restart costs nothing but the work.
          record = { ...record, checkedUntilMs: check.checkedUntilMs };
          this.#checked.set(record.id, check.checkedUntilMs);
        }
        if (record.attempts > 0) {
          record = { ...record, attempts: 0, retryAtMs: null };
          await markOrderRetry(this.deps.db, record.id, 0, null);
        }
        return { record, filled: false };
      }
      const plan = this.#closingPlan(record, check, null);
      plan.after.checkedUntilMs = check.checkedUntilMs;
      record = await this.#persist({ ...record, pending: encodeStep({ stage: "settle", plan }) });
    } catch (error) {
      throw await this.#failed(record, error);
    }
    return { record: await this.#advance(record), filled: true };
  }

  /**
   * A stop-limit resting in the desk: did the market trade through its stop since the last
   * check? A buy stop triggers when the market trades at or above it, a sell stop at or below.
   * The trigger is recorded with the step that submits the limit order (record, act, resume):
   * a crash after it resubmits with the same order id, which the venue answers once.
   */
  async #checkTrigger(
    record: OrderRecord,
    untilMs: number,
  ): Promise<{ record: OrderRecord; filled: boolean }> {
    const venue = this.deps.venueFor(record.mode);
    const fromMs = Math.max(record.checkedUntilMs, this.#checked.get(record.id) ?? 0);
    if (untilMs <= fromMs || !venue.traded) return { record, filled: false };
    let range: Awaited<ReturnType<NonNullable<ExecutionVenue["traded"]>>>;
    try {
      range = await venue.traded(record.symbol, fromMs, untilMs);
    } catch (error) {
      throw await this.#failed(record, error);
    }
    if (!range) return { record, filled: false };
    const stop = record.stopPriceMinor ?? 0n;
    const hit = record.side === "buy" ? range.highMinor >= stop : range.lowMinor <= stop;
    if (!hit) {
      this.#checked.set(record.id, untilMs);
      return { record: { ...record, checkedUntilMs: untilMs }, filled: false };
    }
    const triggered = await this.#persist({
      ...record,
      triggeredAtMs: untilMs,
      checkedUntilMs: untilMs,
      pending: encodeStep({ stage: "submit" } satisfies Pending),
    });
    this.#checked.delete(record.id);
    const after = await this.#advance(triggered);
    return { record: after, filled: after.fillCount > record.fillCount };
  }

  /** Last checked time of resting orders, kept between alarms (see checkResting). */
  readonly #checked = new Map<string, number>();

  async feeSchedule(): Promise<FeeSchedule> {
    const nowMs = this.deps.now();
    if (this.#schedule && nowMs - this.#schedule.atMs < SCHEDULE_TTL_MS) return this.#schedule.value;
    const valuation = await this.deps.valuations.snapshot();
    const volume = await liveVolume30dGbpMinor(this.deps.db, this.userId, nowMs, valuation);
    const value = feeScheduleFor(volume, await feeDiscountsFor(this.deps.db, this.userId, nowMs));
    this.#schedule = { value, atMs: nowMs };
    return value;
  }

  // ---- Steps -----------------------------------------------------------------------------

  /**
   * Runs the order's recorded steps until none is left; returns the order as it then is. A
   * failure is recorded on the order (backoff, or halted) before it is passed on.
   */
  async #advance(start: OrderRecord, options: { fresh?: boolean } = {}): Promise<OrderRecord> {
    if (start.halted) throw new OrderHaltedError(start.id);
    try {
      return await this.#runSteps(start, options.fresh === true);
    } catch (error) {
      throw await this.#failed(start, error);
    }
  }

  /**
   * Classifies a failed step. A broken invariant, or the ledger refusing a recorded step
   * outright (a 4xx: retrying cannot change its answer), halts the order and is reported.
   * Anything else (database, ledger or venue unavailable) is retried later with backoff.
   */
  async #failed(record: OrderRecord, error: unknown): Promise<unknown> {
    if (error instanceof OrderHaltedError) return error;
    const permanent =
      error instanceof InvariantViolation || (error instanceof ApiError && error.status < 500);
    if (permanent) {
      const reason = `${error instanceof InvariantViolation ? "invariant" : (error as ApiError).code}: ${(error as Error).message}`;
      this.deps.logger?.error("order halted: a step broke an invariant", {
        orderId: record.id,
        reason,
      });
      await haltOrder(this.deps.db, record.id, reason).catch((writeError: unknown) =>
        this.deps.logger?.error("could not record the halted order", {
          orderId: record.id,
          error: writeError,
        }),
      );
      await this.deps.reportHalt?.({ flow: "order", id: record.id, userId: this.userId, reason });
      this.#checked.delete(record.id);
      return new OrderHaltedError(record.id);
    }
    const attempts = record.attempts + 1;
    // An exchange that asked us to wait (rate limit, weight budget) is not asked again sooner.
    const waitHint =
      error instanceof ApiError ? (error as { retryAfterMs?: unknown }).retryAfterMs : undefined;
    const askedToWaitMs = typeof waitHint === "number" ? waitHint : 0;
    const delayMs = Math.max(retryDelayMs(attempts), askedToWaitMs);
    await markOrderRetry(this.deps.db, record.id, attempts, this.deps.now() + delayMs).catch(
      () => undefined, // the database may be what failed; the alarm retries on its own schedule
    );
    return error;
  }

  /**
   * `fresh`: the order was inserted by this call, so a submit in it is the order's first; any
   * other run may follow an attempt that reached the venue, and submits with `mayExist`.
   */
  async #runSteps(start: OrderRecord, fresh: boolean): Promise<OrderRecord> {
    let record = start;
    const remembered = this.#checked.get(record.id);
    if (remembered !== undefined && remembered > record.checkedUntilMs)
      record = { ...record, checkedUntilMs: remembered };
    for (let step = 0; step < MAX_STEPS && record.pending; step++) {
      const pending = decodeStep<Pending>(record.pending);
      switch (pending.stage) {
        case "hold":
          record = await this.#hold(record, pending.plan);
          break;
        case "submit":
          record = await this.#submit(record, !fresh);
          break;
        case "cancel":
          record = await this.#cancelAtVenue(record, pending.reason);
          break;
        case "settle":
          record = await this.#settle(record, pending.plan);
          break;
      }
    }
    invariant(!record.pending, () => `order ${record.id} did not settle in ${MAX_STEPS} steps`);
    if (!RESTING_STATUSES.includes(record.status)) this.#checked.delete(record.id);
    return record;
  }

  async #hold(record: OrderRecord, plan: SettlementPlan | undefined): Promise<OrderRecord> {
    const hold = this.deps.ledger.hold({
      idempotencyKey: ledgerKey(record.id, "hold"),
      book: record.mode,
      holdId: record.id,
      asset: record.holdAsset,
      amountMinor: record.holdAmountMinor,
      botId: record.botId,
      reference: `order:${record.id}`,
    });
    // With the plan known, the fill is sent alongside: if it reaches the ledger before the
    // hold it is refused (no such hold) and sent again once the hold is in. Nothing else
    // (no release) is ever sent before an earlier step has answered.
    const fill = plan?.fill
      ? this.#fill(record, plan.fill).then(
          (entryId) => entryId,
          () => null,
        )
      : null;
    const startedMs = performance.now();
    try {
      await hold;
    } catch (error) {
      await fill;
      this.#timing.ledgerMs += performance.now() - startedMs;
      if (error instanceof ApiError && error.code === "insufficient_funds") {
        const nowMs = this.deps.now();
        const rejected: OrderRecord = {
          ...record,
          status: "rejected",
          reason: "insufficient_funds",
          pending: null,
          updatedAtMs: nowMs,
          closedAtMs: nowMs,
        };
        await saveOrder(this.deps.db, rejected);
        return rejected;
      }
      throw error;
    }
    if (plan) {
      const entryId = fill ? await fill : null;
      this.#timing.ledgerMs += performance.now() - startedMs;
      // The plan was written with the order: going on to settle needs no write of its own.
      if (entryId) this.#settledFills.set(record.id, entryId);
      return { ...record, pending: encodeStep({ stage: "settle", plan }) };
    }
    // A stop-limit waits for its trigger with its funds held: nothing to submit yet.
    if (awaitingTrigger(record)) return this.#persist({ ...record, pending: null });
    // Not written: a crash before the plan is recorded resumes at "hold", which the ledger
    // answers from its first receipt, and submits again (nothing was settled yet).
    return { ...record, pending: encodeStep({ stage: "submit" } satisfies Pending) };
  }

  /** Fill entries already answered in this call, so settling does not ask the ledger again. */
  readonly #settledFills = new Map<string, string>();

  async #fill(record: OrderRecord, fill: NonNullable<SettlementPlan["fill"]>): Promise<string> {
    const receipt = await this.deps.ledger.settleFill({
      idempotencyKey: ledgerKey(record.id, `fill:${fill.number}`),
      holdId: record.id,
      venue: record.venue,
      spentMinor: fill.spentMinor,
      received: fill.received,
      fee: fill.fee,
      reference: `order:${record.id}:fill:${fill.number}`,
    });
    return receipt.entryId;
  }

  /**
   * The venue withdraws the order (again, on a resume: cancelling twice is harmless) and says
   * what executed before the cancel that was not settled yet; one step then settles that fill
   * and releases the rest of the hold, in that order.
   */
  async #cancelAtVenue(record: OrderRecord, reason: string): Promise<OrderRecord> {
    const venue = this.deps.venueFor(record.mode);
    // An untriggered stop-limit never reached the venue: only its hold is released.
    const answer = awaitingTrigger(record)
      ? undefined
      : await this.#timed("venueMs", venue.cancel(restingOf(record)));
    const check: RestingCheck = answer
      ? { ...answer, closed: true }
      : { slices: [], checkedUntilMs: record.checkedUntilMs, closed: true };
    const plan = this.#closingPlan(record, check, reason);
    if (!venue.simulated) {
      plan.audit = {
        event: "order.exchange_cancelled",
        outcome: "success",
        detail: {
          ...exchangeDetail(record, check.venue),
          reason,
          status: plan.after.status,
          filledQuantity: plan.after.filledQuantityMinor.toString(),
        },
      };
    }
    return this.#persist({ ...record, pending: encodeStep({ stage: "settle", plan } satisfies Pending) });
  }

  /**
   * The plan for what a check or a cancel found: settle its slices; when the venue no longer
   * rests the order, close it (filled, or cancelled with `reason`, or `cancelled_at_venue` when
   * the venue ended it by itself) and release what the hold has left.
   */
  #closingPlan(record: OrderRecord, check: RestingCheck, reason: string | null): SettlementPlan {
    const execution: Execution = {
      slices: check.slices,
      rests: check.closed !== true,
      atMs: check.checkedUntilMs,
      venue: check.venue,
    };
    const complete = isComplete(record, execution);
    const plan = this.#settlementFor(record, { ...execution, complete });
    if (check.closed && !complete) plan.after.reason = reason ?? "cancelled_at_venue";
    if (check.closed && reason === null && !this.deps.venueFor(record.mode).simulated) {
      plan.audit = {
        event: "order.exchange_closed",
        outcome: "success",
        detail: {
          ...exchangeDetail(record, check.venue),
          status: plan.after.status,
          filledQuantity: plan.after.filledQuantityMinor.toString(),
        },
      };
    }
    return plan;
  }

  /**
   * Sends the held order to the venue. `mayExist`: an earlier attempt may have reached it, so
   * the venue looks for the order by its id before placing anything (exchange venues).
   */
  async #submit(record: OrderRecord, mayExist: boolean): Promise<OrderRecord> {
    const venue = this.deps.venueFor(record.mode);
    let execution: Execution & { complete: boolean };
    try {
      const raw = await this.#timed("venueMs", venue.submit(venueOrderOf(record), { mayExist }));
      execution = { ...raw, complete: isComplete(record, raw) };
    } catch (error) {
      // Anything but a certain "nothing was placed" stays pending: the alarm asks again.
      if (!(error instanceof VenueUnavailableError) && !(error instanceof VenueRefusedError)) throw error;
      const nowMs = this.deps.now();
      const reason = error instanceof VenueRefusedError ? error.reason : error.code;
      const plan: SettlementPlan = {
        fill: null,
        release: true,
        trades: [],
        after: {
          ...record,
          status: "rejected",
          reason,
          pending: null,
          updatedAtMs: nowMs,
          closedAtMs: nowMs,
        },
      };
      if (!venue.simulated) {
        plan.audit = {
          event: "order.exchange_rejected",
          outcome: "failure",
          detail: {
            ...exchangeDetail(record, undefined),
            reason,
            message: error.message.slice(0, 300),
            ...(error instanceof VenueRefusedError ? error.detail : {}),
            released: remainingHold(record).toString(),
          },
        };
      }
      this.deps.logger?.warn("order refused by the venue; releasing its hold", {
        orderId: record.id,
        reason,
      });
      return this.#persist({ ...record, pending: encodeStep({ stage: "settle", plan }) });
    }
    const plan = this.#settlementFor(record, execution);
    if (!venue.simulated) {
      plan.audit = {
        event: "order.exchange_placed",
        outcome: "success",
        detail: {
          ...exchangeDetail(record, execution.venue),
          status: plan.after.status,
          filledQuantity: plan.after.filledQuantityMinor.toString(),
          recoveredAfterUnknownOutcome: mayExist ? "asked_first" : "no",
        },
      };
    }
    return this.#persist({ ...record, pending: encodeStep({ stage: "settle", plan }) });
  }

  async #settle(record: OrderRecord, plan: SettlementPlan): Promise<OrderRecord> {
    let entryId = "";
    if (plan.fill) {
      const known = this.#settledFills.get(record.id);
      this.#settledFills.delete(record.id);
      entryId = known ?? (await this.#timed("ledgerMs", this.#fill(record, plan.fill)));
    }
    if (plan.release) {
      await this.#timed(
        "ledgerMs",
        this.deps.ledger.release({ idempotencyKey: ledgerKey(record.id, "release"), holdId: record.id }),
      );
    }
    if (plan.audit && this.deps.audit) {
      await this.deps.audit({ ...plan.audit, orderId: record.id, userId: record.userId });
    }
    const after: OrderRecord = { ...plan.after, pending: null, attempts: 0, retryAtMs: null };
    // The referrer's share of the fee is recorded with the fill (referrals.ts), paid just after.
    const reward =
      plan.fill && plan.fill.fee.amountMinor > 0n && this.deps.rewards
        ? rewardInsert(this.deps.db, {
            id: `${record.id}.${plan.fill.number}`,
            refereeId: record.userId,
            orderId: record.id,
            book: record.mode,
            asset: plan.fill.fee.asset,
            feeMinor: plan.fill.fee.amountMinor,
            nowMs: this.deps.now(),
          })
        : null;
    await this.#timed(
      "databaseMs",
      commitOrder(
        this.deps.db,
        after,
        plan.trades.map((trade) => ({ ...trade, ledgerEntryId: entryId })),
        reward ? [reward] : [],
      ),
    );
    if (reward && (await this.#referred())) await this.payRewards();
    return after;
  }

  #referredBy: Promise<boolean> | null = null;

  /** Whether this trader was referred (it never changes after sign-up: asked once). */
  #referred(): Promise<boolean> {
    this.#referredBy ??= referrerOf(this.deps.db, this.userId).then(
      (referrer) => referrer !== null,
      (error: unknown) => {
        this.#referredBy = null;
        throw error;
      },
    );
    return this.#referredBy;
  }

  /**
   * Pays this trader's referrer what their fills earned and is due. Never fails the caller: an
   * unpaid reward stays pending with a backoff and the alarm pays it (see checkResting).
   */
  async payRewards(): Promise<RewardsDue | null> {
    const rewards = this.deps.rewards;
    if (!rewards) return null;
    try {
      return await payDueRewards(
        { db: this.deps.db, ledgerOf: rewards.ledgerOf, logger: this.deps.logger },
        this.userId,
        this.deps.now(),
      );
    } catch (error) {
      this.deps.logger?.warn("referral rewards could not be read; the alarm tries again", { error });
      return { paid: 0, pending: 1, nextRetryAtMs: this.deps.now() + retryDelayMs(1) };
    }
  }

  /** The next state of an order after an execution, and exactly what the ledger must move. */
  #settlementFor(record: OrderRecord, execution: Execution & { complete: boolean }): SettlementPlan {
    const market = MARKETS[record.symbol];
    const baseScale = ASSETS[market.base].scale;
    const accrued = accrue(record, execution.slices, {
      side: record.side,
      baseScale,
      rates: ratesOf(record.makerRate, record.takerRate, record.feeDiscountRate),
    });
    const progress: Progress = accrued.progress;
    const nowMs = this.deps.now();
    const filledSomething = accrued.totals.quantityMinor > 0n;
    const number = record.fillCount + (filledSomething ? 1 : 0);
    let status: OrderRecord["status"];
    let reason: string | null = record.reason;
    if (execution.complete) status = "filled";
    else if (execution.rests) status = progress.filledQuantityMinor > 0n ? "partially_filled" : "open";
    else {
      // A market order the book could not take in full: the rest expires, as on an exchange.
      status = "cancelled";
      reason = progress.filledQuantityMinor > 0n ? "market_rest_expired" : "no_liquidity";
    }
    const done = !RESTING_STATUSES.includes(status);
    const after: OrderRecord = {
      ...record,
      ...progress,
      ...withReceipt(record, execution.venue),
      status,
      reason,
      fillCount: number,
      pending: null,
      updatedAtMs: nowMs,
      closedAtMs: done ? nowMs : null,
    };
    const consumed = consumedFromHold(record.side, progress);
    invariant(
      consumed <= record.holdAmountMinor,
      () => `order ${record.id}: fills would take ${consumed} from a hold of ${record.holdAmountMinor}`,
    );
    let fill: SettlementPlan["fill"] = null;
    if (filledSomething) {
      const { quantityMinor, quoteMinor, feeMinor, feeDiscountMinor } = accrued.totals;
      // The waived part of the list fee travels with the fee (the entry shows both); omitted
      // when nothing was waived, so undiscounted fills keep their request hash.
      const fee = {
        asset: market.quote,
        amountMinor: feeMinor,
        ...(feeDiscountMinor > 0n ? { discountMinor: feeDiscountMinor } : {}),
      };
      // Every slice is at least one lot step at a tick price, or a quote-sized buy's single
      // fill: worth at least one quote minor unit. The ledger refuses a fill of nothing.
      invariant(
        quoteMinor > 0n,
        () => `order ${record.id}: a fill worth less than one ${market.quote} minor unit`,
      );
      fill =
        record.side === "buy"
          ? {
              number,
              spentMinor: quoteMinor,
              received: { asset: market.base, amountMinor: quantityMinor },
              fee,
            }
          : {
              number,
              spentMinor: quantityMinor,
              received: { asset: market.quote, amountMinor: quoteMinor },
              fee,
            };
    }
    return {
      fill,
      release: done && record.holdAmountMinor - consumed > 0n,
      trades: accrued.slices.map((slice, index) => ({
        id: `${record.id}.${number}.${index}`,
        orderId: record.id,
        userId: record.userId,
        mode: record.mode,
        symbol: record.symbol,
        side: record.side,
        liquidity: slice.liquidity,
        price: slice.priceMinor,
        quantity: slice.quantityMinor,
        quoteAsset: market.quote,
        quote: slice.quoteMinor,
        feeAsset: market.quote,
        fee: slice.feeMinor,
        feeDiscount: slice.feeDiscountMinor,
        fillNumber: number,
        createdAtMs: nowMs,
      })),
      after,
    };
  }

  async #persist(record: OrderRecord): Promise<OrderRecord> {
    const stamped = { ...record, updatedAtMs: this.deps.now() };
    await this.#timed("databaseMs", saveOrder(this.deps.db, stamped));
    return stamped;
  }

  /** Ledger and database failures become data (they cross RPC); bugs stay loud in the log. */
  async #guard<T>(run: () => Promise<DeskOutcome<T>>): Promise<DeskOutcome<T>> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof ApiError) {
        return { ok: false, error: failureOf(error) };
      }
      if (error instanceof InvariantViolation) {
        this.deps.logger?.error("order desk invariant broken", { error, userId: this.userId });
        return failed(
          500,
          "invariant_violation",
          "The order was stopped for review; nothing more will move. Support has been alerted.",
        );
      }
      this.deps.logger?.error("order desk step failed", { error, userId: this.userId });
      return failed(
        503,
        "service_unavailable",
        "The order could not be completed right now. Retry with the same Idempotency-Key.",
      );
    }
  }
}

/** An order halted by a broken invariant: never resumed by a retry, only by an operator. */
class OrderHaltedError extends ApiError {
  constructor(readonly orderId: string) {
    super(
      500,
      "order_halted",
      "This order was stopped for review after an internal check failed; nothing more will move. Support has been alerted.",
    );
  }
}

function venueOrderOf(record: OrderRecord): VenueOrder {
  const quantityMinor = record.quantityMinor === null ? undefined : record.quantityMinor;
  return {
    id: record.id,
    symbol: record.symbol,
    side: record.side,
    // A triggered stop-limit is a limit order at its price.
    type: record.type === "stop_limit" ? "limit" : record.type,
    quantityMinor,
    quoteAmountMinor: record.quoteAmountMinor ?? undefined,
    priceMinor: record.priceMinor ?? undefined,
    // A market buy by quantity never executes beyond what its hold pays for (the cap is 0
    // before the hold amount is known: a simulated venue then sizes the hold from the fills).
    maxValueScaled:
      record.side === "buy" &&
      record.type === "market" &&
      quantityMinor !== undefined &&
      record.holdAmountMinor > 0n
        ? marketBuyCap(record)
        : undefined,
  };
}

/** A stop-limit whose stop the market has not reached yet: it rests in the desk only. */
function awaitingTrigger(record: OrderRecord): boolean {
  return record.type === "stop_limit" && record.triggeredAtMs === null;
}

function restingOf(record: OrderRecord): RestingOrder {
  return {
    id: record.id,
    symbol: record.symbol,
    side: record.side,
    priceMinor: record.priceMinor ?? 0n,
    remainingMinor: (record.quantityMinor ?? 0n) - record.filledQuantityMinor,
    checkedUntilMs: record.checkedUntilMs,
    venueTradeId: record.venueTradeId,
  };
}

/** The exchange's side of an execution, added to what the order already records. */
function withReceipt(
  record: OrderRecord,
  receipt: VenueReceipt | undefined,
): Pick<OrderRecord, "venueOrderId" | "venueTradeId" | "venueCommissionAsset" | "venueCommissionMinor"> {
  const kept = {
    venueOrderId: record.venueOrderId,
    venueTradeId: record.venueTradeId,
    venueCommissionAsset: record.venueCommissionAsset,
    venueCommissionMinor: record.venueCommissionMinor,
  };
  if (!receipt) return kept;
  const commission = receipt.commission;
  // One order's commission is always in its received asset; a second asset would be a bug.
  invariant(
    !commission || kept.venueCommissionAsset === null || commission.asset === kept.venueCommissionAsset,
    () =>
      `order ${record.id}: exchange commission in ${commission?.asset} after ${kept.venueCommissionAsset}`,
  );
  return {
    venueOrderId: receipt.exchangeOrderId,
    venueTradeId:
      receipt.lastTradeId === null
        ? kept.venueTradeId
        : Math.max(receipt.lastTradeId, kept.venueTradeId ?? receipt.lastTradeId),
    venueCommissionAsset: commission ? commission.asset : kept.venueCommissionAsset,
    venueCommissionMinor: kept.venueCommissionMinor + (commission?.amountMinor ?? 0n),
  };
}

function exchangeDetail(record: OrderRecord, receipt: VenueReceipt | undefined) {
  return {
    orderId: record.id,
    botId: record.botId,
    symbol: record.symbol,
    side: record.side,
    type: record.type,
    exchangeOrderId: receipt?.exchangeOrderId ?? record.venueOrderId,
    holdAsset: record.holdAsset,
    holdAmount: record.holdAmountMinor.toString(),
  };
}

function remainingHold(record: OrderRecord): bigint {
  return record.holdAmountMinor - consumedFromHold(record.side, record);
}

/**
 * A market buy by quantity may fill up to the value its hold pays for, fee included: the
 * largest notional n with n + maxFee(n) <= hold (sizing.ts held exactly such an n, plus margin).
 */
function marketBuyCap(record: OrderRecord): bigint {
  const rates = ratesOf(record.makerRate, record.takerRate);
  const unit = 10n ** BigInt(ASSETS[MARKETS[record.symbol].base].scale);
  return spendableAfterFees(rates, record.holdAmountMinor) * unit;
}

function isComplete(record: OrderRecord, execution: Execution): boolean {
  if (record.quantityMinor !== null) {
    let executed = 0n;
    for (const slice of execution.slices) executed += slice.quantityMinor;
    return record.filledQuantityMinor + executed >= record.quantityMinor;
  }
  // Sized by quote amount: done when it spent what it could, not cut short by the book's end.
  return execution.slices.length > 0 && execution.bookExhausted !== true;
}

function ledgerKey(orderId: string, step: string): string {
  return `order:${orderId}:${step}`;
}

function outcomeOf(record: OrderRecord): DeskOutcome<OrderView> {
  if (record.status === "rejected") {
    if (record.reason === "insufficient_funds") {
      const market = MARKETS[record.symbol];
      const asset = record.side === "buy" ? market.quote : market.base;
      return failed(
        409,
        "insufficient_funds",
        `Not enough ${asset} available in the ${record.mode} book for this order (fees included).`,
      );
    }
    if (record.reason?.startsWith("exchange_")) {
      return failed(
        record.reason === "exchange_filter_failure" ? 400 : 409,
        record.reason,
        `The exchange refused this LIVE order (${exchangeRefusal(record.reason)}). Nothing was placed, and the funds held for it were released.`,
      );
    }
    if (record.reason === "market_data_stale") {
      return failed(
        503,
        "market_data_stale",
        "Market data is delayed, so the order could not be filled fairly. Nothing was held.",
      );
    }
  }
  return { ok: true, value: orderView(record) };
}

function exchangeRefusal(reason: string): string {
  switch (reason) {
    case "exchange_filter_failure":
      return "it breaks one of the exchange's order rules: lot size, price band or order value";
    case "exchange_insufficient_balance":
      return "the platform's exchange account cannot cover it right now";
    case "exchange_not_placed":
      return "the exchange did not answer, and has no such order";
    case "exchange_invalid_key":
    case "exchange_signature":
    case "exchange_not_configured":
      return "the platform's exchange connection is misconfigured";
    case "exchange_timestamp":
      return "the clocks disagree; try again shortly";
    case "exchange_symbol_not_tradable":
      return "the market is not trading on the exchange";
    default:
      return "the exchange did not accept it";
  }
}

function failed(
  status: DeskFailure["status"],
  code: string,
  message: string,
): { ok: false; error: DeskFailure } {
  return { ok: false, error: { status, code, message } };
}

function failureOf(error: ApiError): DeskFailure {
  const allowed = [400, 403, 404, 409, 500, 503] as const;
  const status = (allowed as readonly number[]).includes(error.status)
    ? (error.status as DeskFailure["status"])
    : 503;
  return {
    status,
    code: error.code,
    message: error.message,
    ...(error.fields ? { fields: error.fields } : {}),
  };
}
