import { eq } from "drizzle-orm";
import { bots } from "../../db/schema/bots.ts";
import { orders } from "../../db/schema/orders.ts";
import { amountMinorOf, formatAmount } from "../services/ledger/amount.ts";
import { userLedger } from "../services/ledger/client.ts";
import type { WalletView } from "../services/ledger/movements.ts";
import { gbpValuationProvider } from "../services/valuation/gbp.ts";
import { type Caller, signedIn } from "./caller.ts";

/**
 * Reads for the Wallet page: the first-steps checklist, derived from the trader's own data
 * (nothing is stored to tick a step off), and the books valued in GBP at market prices.
 */

export const ONBOARDING_STEPS = ["two_factor", "paper_funds", "first_trade", "first_bot"] as const;
export type OnboardingStepId = (typeof ONBOARDING_STEPS)[number];

export interface OnboardingStep {
  id: OnboardingStepId;
  done: boolean;
}

/** Each step is done when the data says so: 2FA on, a paper entry, an order, a bot. */
export async function myOnboarding(caller: Caller): Promise<{ steps: OnboardingStep[]; done: boolean }> {
  const user = signedIn(caller);
  const { db, env } = caller.services;
  const [paper, order, bot] = await Promise.all([
    userLedger(env, user.id).entries({ mode: "paper", asset: null, beforeSequence: null, limit: 1 }),
    db.select({ id: orders.id }).from(orders).where(eq(orders.userId, user.id)).limit(1),
    db.select({ id: bots.id }).from(bots).where(eq(bots.userId, user.id)).limit(1),
  ]);
  const steps: OnboardingStep[] = [
    { id: "two_factor", done: user.twoFactorEnabled },
    { id: "paper_funds", done: paper.entries.length > 0 },
    { id: "first_trade", done: order.length > 0 },
    { id: "first_bot", done: bot.length > 0 },
  ];
  return { steps, done: steps.every((step) => step.done) };
}

export type ValuedWallet = WalletView & {
  /** available + in orders + with bots, valued in GBP (pence rounded up, as every GBP-equivalent here). */
  valueGbp: string;
};

/**
 * Every wallet with its GBP value (available and in orders) from the market prices the limits
 * use (services/valuation/gbp.ts), and each book's total.
 */
export async function valueWallets(
  caller: Caller,
  wallets: WalletView[],
): Promise<{ wallets: ValuedWallet[]; totals: { live: string; paper: string } }> {
  const valuation = await gbpValuationProvider(caller.services.config).snapshot();
  const totals = { live: 0n, paper: 0n };
  const valued = wallets.map((wallet) => {
    const { asset } = wallet;
    const held =
      amountMinorOf(asset, wallet.available) +
      amountMinorOf(asset, wallet.locked) +
      amountMinorOf(asset, wallet.allocated);
    const valueMinor = held > 0n ? valuation.valueMinor(asset, held) : 0n;
    totals[wallet.mode] += valueMinor;
    return { ...wallet, valueGbp: formatAmount("GBP", valueMinor) };
  });
  return {
    wallets: valued,
    totals: { live: formatAmount("GBP", totals.live), paper: formatAmount("GBP", totals.paper) },
  };
}
