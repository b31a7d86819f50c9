import { createApp } from "./app.ts";
import { remixFetch } from "./remix.ts";
import { clientIp } from "./services/auth/guards.ts";
import { isCacheablePublicRequest, servePublicPage } from "./services/pages/public-cache.ts";

/** The whole site: the Hono app with the Remix pages mounted last (worker/index.ts, and tests that need their own bindings). */
export function createSite() {
  return createApp({
    pages: async (c) => {
      const render = () =>
        remixFetch(c.req.raw, {
          cloudflare: { env: c.env, ctx: c.executionCtx as ExecutionContext },
          services: c.get("services"),
          requestId: c.get("requestId"),
          auth: c.get("auth"),
          clientIp: clientIp(c),
          cspNonce: c.get("cspNonce")(),
        });
      if (!isCacheablePublicRequest(c.req.raw, c.get("sessionToken") !== null)) return render();
      const { response, source } = await servePublicPage(c.req.raw, c.get("cspNonce")(), render);
      c.get("logFields").pageCache = source;
      return response;
    },
  });
}
