import { count, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { users } from "../../db/schema/users.ts";
import { formatAmount } from "../services/ledger/amount.ts";
import type { AssetCode } from "../services/ledger/assets.ts";
import {
  PLAN_NAMES,
  PLANS,
  type PlanView,
  planView,
  REFERRAL_TERMS,
} from "../services/monetisation/catalogue.ts";
import { changePlan, type PlanState, planOf } from "../services/monetisation/plans.ts";
import { type RewardView, rewardsOf, rewardView } from "../services/monetisation/referrals.ts";
import { discountedRateText } from "../services/trading/fees.ts";
import { feeScheduleOf } from "../services/trading/service.ts";
import { type Caller, planDeps, signedIn } from "./caller.ts";

/**
 * The trader's account: fee tier, bot plan and referrals, for GET/POST /api/v1/account/… and
 * /api/v1/referrals (worker/api/account.ts) and the Account and Referrals pages.
 */

export const planChangeInput = z.object({
  plan: z.string({ message: "must be free, pro or elite" }).max(16),
  idempotencyKey: z.string().min(1).max(300),
});

export interface FeesView {
  tier: string;
  volume30d: string;
  volumeAsset: "GBP";
  /** What an order placed now pays, discounts applied. */
  makerRate: string;
  takerRate: string;
  /** The tier's rates before discounts. */
  listMakerRate: string;
  listTakerRate: string;
  discounts: { source: "plan" | "referral"; rate: string; until: string | null }[];
  nextTier: { tier: string; volumeRequired: string; volumeRemaining: string } | null;
}

export async function accountFees(caller: Caller): Promise<FeesView> {
  const user = signedIn(caller);
  const schedule = await feeScheduleOf(caller.services, user.id);
  const discountedText = (rate: "maker" | "taker") =>
    schedule.discounts.length === 0 ? schedule.listRates[rate].text : discountedRate(schedule.rates, rate);
  return {
    tier: schedule.tier,
    volume30d: formatAmount("GBP", schedule.volume30dGbpMinor),
    volumeAsset: "GBP",
    makerRate: discountedText("maker"),
    takerRate: discountedText("taker"),
    listMakerRate: schedule.listRates.maker.text,
    listTakerRate: schedule.listRates.taker.text,
    discounts: schedule.discounts.map((discount) => ({
      source: discount.source,
      rate: discount.rate,
      until: discount.untilMs === null ? null : new Date(discount.untilMs).toISOString(),
    })),
    nextTier: schedule.nextTier
      ? {
          tier: schedule.nextTier.tier,
          volumeRequired: formatAmount("GBP", schedule.nextTier.volumeRequiredGbpMinor),
          volumeRemaining: formatAmount(
            "GBP",
            schedule.nextTier.volumeRequiredGbpMinor - schedule.volume30dGbpMinor,
          ),
        }
      : null,
  };
}

function discountedRate(rates: Awaited<ReturnType<typeof feeScheduleOf>>["rates"], rate: "maker" | "taker") {
  return discountedRateText(rates[rate], rates.discount);
}

export interface PlanAnswer {
  plan: PlanView;
  renewsAt: string | null;
  /** A downgrade that takes effect at `renewsAt`, or null. */
  scheduledPlan: PlanView["name"] | null;
  /** Something the trader must be told (a failed renewal, bots paused), or null. */
  notice: { message: string; at: string } | null;
  /** Every plan on offer, cheapest first. */
  plans: PlanView[];
}

function planAnswer(state: PlanState): PlanAnswer {
  return {
    plan: planView(state.terms),
    renewsAt: state.renewsAtMs === null ? null : new Date(state.renewsAtMs).toISOString(),
    scheduledPlan: state.scheduledPlan,
    notice: state.notice
      ? { message: state.notice.message, at: new Date(state.notice.atMs).toISOString() }
      : null,
    plans: PLAN_NAMES.map((name) => planView(PLANS[name])),
  };
}

export async function accountPlan(caller: Caller): Promise<PlanAnswer> {
  const user = signedIn(caller);
  return planAnswer(await planOf(planDeps(caller), user.id, Date.now()));
}

export async function changeAccountPlan(
  caller: Caller,
  input: z.infer<typeof planChangeInput>,
): Promise<PlanAnswer> {
  const user = signedIn(caller);
  const state = await changePlan(
    planDeps(caller),
    user.id,
    { plan: input.plan, clientKey: input.idempotencyKey },
    caller.audit,
    Date.now(),
  );
  return planAnswer(state);
}

export interface ReferralsView {
  code: string;
  link: string;
  referees: number;
  rewards: RewardView[];
  totals: { asset: AssetCode; amount: string; mode: "live" | "paper" }[];
  terms: {
    refereeDiscount: string;
    refereeDiscountDays: number;
    referrerShare: string;
    capPerReferee: Record<string, string>;
  };
}

const MAX_REWARDS_LISTED = 200;

export async function myReferrals(caller: Caller): Promise<ReferralsView> {
  const user = signedIn(caller);
  const db = caller.services.db;
  const [own] = await db
    .select({ code: users.referralCode })
    .from(users)
    .where(eq(users.id, user.id))
    .limit(1);
  const code = own?.code ?? "";
  const referees = await db
    .select({ id: users.id })
    .from(users)
    .where(eq(users.referredBy, user.id))
    .orderBy(desc(users.createdAtMs))
    .limit(10_000);
  const [total] = await db.select({ n: count() }).from(users).where(eq(users.referredBy, user.id));
  // Referees are shown by number (oldest is 1), never by email: the referrer learns nothing else.
  const label = new Map(referees.map((referee, index) => [referee.id, `Referee ${referees.length - index}`]));
  const { rows, totals } = await rewardsOf(db, user.id, MAX_REWARDS_LISTED);
  return {
    code,
    // The configured site origin, never the request's Host (which a proxy or an attacker sets).
    link: `${caller.services.config.SITE_ORIGIN}/signup?ref=${encodeURIComponent(code)}`,
    referees: Number(total?.n ?? 0),
    rewards: rows.map((row) => rewardView(row, label.get(row.refereeId) ?? "Referee")),
    totals: totals.map((row) => ({
      asset: row.asset as AssetCode,
      amount: formatAmount(row.asset as AssetCode, BigInt(row.total)),
      mode: row.book,
    })),
    terms: referralTermsView(),
  };
}

function referralTermsView(): ReferralsView["terms"] {
  return {
    refereeDiscount: REFERRAL_TERMS.refereeDiscount,
    refereeDiscountDays: REFERRAL_TERMS.refereeDiscountMs / 86_400_000,
    referrerShare: `${Number(REFERRAL_TERMS.referrerShareBps) / 100}%`,
    capPerReferee: Object.fromEntries(
      Object.entries(REFERRAL_TERMS.capPerRefereeMinor).map(([asset, cap]) => [
        asset,
        formatAmount(asset as AssetCode, cap),
      ]),
    ),
  };
}
