import type { StoredSeries } from "../../../durable-objects/metrics/metrics.ts";
import type { Services } from "../context.ts";
import { flushMetrics, metricsStub } from "./flush.ts";

/**
 * What a scrape sees: the platform totals from the Metrics object (after this isolate's own
 * pending deltas are flushed), plus gauges measured now (database reachability, sessions).
 */
export async function collectMetrics(services: Services): Promise<StoredSeries[]> {
  await flushMetrics(services.env, { force: true }).catch((error) =>
    services.logger.warn("metrics flush failed", { error }),
  );
  const series = await metricsStub(services.env).snapshot();
  const gauges: StoredSeries[] = [];
  const gauge = (
    name: StoredSeries["name"],
    value: number,
    labels: Record<string, string> = {},
  ): StoredSeries => ({
    name,
    labels,
    value,
    bucketCounts: null,
    sum: 0,
    count: 0,
  });
  try {
    const nowMs = BigInt(Date.now());
    const [sessions, bots] = await services.client.batch(
      [
        {
          sql: "SELECT count(*) AS n FROM sessions WHERE revoked_at_ms IS NULL AND expires_at_ms > ?",
          args: [nowMs],
        },
        "SELECT mode, status, count(*) AS n FROM bots WHERE status IN ('running', 'paused', 'error') GROUP BY mode, status",
      ],
      "read",
    );
    gauges.push(gauge("chx_database_up", 1), gauge("chx_active_sessions", Number(sessions?.rows[0]?.n ?? 0)));
    // Every mode and status is reported, zero included, so a rule can compare against it.
    for (const mode of ["paper", "live"]) {
      for (const status of ["running", "paused", "error"]) {
        const row = bots?.rows.find((entry) => entry.mode === mode && entry.status === status);
        gauges.push(gauge("chx_bots", Number(row?.n ?? 0), { mode, status }));
      }
    }
  } catch {
    gauges.push(gauge("chx_database_up", 0));
  }
  const measured = new Set(gauges.map((entry) => entry.name));
  return [...series.filter((entry) => !measured.has(entry.name)), ...gauges];
}
