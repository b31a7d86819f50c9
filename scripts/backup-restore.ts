import { compareWithManifest, latestSnapshot, restoreSnapshot } from "../db/backup.ts";
import { createDatabaseClient } from "../db/client.ts";
import { redactUrl } from "./database-env.ts";

/**
 * `RESTORE_DATABASE_URL=… RESTORE_AUTH_TOKEN=… npm run backup:restore [-- folder]`: loads a
 * snapshot into an EMPTY database (a new Turso database, or a fresh local server) and checks
 * it against the manifest. Refuses a database that already has tables: a restore never merges.
 */
const url = process.env.RESTORE_DATABASE_URL;
if (!url) {
  console.error("set RESTORE_DATABASE_URL (and RESTORE_AUTH_TOKEN) to an empty database");
  process.exit(2);
}
const folder = process.argv[2] ?? latestSnapshot(process.env.BACKUP_DIR ?? ".data/backups");
if (!folder) {
  console.error("no snapshot found: run npm run backup first");
  process.exit(1);
}
const client = createDatabaseClient({ url, authToken: process.env.RESTORE_AUTH_TOKEN, timeoutMs: 120_000 });
try {
  const existing = await client.execute(
    "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
  );
  if (Number(existing.rows[0]?.n ?? 0) > 0) {
    console.error(`refusing to restore into ${redactUrl(url)}: it already has tables`);
    process.exitCode = 1;
  } else {
    const restored = await restoreSnapshot(folder, client);
    const problems = [...restored.problems, ...(await compareWithManifest(client, restored.manifest))];
    if (problems.length > 0) {
      console.error(`restore of ${folder} FAILED:\n  ${problems.join("\n  ")}`);
      process.exitCode = 1;
    } else {
      console.log(
        `restored ${folder} into ${redactUrl(url)}; now run npm run db:migrate and npm run reconcile against it`,
      );
    }
  }
} finally {
  client.close();
}
