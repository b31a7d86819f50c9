import { and, eq, gt, notInArray } from "drizzle-orm";
import { withdrawals } from "../../../db/schema/withdrawals.ts";
import type { Services } from "../context.ts";
import { formatAmount } from "../ledger/amount.ts";
import { ASSET_CODES, type AssetCode } from "../ledger/assets.ts";
import { withdrawalConfig } from "./config.ts";

/**
 * What is left of the withdrawal velocity limits (config.ts), for the Withdraw page to show
 * before the trader asks. It is read from the withdrawals records — the same ones the user's
 * object reserves for (velocity.ts), less those that ended without money leaving (rejected,
 * cancelled, failed: their reservation is given back) — so it is a faithful preview, and the
 * object's exact, serialised check still decides at request time.
 */

const DAY_MS = 24 * 60 * 60_000;
const WINDOW_30D_MS = 30 * DAY_MS;
/** The 30-day count limit is at most a few hundred; the read has a bound anyway. */
const MAX_ROWS = 10_000;

export interface WithdrawalLimitsView {
  /** Withdrawals are free: no fee is taken on top of the amount. */
  fee: { amount: string; asset: string; note: string };
  perAsset24h: { asset: string; limit: string; remaining: string }[];
  count24h: { limit: number; remaining: number };
  count30d: { limit: number; remaining: number };
  gbp24h: { limit: string; remaining: string };
  gbp30d: { limit: string; remaining: string };
  /** GBP-equivalent from which an operator approves a withdrawal before it is sent. */
  approvalFromGbp: string;
}

export async function withdrawalLimitsFor(
  services: Pick<Services, "db" | "env">,
  userId: string,
  nowMs = Date.now(),
): Promise<WithdrawalLimitsView> {
  const config = withdrawalConfig(services.env);
  const rows = await services.db
    .select({
      asset: withdrawals.asset,
      amount: withdrawals.amount,
      amountGbp: withdrawals.amountGbp,
      createdAtMs: withdrawals.createdAtMs,
    })
    .from(withdrawals)
    .where(
      and(
        eq(withdrawals.userId, userId),
        gt(withdrawals.createdAtMs, nowMs - WINDOW_30D_MS),
        notInArray(withdrawals.status, ["rejected", "cancelled", "failed"]),
      ),
    )
    .limit(MAX_ROWS);
  const day = rows.filter((row) => row.createdAtMs > nowMs - DAY_MS);
  const sum = (items: typeof rows, pick: (row: (typeof rows)[number]) => bigint) =>
    items.reduce((total, row) => total + pick(row), 0n);
  const left = (limit: bigint, used: bigint) => (limit > used ? limit - used : 0n);
  const { velocity } = config;
  const perAsset24h = ASSET_CODES.flatMap((asset: AssetCode) => {
    const cap = velocity.perAsset24hMinor[asset];
    if (cap === undefined) return [];
    const used = sum(
      day.filter((row) => row.asset === asset),
      (row) => row.amount,
    );
    return [
      {
        asset,
        limit: formatAmount(asset, BigInt(cap)),
        remaining: formatAmount(asset, left(BigInt(cap), used)),
      },
    ];
  });
  const gbp = (minor: bigint) => formatAmount("GBP", minor);
  return {
    fee: { amount: "0.00", asset: "GBP", note: "No withdrawal fee: the amount you enter is what is sent." },
    perAsset24h,
    count24h: { limit: velocity.count24h, remaining: Math.max(0, velocity.count24h - day.length) },
    count30d: { limit: velocity.count30d, remaining: Math.max(0, velocity.count30d - rows.length) },
    gbp24h: {
      limit: gbp(BigInt(velocity.gbp24hMinor)),
      remaining: gbp(
        left(
          BigInt(velocity.gbp24hMinor),
          sum(day, (row) => row.amountGbp),
        ),
      ),
    },
    gbp30d: {
      limit: gbp(BigInt(velocity.gbp30dMinor)),
      remaining: gbp(
        left(
          BigInt(velocity.gbp30dMinor),
          sum(rows, (row) => row.amountGbp),
        ),
      ),
    },
    approvalFromGbp: gbp(config.approvalThresholdGbpMinor),
  };
}
