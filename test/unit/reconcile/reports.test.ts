import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Client, createDatabase, createDatabaseClient } from "../../../db/client.ts";
import { migrateDatabase } from "../../../db/migrate.ts";
import { type LibsqlServer, startLibsqlServer } from "../../../db/server/server.ts";
import { createLogger } from "../../../worker/logger.ts";
import { MetricsRecorder } from "../../../worker/services/metrics/recorder.ts";
import { latestReport, REPORTS_KEPT, runAndStoreReport } from "../../../worker/services/reconcile/reports.ts";

/**
 * Stored reconciliation reports: each run is stored with its checks, trigger and duration, the
 * newest is what the Ops page reads, only the newest REPORTS_KEPT survive, and a failed run is
 * counted, logged and escalated.
 */

let directory: string;
let server: LibsqlServer;
let client: Client;
const NOW_MS = 1_800_000_000_000;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), "reconcile-reports-"));
  server = await startLibsqlServer({ host: "127.0.0.1", port: 0, databasePath: join(directory, "r.db") });
  client = createDatabaseClient({ url: server.url, timeoutMs: 10_000 });
  await migrateDatabase(client);
});

afterEach(async () => {
  client.close();
  await server.close();
  rmSync(directory, { recursive: true, force: true });
});

async function count(): Promise<number> {
  const result = await client.execute("SELECT COUNT(*) AS n FROM reconcile_reports");
  return Number(result.rows[0]?.n);
}

describe("reconciliation reports", () => {
  it("none stored: latestReport is null", async () => {
    expect(await latestReport(createDatabase(client))).toBeNull();
  });

  it("stores a run with its checks and reads it back as the latest; metrics say ok", async () => {
    const recorder = new MetricsRecorder();
    const report = await runAndStoreReport(client, "schedule", NOW_MS, { recorder });
    expect(report.ok).toBe(true);
    expect(report.createdAtMs).toBe(NOW_MS);
    expect(report.durationMs).toBeGreaterThanOrEqual(0);
    expect(await latestReport(createDatabase(client))).toEqual(report);
    const deltas = recorder.drain(NOW_MS, { force: true });
    expect(deltas).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: "chx_reconcile_runs_total",
          labels: { source: "schedule", ok: "true" },
          value: 1,
        }),
        expect.objectContaining({ name: "chx_reconciliation_ok", value: 1 }),
        expect.objectContaining({
          name: "chx_reconciliation_last_run_timestamp_seconds",
          value: NOW_MS / 1000,
        }),
      ]),
    );
  });

  it("keeps only the newest reports", async () => {
    const statements = Array.from({ length: REPORTS_KEPT + 5 }, (_, index) => ({
      sql: `INSERT INTO reconcile_reports (id, trigger, ok, checks, duration_ms, created_at_ms)
            VALUES (?, 'schedule', 1, '[]', 1, ?)`,
      args: [`old-${index}`, BigInt(NOW_MS - 1_000_000 + index)],
    }));
    await client.batch(statements, "write");
    const report = await runAndStoreReport(client, "api", NOW_MS, { recorder: new MetricsRecorder() });
    expect(await count()).toBe(REPORTS_KEPT);
    const oldest = await client.execute(
      "SELECT id FROM reconcile_reports ORDER BY created_at_ms ASC LIMIT 1",
    );
    // 206 rows, 200 kept: the six oldest (old-0 … old-5) are gone.
    expect(String(oldest.rows[0]?.id)).toBe("old-6");
    expect((await latestReport(createDatabase(client)))?.id).toBe(report.id);
  });

  it("a failed run is stored, counted as not ok, logged at error level and escalated", async () => {
    await client.execute(
      `INSERT INTO users (id, email, password_hash, referral_code, created_at_ms) VALUES ('u1', 'u1@example.com', 'x', 'U1', 0)`,
    );
    await client.execute({
      sql: `INSERT INTO withdrawals (id, user_id, idempotency_key, request_hash, asset, amount, amount_gbp,
              address_id, address, status, hold_id, halted, created_at_ms, updated_at_ms)
            VALUES ('wd-1', 'u1', 'k', 'h', 'BTC', 1, 1, 'a', 'bc1q', 'processing', 'hold-1', 'settled twice', 0, 0)`,
    });
    const lines: string[] = [];
    const escalated: Error[] = [];
    const recorder = new MetricsRecorder();
    const report = await runAndStoreReport(client, "operator:op-1", NOW_MS, {
      logger: createLogger({ sink: (line) => lines.push(line) }),
      reportFailure: (error) => {
        escalated.push(error);
      },
      recorder,
    });
    expect(report.ok).toBe(false);
    const stored = await latestReport(createDatabase(client));
    expect(stored?.trigger).toBe("operator:op-1");
    expect(stored?.ok).toBe(false);
    expect(stored?.checks.find((check) => check.name === "no_stuck_steps")?.detail).toBe(
      "withdrawal u1/wd-1 halted: settled twice",
    );
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      level: "error",
      message: "reconciliation failed",
      trigger: "operator:op-1",
      failed: ["no_stuck_steps"],
    });
    expect(escalated.map((error) => error.message)).toEqual([
      "reconciliation failed (operator): no_stuck_steps",
    ]);
    expect(recorder.drain(NOW_MS, { force: true })).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: "chx_reconcile_runs_total",
          labels: { source: "operator", ok: "false" },
        }),
        expect.objectContaining({ name: "chx_reconciliation_ok", value: 0 }),
      ]),
    );
  });
});
