import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../../worker/env.ts";
import { type Labels, METRICS, type MetricName } from "../../worker/services/metrics/definitions.ts";
import { type SeriesDelta, seriesKey } from "../../worker/services/metrics/recorder.ts";

export interface StoredSeries {
  name: MetricName;
  labels: Labels;
  value: number;
  bucketCounts: number[] | null;
  sum: number;
  count: number;
}

/**
 * One instance ("global") sums the metric deltas every isolate flushes, so a scrape sees
 * platform totals. Metrics are operational data, not records: they live in this object's
 * own SQLite storage, not in libSQL.
 */
export class Metrics extends DurableObject<Bindings> {
  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS series (
        key TEXT PRIMARY KEY, name TEXT NOT NULL, labels TEXT NOT NULL, value REAL NOT NULL,
        bucket_counts TEXT, sum REAL NOT NULL DEFAULT 0, count INTEGER NOT NULL DEFAULT 0)`);
    });
  }

  async record(deltas: SeriesDelta[]): Promise<void> {
    const sql = this.ctx.storage.sql;
    for (const delta of deltas.slice(0, 10_000)) {
      if (!(delta.name in METRICS)) continue;
      const key = seriesKey(delta.name, delta.labels);
      const row = sql
        .exec("SELECT value, bucket_counts, sum, count FROM series WHERE key = ?", key)
        .toArray()[0];
      const isGauge = METRICS[delta.name].type === "gauge";
      const value = isGauge || !row ? delta.value : Number(row.value) + delta.value;
      let buckets: number[] | null = row?.bucket_counts
        ? (JSON.parse(String(row.bucket_counts)) as number[])
        : null;
      if (delta.bucketCounts) {
        const next = buckets ?? new Array(delta.bucketCounts.length).fill(0);
        delta.bucketCounts.forEach((count, index) => {
          next[index] = (next[index] ?? 0) + count;
        });
        buckets = next;
      }
      sql.exec(
        `INSERT INTO series (key, name, labels, value, bucket_counts, sum, count) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value, bucket_counts = excluded.bucket_counts,
           sum = excluded.sum, count = excluded.count`,
        key,
        delta.name,
        JSON.stringify(delta.labels),
        value,
        buckets ? JSON.stringify(buckets) : null,
        Number(row?.sum ?? 0) + (delta.sum ?? 0),
        Number(row?.count ?? 0) + (delta.count ?? 0),
      );
    }
  }

  async snapshot(): Promise<StoredSeries[]> {
    return this.ctx.storage.sql
      .exec("SELECT name, labels, value, bucket_counts, sum, count FROM series ORDER BY key")
      .toArray()
      .map((row) => ({
        name: String(row.name) as MetricName,
        labels: JSON.parse(String(row.labels)) as Labels,
        value: Number(row.value),
        bucketCounts: row.bucket_counts ? (JSON.parse(String(row.bucket_counts)) as number[]) : null,
        sum: Number(row.sum),
        count: Number(row.count),
      }));
  }

  async ping(): Promise<"pong"> {
    return "pong";
  }
}
