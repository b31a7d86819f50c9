import type { Services } from "../context.ts";
import { reconcileLedger } from "../ledger/reconcile.ts";
import { flushMetrics } from "../metrics/flush.ts";
import { isolateMetrics } from "../metrics/recorder.ts";

/** Runs every reconciliation check and publishes the outcome as metrics (the alert's source). */
export async function runReconciliation(services: Services) {
  const report = await reconcileLedger(services.client);
  isolateMetrics.setGauge("chx_reconciliation_ok", {}, report.ok ? 1 : 0);
  isolateMetrics.setGauge("chx_reconciliation_last_run_timestamp_seconds", {}, Math.floor(Date.now() / 1000));
  await flushMetrics(services.env, { force: true }).catch((error) =>
    services.logger.warn("metrics flush failed", { error }),
  );
  if (!report.ok) {
    services.logger.error("reconciliation failed", {
      failed: report.checks.filter((check) => !check.ok).map((check) => check.name),
    });
  }
  return report;
}
