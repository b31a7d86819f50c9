import type { InArgs } from "@libsql/client";
import { and, asc, eq, isNotNull, isNull } from "drizzle-orm";
import type { Client, Database } from "../../../db/client.ts";
import { users } from "../../../db/schema/users.ts";
import { type Withdrawal, withdrawalAddresses, withdrawals } from "../../../db/schema/withdrawals.ts";
import { ApiError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import { writeWithAudit } from "../audit/append.ts";
import type { AuditContext } from "../auth/accounts.ts";
import { sha256Hex } from "../auth/crypto.ts";
import {
  decodeStep,
  encodeStep,
  type HaltReporter,
  InvariantViolation,
  invariant,
  MAX_RESUMED_PER_ALARM,
  retryDelayMs,
} from "../flows/flow.ts";
import { formatAmount } from "../ledger/amount.ts";
import type { AssetCode } from "../ledger/assets.ts";
import type { UserLedgerClient } from "../ledger/client.ts";
import type { GbpValuationProvider } from "../valuation/gbp.ts";
import type { WithdrawalConfig } from "./config.ts";

/**
 * One user's withdrawals, run inside their UserOrders Durable Object (which serialises every
 * call and owns the alarm that resumes them). Record, act, resume (flows/flow.ts):
 *
 *   request     record the withdrawal (`requested`, step `reserve`) -> reserve velocity ->
 *               step `hold` -> hold the funds in the live book -> `held` or `approved`
 *               (a refusal at either step ends `rejected`, the reservation given back)
 *   transition  record the target and its money step on the row (compare-and-set from the
 *               allowed states) -> settle or release the hold -> give back the velocity
 *               reservation if released -> the new status, in one write
 *
 * Ledger keys come from the withdrawal id (`<id>:hold`, `<id>:settle`, `<id>:release`), and the
 * id from the user and their Idempotency-Key, so a retry or a resumed step never moves money
 * twice. A crash between steps leaves the step on the row; the alarm finishes it.
 */

export type Transition = "approve" | "reject" | "process" | "complete" | "fail" | "cancel";
type Status = Withdrawal["status"];

export const TRANSITIONS: Record<
  Transition,
  { from: readonly Status[]; to: Status; funds: "settle" | "release" | null }
> = {
  approve: { from: ["held"], to: "approved", funds: null },
  reject: { from: ["held", "approved"], to: "rejected", funds: "release" },
  process: { from: ["approved"], to: "processing", funds: null },
  complete: { from: ["processing"], to: "completed", funds: "settle" },
  fail: { from: ["processing"], to: "failed", funds: "release" },
  cancel: { from: ["held", "approved"], to: "cancelled", funds: "release" },
};

type Step =
  | { stage: "reserve"; audit: AuditContext }
  | { stage: "hold"; audit: AuditContext }
  /** Refused after the reservation: give it back, then record the refusal. */
  | { stage: "refuse"; reason: string; audit: AuditContext }
  | {
      stage: "transition";
      transition: Transition;
      from: Status;
      actor: string;
      transactionReference?: string | undefined;
      reason?: string | undefined;
      audit: AuditContext;
    };

export interface WithdrawalRequest {
  asset: AssetCode;
  amountMinor: bigint;
  addressId: string;
  idempotencyKey: string;
}

export interface TransitionInput {
  actor: string;
  /** Set when the owner acts (cancel): another user's withdrawal is "not found". */
  ownerId?: string | undefined;
  transactionReference?: string | undefined;
  reason?: string | undefined;
}

interface WithdrawalDeskDependencies {
  db: Database;
  client: Client;
  ledger: UserLedgerClient;
  config: WithdrawalConfig;
  /** GBP prices for the approval threshold and the GBP velocity limits (market, stale-price rule). */
  valuations: GbpValuationProvider;
  now: () => number;
  logger?: Logger | undefined;
  reportHalt?: HaltReporter | undefined;
}

/** Failures cross RPC as data (custom error classes do not). */
export type WithdrawalOutcome =
  | { ok: true; value: Withdrawal }
  | {
      ok: false;
      error: { status: 400 | 403 | 404 | 409 | 500 | 503; code: string; message: string };
    };

const MAX_STEPS = 5;

/** Deterministic from the user and their key: a retry finds the same withdrawal, hold and reservation. */
export async function withdrawalIdFor(userId: string, idempotencyKey: string): Promise<string> {
  const hex = await sha256Hex(`withdrawal:${userId}:${idempotencyKey}`);
  return `wd_${hex.slice(0, 32)}`;
}

export async function withdrawalRequestHash(request: WithdrawalRequest): Promise<string> {
  return sha256Hex(JSON.stringify([request.asset, request.amountMinor.toString(), request.addressId]));
}

export class WithdrawalDesk {
  constructor(
    readonly userId: string,
    private readonly deps: WithdrawalDeskDependencies,
  ) {}

  async request(request: WithdrawalRequest, audit: AuditContext): Promise<WithdrawalOutcome> {
    return this.#guard(async () => {
      const nowMs = this.deps.now();
      const id = await withdrawalIdFor(this.userId, request.idempotencyKey);
      const requestHash = await withdrawalRequestHash(request);
      const existing = await this.#find(id);
      if (existing) return this.#replay(existing, requestHash);
      await this.#assertAllowed(request, nowMs);
      const address = await this.#activeAddress(request, nowMs);
      // Valued once, here, and recorded on the row: velocity and approval use this value ever after.
      const valuation = await this.deps.valuations.snapshot();
      const gbpMinor = valuation.valueMinor(request.asset, request.amountMinor);
      const requiresApproval = gbpMinor >= this.deps.config.approvalThresholdGbpMinor;
      const row: Withdrawal = {
        id,
        userId: this.userId,
        idempotencyKey: request.idempotencyKey,
        requestHash,
        asset: request.asset,
        amount: request.amountMinor,
        amountGbp: gbpMinor,
        addressId: address.id,
        address: address.address,
        status: "requested",
        requiresApproval: requiresApproval ? 1 : 0,
        holdId: `hold_${id}`,
        reviewedBy: requiresApproval ? null : "auto",
        transactionReference: null,
        reason: null,
        pending: encodeStep({ stage: "reserve", audit } satisfies Step),
        attempts: 0,
        retryAtMs: null,
        halted: null,
        createdAtMs: nowMs,
        updatedAtMs: nowMs,
      };
      // Record first: from here on the alarm finishes this withdrawal whatever happens.
      const inserted = await this.deps.db
        .insert(withdrawals)
        .values(row)
        .onConflictDoNothing()
        .returning({ id: withdrawals.id });
      if (inserted.length === 0) {
        const raced = await this.#find(id);
        invariant(raced, `withdrawal ${id}: insert conflicted with no row`);
        return this.#replay(raced, requestHash);
      }
      return requestOutcome(await this.#advance(row));
    });
  }

  async transition(
    withdrawalId: string,
    transition: Transition,
    input: TransitionInput,
    audit: AuditContext,
  ): Promise<WithdrawalOutcome> {
    return this.#guard(async () => {
      const found = await this.#find(withdrawalId);
      if (!found || (input.ownerId !== undefined && found.userId !== input.ownerId)) {
        throw new ApiError(404, "not_found", "No such withdrawal.");
      }
      const row = await this.#advance(found);
      const rule = TRANSITIONS[transition];
      if (!rule.from.includes(row.status)) {
        throw new ApiError(
          409,
          "invalid_state",
          `A ${row.status} withdrawal cannot be moved with "${transition}".`,
        );
      }
      if (transition === "complete" && !input.transactionReference) {
        throw new ApiError(400, "invalid_request", "Completing needs the transaction reference.", {
          fields: { transactionReference: "is required" },
        });
      }
      const step: Step = {
        stage: "transition",
        transition,
        from: row.status,
        actor: input.actor,
        transactionReference: input.transactionReference,
        reason: input.reason,
        audit,
      };
      const nowMs = this.deps.now();
      // Record: compare-and-set from the state just read, so two operators cannot both win.
      const recorded = await this.deps.db
        .update(withdrawals)
        .set({ pending: encodeStep(step), attempts: 0, retryAtMs: null, updatedAtMs: nowMs })
        .where(
          and(
            eq(withdrawals.id, row.id),
            eq(withdrawals.status, row.status),
            isNull(withdrawals.pending),
            isNull(withdrawals.halted),
          ),
        )
        .returning();
      const claimed = recorded[0];
      if (!claimed)
        throw new ApiError(409, "invalid_state", "The withdrawal changed meanwhile. Reload and retry.");
      return { ok: true as const, value: await this.#advance(claimed) };
    });
  }

  /**
   * Finishes every withdrawal of this user with a step in flight (the alarm's work). Each is
   * its own unit of failure. Returns when to wake again (null: nothing pending).
   */
  async resumePending(): Promise<{ pending: number; halted: number; nextWakeMs: number | null }> {
    const nowMs = this.deps.now();
    const rows = await this.deps.db
      .select()
      .from(withdrawals)
      .where(and(eq(withdrawals.userId, this.userId), isNotNull(withdrawals.pending)))
      .orderBy(asc(withdrawals.createdAtMs))
      .limit(MAX_RESUMED_PER_ALARM + 1);
    let pending = 0;
    let halted = 0;
    let nextWakeMs: number | null = null;
    const wakeAt = (atMs: number) => {
      nextWakeMs = nextWakeMs === null ? atMs : Math.min(nextWakeMs, atMs);
    };
    for (const [index, row] of rows.entries()) {
      if (row.halted) {
        halted++;
        continue;
      }
      if (index >= MAX_RESUMED_PER_ALARM) {
        pending++;
        wakeAt(nowMs + 1_000);
        continue;
      }
      if (row.retryAtMs !== null && row.retryAtMs > nowMs) {
        pending++;
        wakeAt(row.retryAtMs);
        continue;
      }
      try {
        await this.#advance(row);
      } catch (error) {
        if (error instanceof WithdrawalHaltedError) {
          halted++;
          continue;
        }
        pending++;
        wakeAt(nowMs + retryDelayMs(row.attempts + 1));
        this.deps.logger?.warn("withdrawal step failed; retrying with backoff", {
          withdrawalId: row.id,
          attempts: row.attempts + 1,
          error,
        });
      }
    }
    return { pending, halted, nextWakeMs };
  }

  // ---- Steps -----------------------------------------------------------------------------

  async #advance(start: Withdrawal): Promise<Withdrawal> {
    if (start.halted) throw new WithdrawalHaltedError(start.id);
    if (!start.pending) return start;
    try {
      let row = start;
      for (let step = 0; step < MAX_STEPS && row.pending; step++) {
        row = await this.#run(row, decodeStep<Step>(row.pending));
      }
      invariant(!row.pending, () => `withdrawal ${start.id} did not finish in ${MAX_STEPS} steps`);
      return row;
    } catch (error) {
      throw await this.#failed(start, error);
    }
  }

  async #run(row: Withdrawal, step: Step): Promise<Withdrawal> {
    switch (step.stage) {
      case "reserve": {
        const velocity = await this.deps.ledger.reserveWithdrawalVelocity({
          withdrawalId: row.id,
          asset: row.asset,
          amountMinor: row.amount,
          gbpMinor: row.amountGbp,
          nowMs: row.createdAtMs,
          limits: this.deps.config.velocity,
        });
        if (!velocity.ok) {
          // Nothing was reserved: the refusal needs no give-back.
          return this.#finishRequest(row, { refused: `velocity:${velocity.limit}` }, step.audit);
        }
        return this.#write(row, { pending: encodeStep({ stage: "hold", audit: step.audit } satisfies Step) });
      }
      case "hold": {
        try {
          await this.deps.ledger.withdrawalHold({
            idempotencyKey: `${row.id}:hold`,
            book: "live",
            holdId: row.holdId,
            asset: row.asset as AssetCode,
            amountMinor: row.amount,
            reference: row.id,
          });
        } catch (error) {
          if (error instanceof ApiError && error.code === "insufficient_funds") {
            return this.#write(row, {
              pending: encodeStep({
                stage: "refuse",
                reason: "insufficient_funds",
                audit: step.audit,
              } satisfies Step),
            });
          }
          throw error;
        }
        return this.#finishRequest(row, { refused: null }, step.audit);
      }
      case "refuse": {
        await this.deps.ledger.releaseWithdrawalVelocity(row.id);
        return this.#finishRequest(row, { refused: step.reason }, step.audit);
      }
      case "transition":
        return this.#finishTransition(row, step);
    }
  }

  async #finishRequest(
    row: Withdrawal,
    outcome: { refused: string | null },
    audit: AuditContext,
  ): Promise<Withdrawal> {
    const status: Status =
      outcome.refused !== null ? "rejected" : row.requiresApproval === 1 ? "held" : "approved";
    return this.#write(
      row,
      { status, reason: outcome.refused, pending: null, attempts: 0, retryAtMs: null },
      {
        event: outcome.refused === null ? "withdrawal.requested" : "withdrawal.refused",
        outcome: outcome.refused === null ? "success" : "failure",
        actor: `user:${row.userId}`,
        userId: row.userId,
        ...audit,
        detail: {
          withdrawalId: row.id,
          asset: row.asset,
          amount: formatAmount(row.asset as AssetCode, row.amount),
          requiresApproval: row.requiresApproval === 1,
          addressTail: row.address.slice(-6),
          ...(outcome.refused !== null ? { reason: outcome.refused } : {}),
        },
      },
    );
  }

  async #finishTransition(
    row: Withdrawal,
    step: Extract<Step, { stage: "transition" }>,
  ): Promise<Withdrawal> {
    const rule = TRANSITIONS[step.transition];
    invariant(
      row.status === step.from && rule.from.includes(row.status),
      () => `withdrawal ${row.id}: recorded ${step.transition} from ${step.from}, row is ${row.status}`,
    );
    if (rule.funds === "settle") {
      await this.deps.ledger.withdrawalSettle({ idempotencyKey: `${row.id}:settle`, holdId: row.holdId });
    } else if (rule.funds === "release") {
      await this.deps.ledger.withdrawalRelease({ idempotencyKey: `${row.id}:release`, holdId: row.holdId });
      await this.deps.ledger.releaseWithdrawalVelocity(row.id);
    }
    return this.#write(
      row,
      {
        status: rule.to,
        pending: null,
        attempts: 0,
        retryAtMs: null,
        ...(step.transition === "approve" || step.transition === "reject" ? { reviewedBy: step.actor } : {}),
        ...(step.transactionReference ? { transactionReference: step.transactionReference } : {}),
        ...(step.reason ? { reason: step.reason } : {}),
      },
      {
        event: `withdrawal.${rule.to}`,
        outcome: "success",
        actor: step.actor,
        userId: row.userId,
        ...step.audit,
        detail: { withdrawalId: row.id, from: step.from, ...(step.reason ? { reason: step.reason } : {}) },
      },
    );
  }

  /**
   * Writes the row's next state — only the columns that change, never `halted` — if its step
   * is still the one this call ran (compare-and-set). With `audit`, the event is written in the
   * same atomic batch, so a finished step always has its audit row and never two. Losing the
   * compare-and-set means another instance already ran this step (an alarm delivered twice
   * across a restart): the row as it now is goes on, nothing is written twice.
   */
  async #write(
    row: Withdrawal,
    changes: Partial<Omit<Withdrawal, "id" | "halted">>,
    audit?: Parameters<typeof writeWithAudit>[2],
  ): Promise<Withdrawal> {
    const updatedAtMs = this.deps.now();
    const update = this.deps.db
      .update(withdrawals)
      .set({ ...changes, updatedAtMs })
      .where(
        and(
          eq(withdrawals.id, row.id),
          isNull(withdrawals.halted),
          row.pending === null ? isNull(withdrawals.pending) : eq(withdrawals.pending, row.pending),
        ),
      );
    let written: boolean;
    if (audit) {
      const query = update.toSQL();
      written = await writeWithAudit(
        this.deps.client,
        { sql: query.sql, args: query.params as InArgs },
        audit,
      );
    } else {
      written = (await update.returning({ id: withdrawals.id })).length === 1;
    }
    if (written) return { ...row, ...changes, updatedAtMs };
    const current = await this.#find(row.id);
    invariant(current, () => `withdrawal ${row.id} disappeared`);
    if (current.halted) throw new WithdrawalHaltedError(row.id);
    return current;
  }

  async #failed(row: Withdrawal, error: unknown): Promise<unknown> {
    if (error instanceof WithdrawalHaltedError) return error;
    const permanent =
      error instanceof InvariantViolation || (error instanceof ApiError && error.status < 500);
    if (permanent) {
      const reason = `${error instanceof InvariantViolation ? "invariant" : (error as ApiError).code}: ${(error as Error).message}`;
      this.deps.logger?.error("withdrawal halted: a step broke an invariant", {
        withdrawalId: row.id,
        reason,
      });
      await this.deps.db
        .update(withdrawals)
        .set({ halted: reason.slice(0, 500), retryAtMs: null })
        .where(eq(withdrawals.id, row.id))
        .catch((writeError: unknown) =>
          this.deps.logger?.error("could not record the halted withdrawal", {
            withdrawalId: row.id,
            error: writeError,
          }),
        );
      await this.deps.reportHalt?.({ flow: "withdrawal", id: row.id, userId: this.userId, reason });
      return new WithdrawalHaltedError(row.id);
    }
    const attempts = row.attempts + 1;
    await this.deps.db
      .update(withdrawals)
      .set({ attempts, retryAtMs: this.deps.now() + retryDelayMs(attempts) })
      .where(eq(withdrawals.id, row.id))
      .catch(() => undefined); // the database may be what failed; the alarm has its own schedule
    return error;
  }

  async #replay(existing: Withdrawal, requestHash: string): Promise<WithdrawalOutcome> {
    if (existing.requestHash !== requestHash) {
      throw new ApiError(
        409,
        "idempotency_conflict",
        "This Idempotency-Key was used with a different request.",
      );
    }
    return requestOutcome(await this.#advance(existing));
  }

  async #find(id: string): Promise<Withdrawal | null> {
    const rows = await this.deps.db
      .select()
      .from(withdrawals)
      .where(and(eq(withdrawals.id, id), eq(withdrawals.userId, this.userId)))
      .limit(1);
    return rows[0] ?? null;
  }

  async #assertAllowed(request: WithdrawalRequest, nowMs: number): Promise<void> {
    invariant(request.amountMinor > 0n, "a withdrawal of nothing reached the desk");
    const userRows = await this.deps.db
      .select({ lockedUntil: users.withdrawalsLockedUntilMs })
      .from(users)
      .where(eq(users.id, this.userId))
      .limit(1);
    const lockedUntil = userRows[0]?.lockedUntil ?? 0;
    if (lockedUntil > nowMs) {
      throw new ApiError(
        403,
        "withdrawals_locked",
        `Withdrawals are paused until ${new Date(lockedUntil).toISOString()} after a recent security change.`,
      );
    }
  }

  async #activeAddress(request: WithdrawalRequest, nowMs: number) {
    const addressRows = await this.deps.db
      .select()
      .from(withdrawalAddresses)
      .where(and(eq(withdrawalAddresses.id, request.addressId), eq(withdrawalAddresses.userId, this.userId)))
      .limit(1);
    const address = addressRows[0];
    if (
      !address ||
      address.removedAtMs !== null ||
      address.activeAtMs > nowMs ||
      address.asset !== request.asset
    ) {
      throw new ApiError(
        403,
        "address_not_active",
        address && address.activeAtMs > nowMs && address.removedAtMs === null
          ? `This address becomes usable at ${new Date(address.activeAtMs).toISOString()} (cooling-off period).`
          : "Withdraw only to an active whitelisted address for this asset.",
      );
    }
    return address;
  }

  async #guard(run: () => Promise<WithdrawalOutcome>): Promise<WithdrawalOutcome> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof ApiError) {
        const allowed = [400, 403, 404, 409, 500, 503] as const;
        const status = (allowed as readonly number[]).includes(error.status)
          ? (error.status as (typeof allowed)[number])
          : 503;
        return { ok: false, error: { status, code: error.code, message: error.message } };
      }
      if (error instanceof InvariantViolation) {
        this.deps.logger?.error("withdrawal desk invariant broken", { error, userId: this.userId });
        return {
          ok: false,
          error: {
            status: 500,
            code: "invariant_violation",
            message:
              "The withdrawal was stopped for review; nothing more will move. Support has been alerted.",
          },
        };
      }
      this.deps.logger?.error("withdrawal step failed", { error, userId: this.userId });
      return {
        ok: false,
        error: {
          status: 503,
          code: "service_unavailable",
          message:
            "The withdrawal could not be completed right now. It finishes on its own; retrying with the same Idempotency-Key is safe.",
        },
      };
    }
  }
}

/** A request that ended refused answers as it was first refused, however often it is retried. */
function requestOutcome(row: Withdrawal): WithdrawalOutcome {
  if (row.status === "rejected" && row.reason === "insufficient_funds") {
    return {
      ok: false,
      error: {
        status: 409,
        code: "insufficient_funds",
        message: `Not enough ${row.asset} available in the live book for this withdrawal.`,
      },
    };
  }
  if (row.status === "rejected" && row.reason?.startsWith("velocity:")) {
    return {
      ok: false,
      error: {
        status: 403,
        code: "velocity_limit_exceeded",
        message: `This withdrawal would exceed the limit on ${row.reason.slice("velocity:".length)}.`,
      },
    };
  }
  return { ok: true, value: row };
}

/** A withdrawal halted by a broken invariant: left for an operator, never retried. */
class WithdrawalHaltedError extends ApiError {
  constructor(readonly withdrawalId: string) {
    super(
      500,
      "withdrawal_halted",
      "This withdrawal was stopped for review after an internal check failed; nothing more will move. Support has been alerted.",
    );
  }
}
