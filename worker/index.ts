import { Bot } from "../durable-objects/bot/bot.ts";
import { Metrics } from "../durable-objects/metrics/metrics.ts";
import { RateLimiter } from "../durable-objects/rate-limiter/rate-limiter.ts";
import { UserLedger } from "../durable-objects/user-ledger/user-ledger.ts";
import { UserOrders } from "../durable-objects/user-orders/user-orders.ts";
import { createApp } from "./app.ts";
import { remixFetch } from "./remix.ts";
import { clientIp } from "./services/auth/guards.ts";

/** The Worker's entry: the Hono app, with Remix mounted last for every page. */
const app = createApp({
  pages: (c) =>
    remixFetch(c.req.raw, {
      cloudflare: { env: c.env, ctx: c.executionCtx as ExecutionContext },
      services: c.get("services"),
      requestId: c.get("requestId"),
      auth: c.get("auth"),
      clientIp: clientIp(c),
      cspNonce: c.get("cspNonce"),
    }),
});

export default app;
export { Bot, Metrics, RateLimiter, UserLedger, UserOrders };
