import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareWithManifest, latestSnapshot, restoreSnapshot } from "../db/backup.ts";
import { createDatabaseClient } from "../db/client.ts";
import { migrateDatabase } from "../db/migrate.ts";
import { expectedMigrationHead, MIGRATIONS_TABLE } from "../db/migrations.ts";
import { startLibsqlServer } from "../db/server/server.ts";
import { reconcileLedger } from "../worker/services/ledger/reconcile.ts";

/**
 * `npm run backup:verify [folder]`: restores the latest snapshot (or the given one) into a
 * fresh database and proves it: checksum, migrations at head, row counts, ledger totals,
 * every reconciliation check and the audit chain. Exits non-zero on any mismatch.
 */
export async function verifyBackup(folder: string): Promise<{ ok: boolean; report: string[] }> {
  const report: string[] = [];
  const scratch = mkdtempSync(join(tmpdir(), "coinhubx-restore-"));
  const server = await startLibsqlServer({
    host: "127.0.0.1",
    port: 0,
    databasePath: join(scratch, "restore.db"),
  });
  const client = createDatabaseClient({ url: server.url, timeoutMs: 60_000 });
  let ok = true;
  const check = (name: string, passed: boolean, detail: string) => {
    ok &&= passed;
    report.push(`${passed ? "ok  " : "FAIL"} ${name}: ${detail}`);
  };
  try {
    let restored: Awaited<ReturnType<typeof restoreSnapshot>>;
    try {
      restored = await restoreSnapshot(folder, client);
    } catch (error) {
      check("restore", false, error instanceof Error ? error.message : String(error));
      return { ok, report };
    }
    if (restored.problems.length > 0) {
      check("snapshot integrity", false, restored.problems.join("; "));
      return { ok, report };
    }
    check(
      "snapshot integrity",
      true,
      `sha256 ${restored.manifest.sha256.slice(0, 16)}…, ${restored.manifest.bytes} bytes`,
    );
    const problems = await compareWithManifest(client, restored.manifest);
    check(
      "row counts, ledger totals, schema version, audit head",
      problems.length === 0,
      problems.length === 0
        ? `${Object.keys(restored.manifest.rowCounts).length} tables match`
        : problems.join("; "),
    );
    await migrateDatabase(client);
    const head = await client.execute(
      `SELECT created_at FROM ${MIGRATIONS_TABLE} ORDER BY created_at DESC LIMIT 1`,
    );
    const expected = expectedMigrationHead();
    check(
      "migrations",
      Number(head.rows[0]?.created_at ?? 0) === expected.createdAtMs,
      `restored database at ${expected.tag} after migrate (no-op for a current backup)`,
    );
    // "Stuck" is judged at the time the snapshot was taken: a step in flight then is not stuck
    // just because the snapshot is old.
    const reconciliation = await reconcileLedger(client, { nowMs: Date.parse(restored.manifest.createdAt) });
    for (const item of reconciliation.checks) check(`reconcile ${item.name}`, item.ok, item.detail);
    return { ok, report };
  } finally {
    client.close();
    await server.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith("backup-verify.ts")) {
  const folder = process.argv[2] ?? latestSnapshot(process.env.BACKUP_DIR ?? ".data/backups");
  if (!folder) {
    console.error("no snapshot found: run npm run backup first");
    process.exit(1);
  }
  const { ok, report } = await verifyBackup(folder);
  console.log(`backup:verify ${folder}`);
  for (const line of report) console.log(`  ${line}`);
  console.log(ok ? "RESULT: backup restores and verifies" : "RESULT: backup FAILED verification");
  process.exit(ok ? 0 : 1);
}
