import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { Database } from "../../../db/client.ts";
import { type ReferralRewardRow, referralRewards } from "../../../db/schema/monetisation.ts";
import { users } from "../../../db/schema/users.ts";
import type { Logger } from "../../logger.ts";
import { retryDelayMs } from "../flows/flow.ts";
import type { Book } from "../ledger/accounts.ts";
import { formatAmount } from "../ledger/amount.ts";
import type { AssetCode } from "../ledger/assets.ts";
import type { UserLedgerClient } from "../ledger/client.ts";
import { isolateMetrics } from "../metrics/recorder.ts";
import { REFERRAL_TERMS, referrerShareMinor } from "./catalogue.ts";

/**
 * Referral rewards: record, pay, resume.
 *
 * Record: the order desk settles a fill and, in the same database batch as its trades, runs
 * `rewardInsert`: one INSERT … SELECT that writes the referrer's share of the fill's fee if the
 * trader was referred within the reward window, capped by what this referee has already earned
 * their referrer in that book and asset. The cap is computed inside the statement, so fills
 * settling at once can never together pass it.
 *
 * Pay: the desk then credits the referrer's ledger from the referral expense account with the
 * key `referral:<reward id>`, and marks the row paid. A failure leaves the row pending with a
 * backoff; the referee's UserOrders alarm pays it later (same key: paid once). Reconciliation
 * proves the expense accounts paid exactly the paid rows (ledger/reconcile.ts).
 */

/** Who referred the user, or null. */
export async function referrerOf(db: Database, userId: string): Promise<string | null> {
  const rows = await db
    .select({ referredBy: users.referredBy })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  return rows[0]?.referredBy ?? null;
}

interface RewardInput {
  /** `<order id>.<fill number>`. */
  id: string;
  refereeId: string;
  orderId: string;
  book: Book;
  asset: AssetCode;
  /** The fee the referee paid for the fill (after discounts). */
  feeMinor: bigint;
  nowMs: number;
}

/** The INSERT that records a fill's reward, for the batch that settles the fill. */
export function rewardInsert(db: Database, input: RewardInput) {
  const share = referrerShareMinor(input.feeMinor);
  const cap = REFERRAL_TERMS.capPerRefereeMinor[input.asset];
  const earned = sql`COALESCE((SELECT SUM(r.reward) FROM referral_rewards r
      WHERE r.referee_id = u.id AND r.book = ${input.book} AND r.asset = ${input.asset}), 0)`;
  return db.run(sql`INSERT INTO referral_rewards
      (id, referrer_id, referee_id, order_id, book, asset, fee, reward, status, attempts, created_at_ms)
    SELECT ${input.id}, u.referred_by, u.id, ${input.orderId}, ${input.book}, ${input.asset}, ${input.feeMinor},
      MIN(${share}, ${cap} - ${earned}), 'pending', 0, ${input.nowMs}
    FROM users u
    WHERE u.id = ${input.refereeId} AND u.referred_by IS NOT NULL
      AND u.created_at_ms > ${input.nowMs - REFERRAL_TERMS.rewardWindowMs}
      AND ${share} > 0 AND ${cap} - ${earned} > 0
    ON CONFLICT (id) DO NOTHING`);
}

export interface RewardsDue {
  paid: number;
  pending: number;
  /** When the alarm should try again (null: nothing left). */
  nextRetryAtMs: number | null;
}

const PAY_BATCH = 50;

/** Pays the referee's pending rewards that are due; one failing does not hold up the rest. */
export async function payDueRewards(
  deps: { db: Database; ledgerOf: (userId: string) => UserLedgerClient; logger?: Logger | undefined },
  refereeId: string,
  nowMs: number,
): Promise<RewardsDue> {
  const pending = await deps.db
    .select()
    .from(referralRewards)
    .where(and(eq(referralRewards.refereeId, refereeId), eq(referralRewards.status, "pending")))
    .orderBy(asc(referralRewards.createdAtMs))
    .limit(PAY_BATCH);
  const due: RewardsDue = { paid: 0, pending: 0, nextRetryAtMs: null };
  const later = (atMs: number) => {
    due.pending++;
    due.nextRetryAtMs = due.nextRetryAtMs === null ? atMs : Math.min(due.nextRetryAtMs, atMs);
  };
  for (const reward of pending) {
    if (reward.retryAtMs !== null && reward.retryAtMs > nowMs) {
      later(reward.retryAtMs);
      continue;
    }
    try {
      const receipt = await deps.ledgerOf(reward.referrerId).referralReward({
        idempotencyKey: `referral:${reward.id}`,
        book: reward.book,
        asset: reward.asset as AssetCode,
        amountMinor: reward.reward,
        reference: reward.id,
      });
      await deps.db
        .update(referralRewards)
        .set({ status: "paid", entryId: receipt.entryId, paidAtMs: nowMs, retryAtMs: null })
        .where(and(eq(referralRewards.id, reward.id), eq(referralRewards.status, "pending")));
      due.paid++;
      isolateMetrics.increment("chx_referral_rewards_total", { book: reward.book, outcome: "paid" });
    } catch (error) {
      isolateMetrics.increment("chx_referral_rewards_total", { book: reward.book, outcome: "retry" });
      const attempts = reward.attempts + 1;
      const retryAtMs = nowMs + retryDelayMs(attempts);
      deps.logger?.warn("referral reward not paid yet; retrying with backoff", {
        rewardId: reward.id,
        attempts,
        error,
      });
      await deps.db
        .update(referralRewards)
        .set({ attempts, retryAtMs })
        .where(and(eq(referralRewards.id, reward.id), eq(referralRewards.status, "pending")))
        .catch(() => undefined);
      later(retryAtMs);
    }
  }
  if (pending.length === PAY_BATCH) later(nowMs + 1_000);
  return due;
}

export interface RewardView {
  at: string;
  asset: AssetCode;
  amount: string;
  mode: Book;
  status: "pending" | "paid";
  /** Which referee's trading earned it: their position in the referee list, never their email. */
  referee: string;
}

export function rewardView(row: ReferralRewardRow, refereeLabel: string): RewardView {
  const asset = row.asset as AssetCode;
  return {
    at: new Date(row.paidAtMs ?? row.createdAtMs).toISOString(),
    asset,
    amount: formatAmount(asset, row.reward),
    mode: row.book,
    status: row.status,
    referee: refereeLabel,
  };
}

/** A referrer's rewards, newest first, and their totals per book and asset (paid and pending). */
export async function rewardsOf(db: Database, referrerId: string, limit: number) {
  const rows = await db
    .select()
    .from(referralRewards)
    .where(eq(referralRewards.referrerId, referrerId))
    .orderBy(desc(referralRewards.createdAtMs), desc(referralRewards.id))
    .limit(limit);
  const totals = await db
    .select({
      book: referralRewards.book,
      asset: referralRewards.asset,
      total: sql<string>`CAST(SUM(${referralRewards.reward}) AS TEXT)`,
    })
    .from(referralRewards)
    .where(eq(referralRewards.referrerId, referrerId))
    .groupBy(referralRewards.book, referralRewards.asset);
  return { rows, totals };
}
