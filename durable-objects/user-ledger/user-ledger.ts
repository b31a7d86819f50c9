import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../../worker/env.ts";
import { decideTotp, recordSecondFactorFailure, type TotpDecision } from "./totp-guard.ts";

/**
 * One per user (id from the user id): the only writer of that user's balances. Money
 * movements arrive as RPC calls; the libSQL records stay the source of truth.
 */
export class UserLedger extends DurableObject<Bindings> {
  /** Readiness probe: proves the namespace is bound and an instance answers RPC. */
  async ping(): Promise<"pong"> {
    return "pong";
  }

  /** Accepts a TOTP step at most once per user, and throttles failures. */
  async consumeTotpStep(input: { matchedStep: number | null; nowMs: number }): Promise<TotpDecision> {
    return decideTotp(this.ctx.storage, input);
  }

  async recordTotpFailure(nowMs: number): Promise<void> {
    await recordSecondFactorFailure(this.ctx.storage, nowMs);
  }
}
