import { isFlowCheck } from "../../../worker/services/ledger/reconcile.ts";

/**
 * Raw ledger tests share this database and leave holds and allocations no flow owns (they test
 * the ledger alone), so the other flow checks are judged in their own files; the ledger's own
 * checks and the two monetisation checks must hold here.
 */
export function judged(name: string): boolean {
  return !isFlowCheck(name) || name === "referral_rewards_paid" || name === "plan_charges_recorded";
}
