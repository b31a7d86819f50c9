import { and, asc, desc, eq, inArray, isNull, lte } from "drizzle-orm";
import type { Client, Database } from "../../../db/client.ts";
import { bots } from "../../../db/schema/bots.ts";
import {
  type PlanChangeRow,
  planChanges,
  type SubscriptionRow,
  subscriptions,
} from "../../../db/schema/monetisation.ts";
import type { Bindings } from "../../env.ts";
import { ApiError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import { type AuditEvent, writeWithAudit } from "../audit/append.ts";
import type { AuditContext } from "../auth/accounts.ts";
import { sha256Hex } from "../auth/crypto.ts";
import { retryDelayMs } from "../flows/flow.ts";
import { formatAmount } from "../ledger/amount.ts";
import { userLedger } from "../ledger/client.ts";
import { isolateMetrics } from "../metrics/recorder.ts";
import { botClient } from "../objects/bot.ts";
import {
  isPlanName,
  PLAN_PERIOD_MS,
  PLANS,
  type PlanName,
  type PlanTerms,
  PRICE_ASSET,
} from "./catalogue.ts";

/**
 * Bot plans: what a trader is on, changing it, renewing it.
 *
 * Every change that charges money is record, act, resume (README decision record 019):
 *   1. take the user's one change slot (`subscriptions.change_in_flight`, compare-and-set) and
 *      record the change (`plan_changes`, pending) with its amount and period;
 *   2. charge the live GBP wallet through the ledger with a key derived from the user, the plan
 *      and the period start: a retry, a resume or a second request for the same period charges
 *      once;
 *   3. apply it (plan, period, slot freed) and its audit row in one atomic batch.
 * A crash or an outage between the steps leaves the change pending; the next look at the
 * user's plan (any request that needs it) or the scheduled sweep (sweepPlans, run by the
 * Reconciler object's alarm) carries it on. A refused charge (not enough GBP) frees the slot,
 * charges nothing and changes nothing.
 *
 * Upgrades take effect at once: from free, a new 30-day period at the full price; between paid
 * plans, the price difference for what is left of the period (rounded down). Downgrades never
 * take effect mid-period: they are scheduled for the period's end, when nothing is charged.
 * A renewal that cannot be charged moves the trader to free at the period's end, with a
 * notice; bots beyond the free plan's limits are then paused, never deleted (enforceLimits).
 */

export interface PlanDeps {
  db: Database;
  client: Client;
  env: Pick<Bindings, "USER_LEDGER" | "BOT">;
  logger?: Logger | undefined;
}

export interface PlanState {
  terms: PlanTerms;
  periodStartMs: number | null;
  renewsAtMs: number | null;
  scheduledPlan: PlanName | null;
  notice: { message: string; atMs: number } | null;
}

/** Changes the platform makes by itself (renewals, resumes, pausing bots). */
const SYSTEM_AUDIT: AuditContext = { requestId: "system:plans", ipAddress: "127.0.0.1" };
/** Bots not stopped: what a plan's maxActiveBots counts. */
const HELD_BOT_STATUSES = ["draft", "awaiting_confirmation", "running", "paused"] as const;

function stateOf(row: SubscriptionRow | undefined): PlanState {
  if (!row)
    return { terms: PLANS.free, periodStartMs: null, renewsAtMs: null, scheduledPlan: null, notice: null };
  return {
    terms: PLANS[isPlanName(row.plan) ? row.plan : "free"],
    periodStartMs: row.periodStartMs,
    renewsAtMs: row.renewsAtMs,
    scheduledPlan: row.scheduledPlan,
    notice: row.notice === null ? null : { message: row.notice, atMs: row.noticeAtMs ?? row.updatedAtMs },
  };
}

async function subscriptionOf(db: Database, userId: string): Promise<SubscriptionRow | undefined> {
  const rows = await db.select().from(subscriptions).where(eq(subscriptions.userId, userId)).limit(1);
  return rows[0];
}

/**
 * The trader's plan now, after finishing whatever is due: a change left in flight, a renewal or
 * a scheduled downgrade whose time has come. Cheap when nothing is due (one read).
 */
export async function planOf(deps: PlanDeps, userId: string, nowMs: number): Promise<PlanState> {
  let row = await subscriptionOf(deps.db, userId);
  for (let step = 0; step < 3 && row; step++) {
    if (row.changeInFlight !== null) {
      await resumeChange(deps, row, nowMs);
    } else if (row.renewsAtMs !== null && row.renewsAtMs <= nowMs) {
      await renew(deps, row, nowMs);
    } else {
      break;
    }
    row = await subscriptionOf(deps.db, userId);
  }
  return stateOf(row);
}

interface ChangeRequest {
  plan: string;
  /** The client's Idempotency-Key, namespaced by door ("api:…", "page:…"). */
  clientKey: string;
}

/** POST /account/plan and the Account page: upgrade now, or schedule a downgrade. */
export async function changePlan(
  deps: PlanDeps,
  userId: string,
  request: ChangeRequest,
  audit: AuditContext,
  nowMs: number,
): Promise<PlanState> {
  if (!isPlanName(request.plan)) {
    throw new ApiError(400, "invalid_request", "Choose free, pro or elite.", {
      fields: { plan: "must be free, pro or elite" },
    });
  }
  const target = PLANS[request.plan];
  const id = `plan_${(await sha256Hex(`plan:${userId}:${request.clientKey}`)).slice(0, 32)}`;
  const requestHash = await sha256Hex(`plan:${target.name}`);
  const earlier = await changeById(deps.db, id);
  if (earlier) {
    if (earlier.requestHash !== requestHash) {
      throw new ApiError(
        409,
        "idempotency_conflict",
        "This Idempotency-Key was already used for another plan change.",
      );
    }
    if (earlier.status === "pending") await planOf(deps, userId, nowMs);
    const settled = await changeById(deps.db, id);
    if (settled?.status === "refused") throw refusal(settled);
    return planOf(deps, userId, nowMs);
  }
  const current = await planOf(deps, userId, nowMs);
  if (target.name === current.terms.name) {
    if (current.scheduledPlan === null) return current;
    // Staying after all: the scheduled downgrade is dropped, nothing is charged.
    await applyWithoutCharge(deps, userId, id, request.clientKey, requestHash, "cancel_downgrade", current, {
      event: "plan.downgrade_cancelled",
      audit,
      nowMs,
      set: { scheduledPlan: null },
    });
    return planOf(deps, userId, nowMs);
  }
  if (target.rank < current.terms.rank) {
    await assertWithinLimits(deps.db, userId, target);
    await applyWithoutCharge(deps, userId, id, request.clientKey, requestHash, "downgrade", current, {
      event: "plan.downgrade_scheduled",
      audit,
      nowMs,
      set: { scheduledPlan: target.name },
    });
    return planOf(deps, userId, nowMs);
  }
  // An upgrade: from free a new period at full price; between paid plans the difference for
  // what is left of the period, rounded down.
  const paidPeriod =
    current.periodStartMs !== null && current.renewsAtMs !== null && current.renewsAtMs > nowMs;
  const periodStartMs = paidPeriod ? (current.periodStartMs as number) : nowMs;
  const periodEndMs = paidPeriod ? (current.renewsAtMs as number) : nowMs + PLAN_PERIOD_MS;
  const amount = paidPeriod
    ? ((target.monthlyPriceMinor - current.terms.monthlyPriceMinor) * BigInt(periodEndMs - nowMs)) /
      BigInt(PLAN_PERIOD_MS)
    : target.monthlyPriceMinor;
  const change = newChange(
    {
      id,
      userId,
      clientKey: request.clientKey,
      requestHash,
      kind: "upgrade",
      fromPlan: current.terms.name,
      toPlan: target.name,
      periodStartMs,
      periodEndMs,
      amount,
    },
    nowMs,
  );
  await record(deps, change, nowMs);
  const after = await carryOut(deps, change, audit, nowMs);
  if (after.status === "refused") throw refusal(after);
  if (after.status === "pending") {
    throw new ApiError(
      503,
      "service_unavailable",
      "Your plan change is recorded and will complete shortly; send the same request again to see it.",
    );
  }
  return planOf(deps, userId, nowMs);
}

/** A plan change as first recorded: pending (or done, for one that moves no money), no attempts yet. */
function newChange(
  fields: Omit<
    PlanChangeRow,
    "status" | "reason" | "entryId" | "attempts" | "retryAtMs" | "createdAtMs" | "updatedAtMs"
  > &
    Partial<Pick<PlanChangeRow, "status">>,
  nowMs: number,
): PlanChangeRow {
  return {
    status: "pending",
    reason: null,
    entryId: null,
    attempts: 0,
    retryAtMs: null,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    ...fields,
  };
}

function refusal(change: PlanChangeRow): ApiError {
  if (change.reason === "insufficient_funds") {
    return new ApiError(
      409,
      "insufficient_funds",
      `Not enough GBP available in your live wallet: the ${change.toPlan} plan needs ${formatAmount(PRICE_ASSET, change.amount)} GBP now.`,
    );
  }
  return new ApiError(409, change.reason ?? "plan_change_refused", "This plan change could not be made.");
}

async function changeById(db: Database, id: string): Promise<PlanChangeRow | undefined> {
  const rows = await db.select().from(planChanges).where(eq(planChanges.id, id)).limit(1);
  return rows[0];
}

/** Step 1: the user's change slot and the change's record. 409 while another change runs. */
async function record(deps: PlanDeps, change: PlanChangeRow, nowMs: number): Promise<void> {
  await deps.db
    .insert(subscriptions)
    .values({ userId: change.userId, plan: "free", updatedAtMs: nowMs })
    .onConflictDoNothing();
  const [, claimed] = await deps.db.batch([
    deps.db.insert(planChanges).values(change).onConflictDoNothing(),
    deps.db
      .update(subscriptions)
      .set({ changeInFlight: change.id, updatedAtMs: nowMs })
      .where(and(eq(subscriptions.userId, change.userId), isNull(subscriptions.changeInFlight))),
  ]);
  if (claimed.rowsAffected !== 1) {
    await deps.db
      .update(planChanges)
      .set({ status: "refused", reason: "plan_change_in_progress", updatedAtMs: nowMs })
      .where(and(eq(planChanges.id, change.id), eq(planChanges.status, "pending")));
    throw new ApiError(
      409,
      "plan_change_in_progress",
      "Another change of your plan is being made; try again.",
    );
  }
}

/** Steps 2 and 3 for a recorded change; answers the change as it then is. */
async function carryOut(
  deps: PlanDeps,
  change: PlanChangeRow,
  audit: AuditContext,
  nowMs: number,
): Promise<PlanChangeRow> {
  let entryId: string | null = null;
  if (change.amount > 0n) {
    try {
      const receipt = await userLedger(deps.env, change.userId).planCharge({
        idempotencyKey: `plan:${change.userId}:${change.toPlan}:${change.periodStartMs}`,
        asset: PRICE_ASSET,
        amountMinor: change.amount,
        reference: `plan:${change.toPlan}:${new Date(change.periodStartMs).toISOString()}`,
      });
      entryId = receipt.entryId;
    } catch (error) {
      if (error instanceof ApiError && error.status < 500)
        return refuse(deps, change, error.code, audit, nowMs);
      const attempts = change.attempts + 1;
      isolateMetrics.increment("chx_plan_changes_total", { kind: change.kind, outcome: "retry" });
      deps.logger?.warn("plan charge not completed; it will be resumed", {
        changeId: change.id,
        attempts,
        error,
      });
      await deps.db
        .update(planChanges)
        .set({ attempts, retryAtMs: nowMs + retryDelayMs(attempts), updatedAtMs: nowMs })
        .where(eq(planChanges.id, change.id));
      return { ...change, attempts };
    }
  }
  const target = PLANS[change.toPlan as PlanName];
  const applied = await writeWithAudit(
    deps.client,
    {
      sql: `UPDATE subscriptions SET plan = ?, period_start_ms = ?, renews_at_ms = ?, scheduled_plan = NULL,
              change_in_flight = NULL, notice = NULL, notice_at_ms = NULL, updated_at_ms = ?
            WHERE user_id = ? AND change_in_flight = ?`,
      args: [
        target.name,
        target.name === "free" ? null : change.periodStartMs,
        target.name === "free" ? null : change.periodEndMs,
        nowMs,
        change.userId,
        change.id,
      ],
    },
    planAudit(change.kind === "renewal" ? "plan.renewed" : "plan.upgraded", change, audit, nowMs),
    [
      {
        sql: "UPDATE plan_changes SET status = 'done', entry_id = ?, updated_at_ms = ? WHERE id = ? AND status = 'pending'",
        args: [entryId, nowMs, change.id],
      },
    ],
  );
  if (!applied) deps.logger?.warn("plan change applied by another run", { changeId: change.id });
  else isolateMetrics.increment("chx_plan_changes_total", { kind: change.kind, outcome: "done" });
  return { ...change, status: "done", entryId };
}

async function refuse(
  deps: PlanDeps,
  change: PlanChangeRow,
  reason: string,
  audit: AuditContext,
  nowMs: number,
): Promise<PlanChangeRow> {
  const renewal = change.kind === "renewal";
  const free = PLANS.free;
  // A renewal that cannot be charged ends the paid plan at the period's end (now), with a notice.
  const notice = renewal
    ? `Your ${change.fromPlan} plan could not be renewed on ${new Date(change.periodStartMs).toISOString().slice(0, 10)}: not enough GBP in your live wallet for ${formatAmount(PRICE_ASSET, change.amount)} GBP. You are on the free plan now.`
    : null;
  await writeWithAudit(
    deps.client,
    {
      sql: renewal
        ? `UPDATE subscriptions SET plan = 'free', period_start_ms = NULL, renews_at_ms = NULL, scheduled_plan = NULL,
             change_in_flight = NULL, notice = ?, notice_at_ms = ?, updated_at_ms = ? WHERE user_id = ? AND change_in_flight = ?`
        : "UPDATE subscriptions SET change_in_flight = NULL, updated_at_ms = ? WHERE user_id = ? AND change_in_flight = ?",
      args: renewal ? [notice, nowMs, nowMs, change.userId, change.id] : [nowMs, change.userId, change.id],
    },
    planAudit(renewal ? "plan.renewal_failed" : "plan.upgrade_refused", { ...change, reason }, audit, nowMs),
    [
      {
        sql: "UPDATE plan_changes SET status = 'refused', reason = ?, updated_at_ms = ? WHERE id = ? AND status = 'pending'",
        args: [reason, nowMs, change.id],
      },
    ],
  );
  isolateMetrics.increment("chx_plan_changes_total", { kind: change.kind, outcome: "refused" });
  if (renewal) await enforceLimits(deps, change.userId, free, nowMs);
  return { ...change, status: "refused", reason };
}

/** A change that moves no money (a scheduled downgrade, or dropping one): recorded and audited at once. */
async function applyWithoutCharge(
  deps: PlanDeps,
  userId: string,
  id: string,
  clientKey: string,
  requestHash: string,
  kind: "downgrade" | "cancel_downgrade",
  current: PlanState,
  options: { event: string; audit: AuditContext; nowMs: number; set: { scheduledPlan: PlanName | null } },
): Promise<void> {
  const change = newChange(
    {
      id,
      userId,
      clientKey,
      requestHash,
      kind,
      fromPlan: current.terms.name,
      toPlan: options.set.scheduledPlan ?? current.terms.name,
      periodStartMs: current.periodStartMs ?? options.nowMs,
      periodEndMs: current.renewsAtMs ?? options.nowMs,
      amount: 0n,
      status: "done",
    },
    options.nowMs,
  );
  const inserted = await deps.db.insert(planChanges).values(change).onConflictDoNothing();
  if (inserted.rowsAffected !== 1) return; // the same request again: already done
  isolateMetrics.increment("chx_plan_changes_total", { kind, outcome: "done" });
  await writeWithAudit(
    deps.client,
    {
      sql: "UPDATE subscriptions SET scheduled_plan = ?, updated_at_ms = ? WHERE user_id = ? AND change_in_flight IS NULL",
      args: [options.set.scheduledPlan, options.nowMs, userId],
    },
    planAudit(options.event, change, options.audit, options.nowMs),
  );
}

/** A change left in flight by a crash or an outage: carried on with the same keys. */
async function resumeChange(deps: PlanDeps, row: SubscriptionRow, nowMs: number): Promise<void> {
  const change = row.changeInFlight ? await changeById(deps.db, row.changeInFlight) : undefined;
  if (change?.status !== "pending") {
    // The slot was taken but the change never recorded, or it finished without freeing it.
    await deps.db
      .update(subscriptions)
      .set({ changeInFlight: null, updatedAtMs: nowMs })
      .where(
        and(eq(subscriptions.userId, row.userId), eq(subscriptions.changeInFlight, row.changeInFlight ?? "")),
      );
    return;
  }
  if (change.retryAtMs !== null && change.retryAtMs > nowMs) return;
  await carryOut(deps, change, SYSTEM_AUDIT, nowMs);
}

/** The period has ended: renew at the (possibly scheduled) plan's price, or move to free. */
async function renew(deps: PlanDeps, row: SubscriptionRow, nowMs: number): Promise<void> {
  const endedMs = row.renewsAtMs ?? nowMs;
  const next = PLANS[row.scheduledPlan ?? (isPlanName(row.plan) ? row.plan : "free")];
  // Away for more than a whole period (no sweep ran): the new period starts now.
  const periodStartMs = nowMs - endedMs >= PLAN_PERIOD_MS ? nowMs : endedMs;
  const change = newChange(
    {
      id: `renewal_${(await sha256Hex(`renewal:${row.userId}:${periodStartMs}`)).slice(0, 32)}`,
      userId: row.userId,
      clientKey: null,
      requestHash: await sha256Hex(`renewal:${next.name}`),
      kind: "renewal",
      fromPlan: row.plan,
      toPlan: next.name,
      periodStartMs,
      periodEndMs: periodStartMs + PLAN_PERIOD_MS,
      amount: next.monthlyPriceMinor,
    },
    nowMs,
  );
  try {
    await record(deps, change, nowMs);
  } catch (error) {
    if (error instanceof ApiError && error.code === "plan_change_in_progress") return;
    throw error;
  }
  const after = await carryOut(deps, change, SYSTEM_AUDIT, nowMs);
  if (after.status === "done" && next.name !== row.plan) await enforceLimits(deps, row.userId, next, nowMs);
}

/** The scheduled sweep: every plan whose period has ended, and every change left in flight. */
export async function sweepPlans(deps: PlanDeps, nowMs: number, limit = 200): Promise<{ users: number }> {
  const due = await deps.db
    .select({ userId: subscriptions.userId })
    .from(subscriptions)
    .where(lte(subscriptions.renewsAtMs, nowMs))
    .orderBy(asc(subscriptions.renewsAtMs))
    .limit(limit);
  const stuck = await deps.db
    .select({ userId: planChanges.userId })
    .from(planChanges)
    .where(and(eq(planChanges.status, "pending"), lte(planChanges.updatedAtMs, nowMs - 30_000)))
    .limit(limit);
  const users = new Set([...due, ...stuck].map((row) => row.userId));
  for (const userId of users) {
    try {
      await planOf(deps, userId, nowMs);
    } catch (error) {
      deps.logger?.warn("plan renewal sweep failed for a user; next sweep retries", { userId, error });
    }
  }
  return { users: users.size };
}

/** Refuses a downgrade the trader's bots would not fit (they choose which to stop). */
async function assertWithinLimits(db: Database, userId: string, target: PlanTerms): Promise<void> {
  const held = await heldBots(db, userId);
  const live = held.filter((bot) => bot.mode === "live");
  if (held.length > target.maxActiveBots || live.length > target.maxLiveBots) {
    throw new ApiError(
      403,
      "plan_limit_reached",
      `The ${target.name} plan allows ${target.maxActiveBots} bots (${target.maxLiveBots} LIVE); you have ${held.length} (${live.length} LIVE). Stop some bots first.`,
    );
  }
}

async function heldBots(db: Database, userId: string) {
  return db
    .select({ id: bots.id, mode: bots.mode, status: bots.status })
    .from(bots)
    .where(and(eq(bots.userId, userId), inArray(bots.status, [...HELD_BOT_STATUSES])))
    .orderBy(desc(bots.createdAtMs))
    .limit(1_000);
}

/**
 * After a plan ends: running bots beyond its limits are paused, newest first (never stopped or
 * deleted: their allocations, orders and history stay), and the trader is told which.
 */
export async function enforceLimits(deps: PlanDeps, userId: string, terms: PlanTerms, nowMs: number) {
  const held = await heldBots(deps.db, userId);
  const running = held.filter((bot) => bot.status === "running");
  let liveRunning = running.filter((bot) => bot.mode === "live").length;
  let runningCount = running.length;
  const paused: string[] = [];
  for (const bot of running) {
    const overTotal = runningCount > terms.maxActiveBots;
    const overLive = bot.mode === "live" && liveRunning > terms.maxLiveBots;
    if (!overTotal && !overLive) continue;
    try {
      await botClient(deps.env, bot.id).pause(userId, SYSTEM_AUDIT);
      paused.push(bot.id);
      runningCount--;
      if (bot.mode === "live") liveRunning--;
    } catch (error) {
      deps.logger?.warn("could not pause a bot beyond the plan's limits; the next sweep retries", {
        botId: bot.id,
        error,
      });
    }
  }
  if (paused.length > 0) {
    const row = await subscriptionOf(deps.db, userId);
    const notice = `${row?.notice ? `${row.notice} ` : ""}${paused.length} bot${paused.length === 1 ? " was" : "s were"} paused to fit the ${terms.name} plan; none was deleted.`;
    await deps.db
      .update(subscriptions)
      .set({ notice, noticeAtMs: nowMs, updatedAtMs: nowMs })
      .where(eq(subscriptions.userId, userId));
  }
  return { paused };
}

/** Creating or starting a bot: 403 plan_limit_reached past the plan's limits. */
export async function assertBotAllowed(
  deps: PlanDeps,
  userId: string,
  bot: { id?: string; mode: "live" | "paper"; budgetGbpMinor: bigint; starting: boolean },
  nowMs: number,
): Promise<void> {
  const { terms } = await planOf(deps, userId, nowMs);
  const others = (await heldBots(deps.db, userId)).filter((row) => row.id !== bot.id);
  const counted = bot.starting ? others.filter((row) => row.status === "running") : others;
  const limit = (message: string) =>
    new ApiError(403, "plan_limit_reached", `${message} Upgrade your plan on the Account page for more.`);
  if (counted.length >= terms.maxActiveBots) {
    throw limit(
      `The ${terms.name} plan allows ${terms.maxActiveBots} ${bot.starting ? "running bots" : "bots (not stopped)"} at once.`,
    );
  }
  if (bot.mode === "live" && counted.filter((row) => row.mode === "live").length >= terms.maxLiveBots) {
    throw limit(
      `The ${terms.name} plan allows ${terms.maxLiveBots} LIVE bot${terms.maxLiveBots === 1 ? "" : "s"} at once.`,
    );
  }
  if (bot.budgetGbpMinor > terms.maxBudgetPerBotGbpMinor) {
    throw limit(
      `The ${terms.name} plan allows a budget of at most ${formatAmount("GBP", terms.maxBudgetPerBotGbpMinor)} GBP-equivalent per bot.`,
    );
  }
}

function planAudit(event: string, change: PlanChangeRow, audit: AuditContext, nowMs: number): AuditEvent {
  return {
    event,
    outcome: event.endsWith("failed") || event.endsWith("refused") ? "failure" : "success",
    actor: audit === SYSTEM_AUDIT ? "system:plans" : `user:${change.userId}`,
    userId: change.userId,
    requestId: audit.requestId,
    ipAddress: audit.ipAddress,
    detail: {
      changeId: change.id,
      kind: change.kind,
      from: change.fromPlan,
      to: change.toPlan,
      amount: formatAmount(PRICE_ASSET, change.amount),
      periodStart: new Date(change.periodStartMs).toISOString(),
      periodEnd: new Date(change.periodEndMs).toISOString(),
      ...(change.reason ? { reason: change.reason } : {}),
      at: new Date(nowMs).toISOString(),
    },
  };
}
