import { eq } from "drizzle-orm";
import type { Database } from "../../../db/client.ts";
import { subscriptions } from "../../../db/schema/monetisation.ts";
import { users } from "../../../db/schema/users.ts";
import type { FeeDiscount } from "../trading/fees.ts";
import { isPlanName, PLANS, REFERRAL_TERMS } from "./catalogue.ts";

/**
 * The fee discounts a trader has now: their bot plan's, and the referee discount for the first
 * 30 days after a referred sign-up. One read; the order desk caches the schedule for a minute.
 */
export async function feeDiscountsFor(db: Database, userId: string, nowMs: number): Promise<FeeDiscount[]> {
  const rows = await db
    .select({
      referredBy: users.referredBy,
      createdAtMs: users.createdAtMs,
      plan: subscriptions.plan,
    })
    .from(users)
    .leftJoin(subscriptions, eq(subscriptions.userId, users.id))
    .where(eq(users.id, userId))
    .limit(1);
  const row = rows[0];
  if (!row) return [];
  const discounts: FeeDiscount[] = [];
  const plan = isPlanName(row.plan) ? PLANS[row.plan] : PLANS.free;
  if (plan.feeDiscount !== "0") discounts.push({ source: "plan", rate: plan.feeDiscount, untilMs: null });
  const referralEndsMs = row.createdAtMs + REFERRAL_TERMS.refereeDiscountMs;
  if (row.referredBy !== null && nowMs < referralEndsMs) {
    discounts.push({ source: "referral", rate: REFERRAL_TERMS.refereeDiscount, untilMs: referralEndsMs });
  }
  return discounts;
}
