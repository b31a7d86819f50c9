import { Bot } from "../durable-objects/bot/bot.ts";
import { Metrics } from "../durable-objects/metrics/metrics.ts";
import { RateLimiter } from "../durable-objects/rate-limiter/rate-limiter.ts";
import { Reconciler } from "../durable-objects/reconciler/reconciler.ts";
import { UserLedger } from "../durable-objects/user-ledger/user-ledger.ts";
import { UserOrders } from "../durable-objects/user-orders/user-orders.ts";
import type { Bindings } from "./env.ts";
import { reconciler } from "./services/reconcile/client.ts";
import { createSite } from "./site.ts";

/** The Worker's entry: the Hono app, with Remix mounted last for every page. */
const app = createSite();

/**
 * Reconciliation must run on its schedule even if no operator opens /ops: the first request
 * each isolate serves arms the Reconciler's alarm when none is set (one cheap RPC per isolate,
 * after the response, never in its way). The Ops page arms it as well.
 */
let reconcilerArmed = false;

function armReconciler(env: Bindings, ctx: ExecutionContext): void {
  if (reconcilerArmed || !env.RECONCILER) return;
  reconcilerArmed = true;
  ctx.waitUntil(
    reconciler(env)
      .ensureScheduled()
      .catch(() => {
        reconcilerArmed = false;
      }),
  );
}

export default {
  fetch(request: Request, env: Bindings, ctx: ExecutionContext) {
    armReconciler(env, ctx);
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Bindings>;

export { Bot, Metrics, RateLimiter, Reconciler, UserLedger, UserOrders };
