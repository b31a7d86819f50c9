import type { Bindings } from "../../env.ts";
import { checkExact, identityKey } from "./exact.ts";
import type { Decision } from "./gcra.ts";
import { EXACT_POLICIES } from "./policies.ts";

/** Below this share of the suspicion budget left, a request is slowed before it is served. */
const SLOW_BELOW_REMAINING = 0.5;
/** The longest delay, reached as the budget runs out; refused after that. */
export const MAX_SUSPICION_DELAY_MS = 1_000;

export interface SuspicionOutcome {
  decision: Decision;
  /** How long to hold the request before serving it (0: not slowed). */
  delayMs: number;
}

/**
 * Charges one client address the WAF anomaly score of a request that passed the WAF with
 * weak signals. Repeated near-threshold requests (an attacker feeling for the threshold, or a
 * scanner whose payloads each score a little) spend the budget: from the halfway mark each is
 * held longer, up to MAX_SUSPICION_DELAY_MS, and once it is spent they are refused (429)
 * until GCRA refills it. Clean requests (score 0) are never charged, so this costs nothing
 * for ordinary traffic.
 */
export async function chargeSuspicion(
  env: Pick<Bindings, "RATE_LIMITER">,
  clientIp: string,
  score: number,
): Promise<SuspicionOutcome> {
  const policy = EXACT_POLICIES.wafSuspicionPerIp;
  const decision = await checkExact(env, await identityKey("ip", clientIp), policy, { cost: score });
  if (!decision.allowed) return { decision, delayMs: 0 };
  const remainingShare = decision.remaining / decision.limit;
  const delayMs =
    remainingShare >= SLOW_BELOW_REMAINING
      ? 0
      : Math.round(MAX_SUSPICION_DELAY_MS * (1 - remainingShare / SLOW_BELOW_REMAINING));
  return { decision, delayMs };
}
