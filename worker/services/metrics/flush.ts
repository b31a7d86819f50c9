import type { Bindings } from "../../env.ts";
import { isolateMetrics, type MetricsRecorder } from "./recorder.ts";

const METRICS_OBJECT_NAME = "global";

export function metricsStub(env: Bindings) {
  return env.METRICS.get(env.METRICS.idFromName(METRICS_OBJECT_NAME));
}

/**
 * Sends this isolate's pending deltas to the Metrics object, at most once a second unless
 * forced. A failed flush puts the deltas back: metrics survive a transient outage.
 */
export async function flushMetrics(
  env: Bindings,
  options: { force?: boolean; recorder?: MetricsRecorder } = {},
): Promise<void> {
  const recorder = options.recorder ?? isolateMetrics;
  const deltas = recorder.drain(Date.now(), { force: options.force ?? false });
  if (deltas.length === 0) return;
  try {
    await metricsStub(env).record(deltas);
  } catch (error) {
    recorder.restore(deltas);
    throw error;
  }
}
