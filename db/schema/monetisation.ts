import { sql } from "drizzle-orm";
import { check, index, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { minorUnits, smallInteger } from "./types.ts";
import { users } from "./users.ts";

/**
 * Bot plans and referral rewards (worker/services/monetisation/ explains the rules). Money never
 * lives here: every plan charge and every reward is a ledger entry whose idempotency key is
 * derived from a row below, written before the ledger is called (record, act, resume).
 */

const PLAN_VALUES = sql.raw("('free', 'pro', 'elite')");

/** One row per user who ever left the free plan; no row means free. */
export const subscriptions = sqliteTable(
  "subscriptions",
  {
    userId: text("user_id")
      .primaryKey()
      .references(() => users.id),
    plan: text("plan", { enum: ["free", "pro", "elite"] }).notNull(),
    /** The paid period in force: [start, renewsAt). Null on free. */
    periodStartMs: smallInteger("period_start_ms"),
    renewsAtMs: smallInteger("renews_at_ms"),
    /** A downgrade the trader asked for, applied when the period ends (never mid-period). */
    scheduledPlan: text("scheduled_plan", { enum: ["free", "pro", "elite"] }),
    /** The plan change being carried out (plan_changes.id): one at a time per user. */
    changeInFlight: text("change_in_flight"),
    /** The last thing the trader must be told (a failed renewal, bots paused), or null. */
    notice: text("notice"),
    noticeAtMs: smallInteger("notice_at_ms"),
    updatedAtMs: smallInteger("updated_at_ms").notNull(),
  },
  (table) => [
    index("subscriptions_renews_idx").on(table.renewsAtMs),
    check("subscriptions_plan", sql`${table.plan} IN ${PLAN_VALUES}`),
  ],
);

/**
 * Every change of plan: an upgrade (charged now, pro-rated), a downgrade (scheduled), a
 * renewal (charged at period end). The row is written before its charge; the charge's ledger
 * key is `plan:<userId>:<plan>:<periodStartMs>:<kind>`, so each period is charged at most once.
 */
export const planChanges = sqliteTable(
  "plan_changes",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    /** The client's Idempotency-Key for changes a trader asked for; null for renewals. */
    clientKey: text("client_key"),
    requestHash: text("request_hash").notNull(),
    kind: text("kind", { enum: ["upgrade", "downgrade", "renewal", "cancel_downgrade"] }).notNull(),
    fromPlan: text("from_plan").notNull(),
    toPlan: text("to_plan").notNull(),
    periodStartMs: smallInteger("period_start_ms").notNull(),
    periodEndMs: smallInteger("period_end_ms").notNull(),
    /** GBP pence charged (0 for a downgrade). */
    amount: minorUnits("amount").notNull(),
    status: text("status", { enum: ["pending", "done", "refused"] }).notNull(),
    /** Why a change was refused (a stable code), e.g. insufficient_funds. */
    reason: text("reason"),
    entryId: text("entry_id"),
    attempts: smallInteger("attempts").notNull().default(0),
    retryAtMs: smallInteger("retry_at_ms"),
    createdAtMs: smallInteger("created_at_ms").notNull(),
    updatedAtMs: smallInteger("updated_at_ms").notNull(),
  },
  (table) => [
    uniqueIndex("plan_changes_client_key_unique").on(table.userId, table.clientKey),
    index("plan_changes_user_idx").on(table.userId, table.createdAtMs),
    index("plan_changes_pending_idx").on(table.status).where(sql`${table.status} = 'pending'`),
    check("plan_changes_amount", sql`${table.amount} >= 0`),
  ],
);

/**
 * A referrer's share of one fill's fee, recorded in the same batch as the fill's trades (so a
 * settled fill always has its reward row), then paid into the referrer's ledger from the
 * referral expense account with the key `referral:<id>`. The amount is capped per referee, per
 * book and asset, by the INSERT itself (worker/services/monetisation/referrals.ts).
 */
export const referralRewards = sqliteTable(
  "referral_rewards",
  {
    /** `<order id>.<fill number>`: one reward per settled fill. */
    id: text("id").primaryKey(),
    referrerId: text("referrer_id")
      .notNull()
      .references(() => users.id),
    refereeId: text("referee_id")
      .notNull()
      .references(() => users.id),
    orderId: text("order_id").notNull(),
    book: text("book", { enum: ["live", "paper"] }).notNull(),
    asset: text("asset").notNull(),
    /** The fee the referee paid for the fill, and the referrer's share of it. */
    fee: minorUnits("fee").notNull(),
    reward: minorUnits("reward").notNull(),
    status: text("status", { enum: ["pending", "paid"] }).notNull(),
    entryId: text("entry_id"),
    attempts: smallInteger("attempts").notNull().default(0),
    retryAtMs: smallInteger("retry_at_ms"),
    createdAtMs: smallInteger("created_at_ms").notNull(),
    paidAtMs: smallInteger("paid_at_ms"),
  },
  (table) => [
    index("referral_rewards_referrer_idx").on(table.referrerId, table.createdAtMs),
    index("referral_rewards_referee_idx").on(table.refereeId, table.book, table.asset),
    index("referral_rewards_pending_idx").on(table.refereeId).where(sql`${table.status} = 'pending'`),
    check("referral_rewards_positive", sql`${table.reward} > 0 AND ${table.fee} > 0`),
  ],
);

export type SubscriptionRow = typeof subscriptions.$inferSelect;
export type PlanChangeRow = typeof planChanges.$inferSelect;
export type ReferralRewardRow = typeof referralRewards.$inferSelect;
