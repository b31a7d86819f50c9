import { appendAudit } from "../audit/append.ts";
import type { AuditContext } from "../auth/accounts.ts";
import type { Services } from "../context.ts";
import { reconciler } from "./client.ts";
import type { StoredReport } from "./reports.ts";

/**
 * An operator's "Run reconciliation now": one run through the Reconciler (stored like the
 * scheduled ones, trigger `operator:<id>`), and an audit row naming who asked and what it found.
 */
export async function runReconciliationForOperator(
  services: Services,
  operatorId: string,
  audit: AuditContext,
): Promise<StoredReport> {
  const actor = `operator:${operatorId}` as const;
  const report = await reconciler(services.env).runNow(actor);
  await appendAudit(services.client, {
    event: "ops.reconcile_run",
    outcome: "success",
    actor,
    userId: operatorId,
    requestId: audit.requestId,
    ipAddress: audit.ipAddress,
    detail: {
      reportId: report.id,
      ok: report.ok,
      failed: report.checks.filter((check) => !check.ok).map((check) => check.name),
    },
  });
  return report;
}
