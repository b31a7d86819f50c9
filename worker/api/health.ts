import { defineRoutes } from "../routes.ts";
import { checkReadiness } from "../services/health.ts";

export const healthRoutes = defineRoutes([
  {
    method: "GET",
    path: "/healthz",
    routeClass: "ops",
    access: "anyone",
    // Liveness: the isolate answers; no dependency is touched.
    handler: (c) => c.json({ status: "ok" }, 200, { "Cache-Control": "no-store" }),
  },
  {
    method: "GET",
    path: "/readyz",
    routeClass: "ops",
    access: "anyone",
    handler: async (c) => {
      const { ok, checks } = await checkReadiness(c.get("services"));
      return c.json({ status: ok ? "ok" : "unavailable", checks }, ok ? 200 : 503, {
        "Cache-Control": "no-store",
      });
    },
  },
]);
