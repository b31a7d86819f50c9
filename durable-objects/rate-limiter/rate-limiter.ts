import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../../worker/env.ts";
import { type Decision, decide, type Policy } from "../../worker/services/rate-limit/gcra.ts";

/**
 * Exact rate limits (login failures, 2FA attempts, withdrawals): one object per identity,
 * so every check for that identity is serialised and counted exactly, across isolates and
 * locations. State is a theoretical arrival time per policy, kept in the object's storage.
 */
export class RateLimiter extends DurableObject<Bindings> {
  /**
   * With `commit` false it only asks whether one more would be allowed: login asks before
   * verifying the password and charges only when the password was wrong, so a customer's
   * own successful logins never count.
   */
  async check(policy: Policy, cost = 1, nowMs = Date.now(), commit = true): Promise<Decision> {
    const key = `gcra:${policy.name}`;
    const tatMs = (await this.ctx.storage.get<number>(key)) ?? 0;
    const result = decide(policy, tatMs, nowMs, cost);
    if (commit && result.tatMs !== tatMs) await this.ctx.storage.put(key, result.tatMs);
    return result.decision;
  }

  /** Readiness probe. */
  async ping(): Promise<"pong"> {
    return "pong";
  }

  async reset(policyName: string): Promise<void> {
    await this.ctx.storage.delete(`gcra:${policyName}`);
  }
}
