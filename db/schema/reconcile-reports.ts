import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { flag, smallInteger } from "./types.ts";

/**
 * Reconciliation reports, newest last. The Ops page shows the latest one with its time; a
 * report is produced by the scheduled run (an alarm) or an operator's button, never by a page
 * view, so the page costs the same however large the journal grows.
 */
export const reconcileReports = sqliteTable(
  "reconcile_reports",
  {
    id: text("id").primaryKey(),
    /** `schedule` (alarm), `operator:<id>` (button) or `api` (/api/v1/ops/reconcile). */
    trigger: text("trigger").notNull(),
    ok: flag("ok").notNull(),
    /** The checks as JSON: [{ name, ok, detail }]. */
    checks: text("checks").notNull(),
    durationMs: smallInteger("duration_ms").notNull(),
    createdAtMs: smallInteger("created_at_ms").notNull(),
  },
  (table) => [index("reconcile_reports_created_idx").on(table.createdAtMs)],
);

export type ReconcileReportRow = typeof reconcileReports.$inferSelect;
