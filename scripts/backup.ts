import { createSnapshot, writeSnapshot } from "../db/backup.ts";
import { createDatabaseClient } from "../db/client.ts";
import { databaseTarget, redactUrl } from "./database-env.ts";

/** `npm run backup`: a consistent snapshot of the database with its manifest. */
const target = databaseTarget();
const directory = process.env.BACKUP_DIR ?? ".data/backups";
const client = createDatabaseClient({ url: target.url, authToken: target.authToken, timeoutMs: 60_000 });
try {
  const started = performance.now();
  const snapshot = await createSnapshot(client);
  const folder = writeSnapshot(directory, snapshot);
  const rows = Object.values(snapshot.manifest.rowCounts).reduce((sum, count) => sum + count, 0);
  console.log(
    JSON.stringify({
      level: "info",
      message: "backup written",
      source: redactUrl(target.url),
      folder,
      tables: Object.keys(snapshot.manifest.rowCounts).length,
      rows,
      schemaVersion: snapshot.manifest.schemaVersion?.tag ?? null,
      auditHead: snapshot.manifest.auditHead?.sequence ?? null,
      durationMs: Math.round(performance.now() - started),
    }),
  );
} catch (error) {
  console.error(`backup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  client.close();
}
