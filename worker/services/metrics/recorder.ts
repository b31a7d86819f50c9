import { type Labels, METRICS, type MetricName } from "./definitions.ts";

/**
 * Per-isolate accumulation of metric deltas. The Worker and the Durable Objects record here
 * cheaply (no I/O per event) and flush the deltas to the Metrics Durable Object, which sums
 * them across isolates so a scrape sees platform totals.
 */
export interface SeriesDelta {
  name: MetricName;
  labels: Labels;
  /** Counter increment, or the gauge's new value. */
  value: number;
  /** Histograms: per-bucket increments (same length as the definition's buckets + 1 for +Inf). */
  bucketCounts?: number[];
  sum?: number;
  count?: number;
}

const MAX_SERIES = 5_000;
const MAX_LABEL_LENGTH = 120;

/** The series' identity; label values count as they are stored (cut to MAX_LABEL_LENGTH). */
export function seriesKey(name: string, labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length > 1) keys.sort();
  let key = `${name}{`;
  for (let index = 0; index < keys.length; index++) {
    const label = keys[index] as string;
    key += `${index === 0 ? "" : ","}${label}=${String(labels[label]).slice(0, MAX_LABEL_LENGTH)}`;
  }
  return `${key}}`;
}

function cleanLabels(labels: Labels): Labels {
  const clean: Labels = {};
  for (const [key, value] of Object.entries(labels)) clean[key] = String(value).slice(0, MAX_LABEL_LENGTH);
  return clean;
}

export class MetricsRecorder {
  private pending = new Map<string, SeriesDelta>();
  private lastFlushMs = 0;

  increment(name: MetricName, labels: Labels = {}, by = 1): void {
    if (METRICS[name].type !== "counter") throw new Error(`${name} is not a counter`);
    const delta = this.series(name, labels);
    if (delta) delta.value += by;
  }

  setGauge(name: MetricName, labels: Labels, value: number): void {
    if (METRICS[name].type !== "gauge") throw new Error(`${name} is not a gauge`);
    const delta = this.series(name, labels);
    if (delta) delta.value = value;
  }

  observe(name: MetricName, labels: Labels, value: number): void {
    const definition = METRICS[name] as { type: string; buckets?: readonly number[] };
    if (definition.type !== "histogram" || !definition.buckets) throw new Error(`${name} is not a histogram`);
    const delta = this.series(name, labels);
    if (!delta) return;
    const buckets = definition.buckets;
    delta.bucketCounts ??= new Array(buckets.length + 1).fill(0);
    const index = buckets.findIndex((bound) => value <= bound);
    const slot = index === -1 ? buckets.length : index;
    delta.bucketCounts[slot] = (delta.bucketCounts[slot] ?? 0) + 1;
    delta.sum = (delta.sum ?? 0) + value;
    delta.count = (delta.count ?? 0) + 1;
  }

  private series(name: MetricName, labels: Labels): SeriesDelta | undefined {
    // Called on every request: the key is built straight from the labels, a cleaned copy only
    // for a series not seen since the last flush.
    const key = seriesKey(name, labels);
    let delta = this.pending.get(key);
    if (!delta) {
      // Unbounded label values would be a memory leak and a cardinality bomb.
      if (this.pending.size >= MAX_SERIES) return undefined;
      delta = { name, labels: cleanLabels(labels), value: 0 };
      this.pending.set(key, delta);
    }
    return delta;
  }

  /** Takes the pending deltas (empties the recorder) when a flush is due or forced. */
  drain(nowMs: number, options: { minIntervalMs?: number; force?: boolean } = {}): SeriesDelta[] {
    if (this.pending.size === 0) return [];
    if (!options.force && nowMs - this.lastFlushMs < (options.minIntervalMs ?? 1_000)) return [];
    this.lastFlushMs = nowMs;
    const deltas = [...this.pending.values()];
    this.pending = new Map();
    return deltas;
  }

  /** Puts deltas back when a flush failed, so counts are not lost to a transient error. */
  restore(deltas: SeriesDelta[]): void {
    for (const delta of deltas) {
      const key = seriesKey(delta.name, delta.labels);
      const existing = this.pending.get(key);
      if (!existing) {
        this.pending.set(key, delta);
        continue;
      }
      if (METRICS[delta.name].type === "gauge") continue;
      existing.value += delta.value;
      if (delta.bucketCounts) {
        existing.bucketCounts ??= new Array(delta.bucketCounts.length).fill(0);
        delta.bucketCounts.forEach((count, index) => {
          if (existing.bucketCounts)
            existing.bucketCounts[index] = (existing.bucketCounts[index] ?? 0) + count;
        });
        existing.sum = (existing.sum ?? 0) + (delta.sum ?? 0);
        existing.count = (existing.count ?? 0) + (delta.count ?? 0);
      }
    }
  }
}

/** One recorder per isolate (module scope holds no I/O, only numbers). */
export const isolateMetrics = new MetricsRecorder();
