import { defineRoutes } from "../routes.ts";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from "../services/metrics/prometheus.ts";
import { collectMetrics } from "../services/metrics/scrape.ts";

export const metricsRoutes = defineRoutes([
  {
    method: "GET",
    path: "/metrics",
    routeClass: "ops",
    handler: async (c) => {
      const series = await collectMetrics(c.get("services"));
      return c.json({ generatedAt: new Date().toISOString(), series }, 200, { "Cache-Control": "no-store" });
    },
  },
  {
    method: "GET",
    path: "/metrics/prometheus",
    routeClass: "ops",
    handler: async (c) => {
      const series = await collectMetrics(c.get("services"));
      return c.body(renderPrometheus(series), 200, {
        "Content-Type": PROMETHEUS_CONTENT_TYPE,
        "Cache-Control": "no-store",
      });
    },
  },
]);
