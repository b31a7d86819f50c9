import type { StoredSeries } from "../../../durable-objects/metrics/metrics.ts";
import { type Labels, METRICS, type MetricDefinition, type MetricName } from "./definitions.ts";

/** Prometheus text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function escapeLabelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
}

function formatLabels(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels)
    .filter(([key]) => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key))
    .map(([key, value]) => `${key}="${escapeLabelValue(value)}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return pairs.length > 0 ? `{${pairs.join(",")}}` : "";
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

export function renderPrometheus(series: StoredSeries[]): string {
  const byName = new Map<MetricName, StoredSeries[]>();
  for (const entry of series) {
    const list = byName.get(entry.name) ?? [];
    list.push(entry);
    byName.set(entry.name, list);
  }
  const lines: string[] = [];
  for (const name of Object.keys(METRICS).sort() as MetricName[]) {
    const definition: MetricDefinition = METRICS[name];
    const entries = byName.get(name) ?? [];
    lines.push(`# HELP ${name} ${definition.help.replaceAll("\\", "\\\\").replaceAll("\n", " ")}`);
    lines.push(`# TYPE ${name} ${definition.type}`);
    for (const entry of entries) {
      if (definition.type !== "histogram") {
        lines.push(`${name}${formatLabels(entry.labels)} ${formatNumber(entry.value)}`);
        continue;
      }
      const bounds = definition.buckets ?? [];
      let cumulative = 0;
      bounds.forEach((bound, index) => {
        cumulative += entry.bucketCounts?.[index] ?? 0;
        lines.push(`${name}_bucket${formatLabels(entry.labels, ["le", formatNumber(bound)])} ${cumulative}`);
      });
      cumulative += entry.bucketCounts?.[bounds.length] ?? 0;
      lines.push(`${name}_bucket${formatLabels(entry.labels, ["le", "+Inf"])} ${cumulative}`);
      lines.push(`${name}_sum${formatLabels(entry.labels)} ${formatNumber(entry.sum)}`);
      lines.push(`${name}_count${formatLabels(entry.labels)} ${entry.count}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
