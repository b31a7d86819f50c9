import { formatAmount } from "../ledger/amount.ts";
import type { AssetCode } from "../ledger/assets.ts";

/**
 * What CoinHubX sells and gives: the bot plans and the referral programme's terms. One table
 * each, read by the rules in plans.ts and referrals.ts; changing an offer is a change here.
 */

export const PLAN_NAMES = ["free", "pro", "elite"] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

export function isPlanName(value: unknown): value is PlanName {
  return typeof value === "string" && (PLAN_NAMES as readonly string[]).includes(value);
}

export interface PlanTerms {
  name: PlanName;
  /** Bots not stopped (draft, awaiting confirmation, running, paused) at once. */
  maxActiveBots: number;
  /** Of those, how many may trade LIVE. */
  maxLiveBots: number;
  /** Largest budget of one bot, GBP-equivalent pence at market prices. */
  maxBudgetPerBotGbpMinor: bigint;
  /** Share of the list trading fee waived, e.g. "0.10". */
  feeDiscount: string;
  /** Charged in GBP from the live book every period. */
  monthlyPriceMinor: bigint;
  /** Position in the offer: a higher rank is an upgrade. */
  rank: number;
}

export const PRICE_ASSET: AssetCode = "GBP";
/** A plan's period: 30 days, renewed from its end (not calendar months: every period is equal). */
export const PLAN_PERIOD_MS = 30 * 86_400_000;

export const PLANS: Readonly<Record<PlanName, PlanTerms>> = {
  free: {
    name: "free",
    maxActiveBots: 5,
    maxLiveBots: 1,
    maxBudgetPerBotGbpMinor: 1_000_000n,
    feeDiscount: "0",
    monthlyPriceMinor: 0n,
    rank: 0,
  },
  pro: {
    name: "pro",
    maxActiveBots: 20,
    maxLiveBots: 5,
    maxBudgetPerBotGbpMinor: 10_000_000n,
    feeDiscount: "0.10",
    monthlyPriceMinor: 1_499n,
    rank: 1,
  },
  elite: {
    name: "elite",
    maxActiveBots: 100,
    maxLiveBots: 25,
    maxBudgetPerBotGbpMinor: 100_000_000n,
    feeDiscount: "0.25",
    monthlyPriceMinor: 4_999n,
    rank: 2,
  },
};

/** The wire shape (API.md "Fees, plans and referrals"), amounts as decimal strings. */
export interface PlanView {
  name: PlanName;
  maxActiveBots: number;
  /** How many LIVE bots the plan allows at once (0 would be none). */
  liveBotsAllowed: number;
  maxBudgetPerBot: string;
  maxBudgetAsset: "GBP";
  feeDiscount: string;
  monthlyPrice: string;
  priceAsset: AssetCode;
}

export function planView(terms: PlanTerms): PlanView {
  return {
    name: terms.name,
    maxActiveBots: terms.maxActiveBots,
    liveBotsAllowed: terms.maxLiveBots,
    maxBudgetPerBot: formatAmount("GBP", terms.maxBudgetPerBotGbpMinor),
    maxBudgetAsset: "GBP",
    feeDiscount: terms.feeDiscount,
    monthlyPrice: formatAmount(PRICE_ASSET, terms.monthlyPriceMinor),
    priceAsset: PRICE_ASSET,
  };
}

/**
 * The referral programme. The referee pays 10 % less in fees for 30 days from sign-up; the
 * referrer earns 20 % of what the referee actually pays in fees (after every discount), for a
 * year from the referee's sign-up, up to a cap per referee in each asset. Rewards are paid in
 * the fee's asset and book: LIVE fees earn live money, PAPER fees earn paper money (so the
 * programme can be tried on paper, and paper money still never reaches the live book).
 */
export const REFERRAL_TERMS = {
  refereeDiscount: "0.10",
  refereeDiscountMs: 30 * 86_400_000,
  /** Referrer's share of the referee's fee, in basis points. */
  referrerShareBps: 2_000n,
  rewardWindowMs: 365 * 86_400_000,
  /** Most one referee can earn their referrer, per book and asset (minor units). */
  capPerRefereeMinor: {
    GBP: 25_000n,
    USDT: 300_000_000n,
    BTC: 500_000n,
    ETH: 10_000_000n,
    SOL: 200_000_000n,
  } satisfies Record<AssetCode, bigint>,
  /** Referred sign-ups from one network (/24 or /64) to one referrer chain, per day. */
  maxSignupsPerNetworkPerDay: 3,
  /** How far up a referrer chain the farming checks look. */
  chainDepth: 5,
} as const;

/** The referrer's share of a fee, rounded down (the cap is applied where it is recorded). */
export function referrerShareMinor(feeMinor: bigint): bigint {
  return (feeMinor * REFERRAL_TERMS.referrerShareBps) / 10_000n;
}
