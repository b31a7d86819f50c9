import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../../worker/env.ts";

/**
 * One per bot: its state machine and schedule, driven by alarms. It moves money only
 * through the owner's UserLedger.
 */
export class Bot extends DurableObject<Bindings> {
  async ping(): Promise<"pong"> {
    return "pong";
  }
}
