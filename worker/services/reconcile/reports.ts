import { desc, sql } from "drizzle-orm";
import { z } from "zod";
import type { Client, Database } from "../../../db/client.ts";
import { reconcileReports } from "../../../db/schema/reconcile-reports.ts";
import type { Logger } from "../../logger.ts";
import { type ExchangeBalances, type ReconcileCheck, reconcileLedger } from "../ledger/reconcile.ts";
import { isolateMetrics, type MetricsRecorder } from "../metrics/recorder.ts";

/**
 * Reconciliation reports: run every check once, store the outcome, and let pages read the
 * newest one. Reconciling walks the whole journal and the audit chain, so it runs on a
 * schedule (the Reconciler Durable Object's alarm), on an operator's button and on the API —
 * never because someone opened a page. Only the newest REPORTS_KEPT rows are kept.
 *
 * A run that fails a check is not an error of the run: it is stored like any other, counted
 * (chx_reconcile_runs_total{ok="false"}, chx_reconciliation_ok = 0, which pages), logged at
 * error level and escalated (Sentry) through the caller's hook.
 */
export const REPORTS_KEPT = 200;

/** `schedule` (the alarm), `api` (GET /api/v1/ops/reconcile) or `operator:<user id>` (the button). */
export type ReportTrigger = "schedule" | "api" | `operator:${string}`;

export interface StoredReport {
  id: string;
  trigger: string;
  ok: boolean;
  checks: ReconcileCheck[];
  durationMs: number;
  createdAtMs: number;
}

interface ReportHooks {
  logger?: Logger;
  /** Escalates a failed report (Sentry): a mismatch must not wait for someone to read a page. */
  reportFailure?: (error: Error) => Promise<void> | void;
  recorder?: MetricsRecorder;
}

const storedChecks = z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() }));

/**
 * Where a run came from without who: a bounded metric label (operator ids would be a
 * cardinality bomb) that is also safe to send to Sentry (which never sees raw user ids).
 */
export function triggerSource(trigger: string): "schedule" | "api" | "operator" {
  return trigger.startsWith("operator:") ? "operator" : trigger === "api" ? "api" : "schedule";
}

class ReconciliationMismatchError extends Error {
  constructor(report: StoredReport) {
    const failed = report.checks.filter((check) => !check.ok).map((check) => check.name);
    super(`reconciliation failed (${triggerSource(report.trigger)}): ${failed.join(", ")}`);
    this.name = "ReconciliationMismatchError";
  }
}

export async function runAndStoreReport(
  client: Client,
  trigger: ReportTrigger,
  nowMs: number,
  hooks: ReportHooks = {},
  /** The exchange account's balances when an exchange is configured (adds its check). */
  inputs: { exchangeBalances?: ExchangeBalances | undefined } = {},
): Promise<StoredReport> {
  const startedMs = performance.now();
  const result = await reconcileLedger(client, { nowMs, exchangeBalances: inputs.exchangeBalances });
  const report: StoredReport = {
    id: crypto.randomUUID(),
    trigger,
    ok: result.ok,
    checks: result.checks,
    durationMs: Math.max(0, Math.round(performance.now() - startedMs)),
    createdAtMs: nowMs,
  };
  // One write: the new row and the pruning of the oldest, newest kept by time then insertion.
  await client.batch(
    [
      {
        sql: `INSERT INTO reconcile_reports (id, trigger, ok, checks, duration_ms, created_at_ms)
              VALUES (?, ?, ?, ?, ?, ?)`,
        args: [
          report.id,
          report.trigger,
          report.ok ? 1n : 0n,
          JSON.stringify(report.checks),
          BigInt(report.durationMs),
          BigInt(report.createdAtMs),
        ],
      },
      `DELETE FROM reconcile_reports WHERE rowid NOT IN
         (SELECT rowid FROM reconcile_reports ORDER BY created_at_ms DESC, rowid DESC LIMIT ${REPORTS_KEPT})`,
    ],
    "write",
  );

  const recorder = hooks.recorder ?? isolateMetrics;
  recorder.increment("chx_reconcile_runs_total", {
    source: triggerSource(trigger),
    ok: String(report.ok),
  });
  recorder.setGauge("chx_reconciliation_ok", {}, report.ok ? 1 : 0);
  recorder.setGauge("chx_reconciliation_last_run_timestamp_seconds", {}, Math.floor(nowMs / 1000));
  if (!report.ok) {
    hooks.logger?.error("reconciliation failed", {
      reportId: report.id,
      trigger,
      failed: report.checks.filter((check) => !check.ok).map((check) => check.name),
    });
    await hooks.reportFailure?.(new ReconciliationMismatchError(report));
  }
  return report;
}

/** The newest stored report, or null when none has run yet. One indexed read. */
export async function latestReport(db: Database): Promise<StoredReport | null> {
  const [row] = await db
    .select()
    .from(reconcileReports)
    .orderBy(desc(reconcileReports.createdAtMs), desc(sql`rowid`))
    .limit(1);
  if (!row) return null;
  const parsed = storedChecks.safeParse(safeJson(row.checks));
  return {
    id: row.id,
    trigger: row.trigger,
    ok: row.ok,
    checks: parsed.success
      ? parsed.data
      : [{ name: "stored_report", ok: false, detail: "the stored checks could not be read" }],
    durationMs: row.durationMs,
    createdAtMs: row.createdAtMs,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
