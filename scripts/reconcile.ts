import { createDatabaseClient } from "../db/client.ts";
import { reconcileLedger } from "../worker/services/ledger/reconcile.ts";
import { databaseTarget, redactUrl } from "./database-env.ts";

/**
 * `npm run reconcile`: proves the ledger against the database it is pointed at (the local
 * server `npm start` runs, or TURSO_DATABASE_URL / TURSO_AUTH_TOKEN). The same checks as
 * GET /api/v1/ops/reconcile. Exit code 0 when every check passes, 1 when one fails, 2 when the
 * database cannot be read. `--json` prints the report as JSON only.
 */
const target = databaseTarget();
const client = createDatabaseClient({ url: target.url, authToken: target.authToken, timeoutMs: 60_000 });
const startedMs = performance.now();
try {
  const report = await reconcileLedger(client);
  const elapsedMs = Math.round(performance.now() - startedMs);
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify({ ...report, database: redactUrl(target.url), elapsedMs }));
  } else {
    console.log(`ledger reconciliation against ${redactUrl(target.url)} (${elapsedMs} ms)`);
    for (const check of report.checks) {
      console.log(`  ${check.ok ? "ok  " : "FAIL"}  ${check.name.padEnd(28)} ${check.detail}`);
    }
    console.log(report.ok ? "all checks passed" : "RECONCILIATION FAILED");
  }
  process.exitCode = report.ok ? 0 : 1;
} catch (error) {
  console.error(`cannot reconcile: ${(error as Error).message}`);
  process.exitCode = 2;
} finally {
  client.close();
}
