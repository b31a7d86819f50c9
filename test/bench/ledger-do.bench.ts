import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabaseClient } from "../../db/client.ts";
import { migrateDatabase } from "../../db/migrate.ts";
import { reconcileLedger } from "../../worker/services/ledger/reconcile.ts";
import { freePort, startDatabaseProcess } from "../support/stack.ts";
import { TEST_SECRETS } from "../support/test-env.ts";
import { startBenchWorker } from "./bench-worker.ts";
import { percentile, reportResult } from "./load.ts";

/**
 * `npm run bench:ledger-do`: ledger movements at the UserLedger Durable Object itself, inside
 * workerd, with no HTTP in front (issue #14's "ledger movements at the Durable Object, 50
 * users": >= 1,000/s, p99 <= 50 ms). A bench-only Worker (ledger-do-worker.ts) calls each
 * user's object over RPC exactly as the deposit use case does; the local libSQL server runs in
 * its own process. Two shapes:
 *   - one call in flight per user (each movement waits for the previous one's commit);
 *   - four in flight per user (what a user with running bots and a browser open produces:
 *     the object commits what queued meanwhile as one group).
 * Then nothing lost: each user's paper GBP equals the accepted movements, and the ledger's
 * reconciliation is ok. Bounded: fixed counts, loopback only.
 */
const USERS = Number(process.env.BENCH_DO_USERS ?? 50);
const PER_USER = Number(process.env.BENCH_DO_PER_USER ?? 60);
const AMOUNT_MINOR = 125n;

/**
 * Bytes the libSQL server caused to be written to files (Linux /proc/<pid>/io: write_bytes less
 * cancelled_write_bytes, counted when its pages are dirtied, whether or not the kernel has
 * flushed them yet). Undefined where /proc cannot tell.
 */
function databaseFileWrites(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = new Map(
      readFileSync(`/proc/${pid}/io`, "utf8")
        .trim()
        .split("\n")
        .map((line) => {
          const [name, value] = line.split(":");
          return [name?.trim(), Number(value)] as const;
        }),
    );
    const written = fields.get("write_bytes");
    if (written === undefined) return undefined;
    return written - (fields.get("cancelled_write_bytes") ?? 0);
  } catch {
    return undefined;
  }
}

const directory = mkdtempSync(join(tmpdir(), "coinhubx-bench-do-"));
const authToken = "bench-do-libsql-token-0123456789";
const database = await startDatabaseProcess({
  port: await freePort(),
  databasePath: join(directory, "bench.db"),
  authToken,
});
const client = createDatabaseClient({ url: database.url, authToken, timeoutMs: 30_000 });
let stopWorker: (() => void) | undefined;
try {
  await migrateDatabase(client);
  const runId = Date.now().toString(36);
  const userIds = Array.from({ length: USERS }, (_, index) => `bench-do-${runId}-${index}`);
  await client.batch(
    userIds.map((id, index) => ({
      sql: `INSERT INTO users (id, email, password_hash, role, referral_code, created_at_ms)
            VALUES (?, ?, 'bench', 'trader', ?, ?)`,
      args: [id, `${id}@bench.example`, `BD${runId}${index}`.toUpperCase(), Date.now()],
    })),
    "write",
  );

  const worker = await startBenchWorker({
    config: "test/bench/ledger-do-wrangler.toml",
    readyPath: "/ping",
    vars: {
      ...TEST_SECRETS,
      LOG_LEVEL: "warn",
      TURSO_DATABASE_URL: database.url,
      TURSO_AUTH_TOKEN: authToken,
    },
    persistTo: join(directory, "wrangler-state"),
    inspectorPort: process.env.BENCH_INSPECTOR_PORT,
  });
  stopWorker = worker.stop;
  const base = worker.baseUrl;

  interface RunAnswer {
    seconds: number;
    latencies: number[];
    accepted: Record<string, number>;
    refusals: Record<string, number>;
    /** Latencies of the accepted calls alone (the timings below describe only those). */
    acceptedLatencies: number[];
    timings: { writeMs: number[]; readMs: number[]; queueMs: number[]; groupSize: number[] };
  }
  const acceptedTotal = new Map<string, number>();
  const drive = async (label: string, perUser: number, inflight: number): Promise<RunAnswer> => {
    const response = await fetch(`${base}/run`, {
      method: "POST",
      body: JSON.stringify({
        userIds,
        perUser,
        inflight,
        amountMinor: String(AMOUNT_MINOR),
        runId: `${runId}-${label}`,
      }),
    });
    if (!response.ok) throw new Error(`run ${label}: ${response.status} ${await response.text()}`);
    const answer = (await response.json()) as RunAnswer;
    for (const [userId, count] of Object.entries(answer.accepted))
      acceptedTotal.set(userId, (acceptedTotal.get(userId) ?? 0) + count);
    return answer;
  };

  // Warm-up: each object's first call loads its user's balances; the runs measure warm objects.
  await drive("warm", 2, 1);
  const rows: Record<string, Record<string, string | number>> = {};
  const breakdown: Record<string, Record<string, string>> = {};
  const mean = (values: number[]) =>
    values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  const results: Record<string, { perSecond: number; p50Ms: number; p99Ms: number }> = {};
  for (const [label, inflight] of [
    ["one in flight per user", 1],
    ["four in flight per user", 4],
  ] as const) {
    const writtenBefore = databaseFileWrites(database.pid);
    const answer = await drive(label, PER_USER, inflight);
    const writtenAfter = databaseFileWrites(database.pid);
    const sorted = [...answer.latencies].sort((a, b) => a - b);
    const perSecond = sorted.length / answer.seconds;
    results[label] = { perSecond, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
    rows[`${USERS} users, ${label}`] = {
      movements: sorted.length,
      refused:
        Object.entries(answer.refusals)
          .map(([code, count]) => `${code}: ${count}`)
          .join(", ") || 0,
      "per s": Math.round(perSecond),
      "p50 ms": percentile(sorted, 50).toFixed(1),
      "p99 ms": percentile(sorted, 99).toFixed(1),
      goal: ">= 1,000/s, p99 <= 50 ms",
      verdict: perSecond >= 1000 && percentile(sorted, 99) <= 50 ? "met" : "NOT met",
    };
    // Where a call's time went inside the object (the rest is RPC and workerd's event loop).
    const { writeMs, readMs, queueMs, groupSize } = answer.timings;
    // Accepted calls only (each carries the timing of the write batch it was committed in).
    // A batch of n movements appears n times, once per call: writes = sum of 1/n.
    const writes = groupSize.reduce((sum, size) => sum + (size > 0 ? 1 / size : 0), 0);
    breakdown[`${USERS} users, ${label}`] = {
      "accepted call ms": mean(answer.acceptedLatencies).toFixed(1),
      "queued ms": mean(queueMs).toFixed(1),
      "read ms": mean(readMs).toFixed(1),
      "its write ms": mean(writeMs).toFixed(1),
      "its write p99 ms": percentile(
        [...writeMs].sort((a, b) => a - b),
        99,
      ).toFixed(1),
      "movements per write": (groupSize.length / Math.max(writes, 1e-9)).toFixed(2),
      // What one movement costs the database server in file writes (the WAL's pages, checkpoints).
      "db file KB / movement":
        writtenBefore !== undefined && writtenAfter !== undefined
          ? ((writtenAfter - writtenBefore) / 1024 / Math.max(1, groupSize.length)).toFixed(0)
          : "n/a",
    };
  }

  // Nothing lost: balances from the records equal what the objects accepted.
  const [balances] = await client.batch(
    [
      {
        sql: `SELECT user_id, balance FROM ledger_balances
              WHERE account = 'user:' || user_id || ':paper:available' AND asset = 'GBP' AND user_id LIKE ?`,
        args: [`bench-do-${runId}-%`],
      },
    ],
    "read",
  );
  const actual = new Map(
    (balances?.rows ?? []).map((row) => [String(row.user_id), BigInt(String(row.balance))]),
  );
  let mismatches = 0;
  for (const userId of userIds) {
    const expected = BigInt(acceptedTotal.get(userId) ?? 0) * AMOUNT_MINOR;
    if ((actual.get(userId) ?? 0n) !== expected) {
      mismatches++;
      console.log(`  MISMATCH ${userId}: balance ${actual.get(userId) ?? 0n}, accepted ${expected}`);
    }
  }
  const report = await reconcileLedger(client);
  const failedChecks = report.checks.filter((check) => !check.ok);
  const nothingLost = mismatches === 0 && failedChecks.length === 0;

  console.log("\nledger movements at the UserLedger Durable Object (RPC inside workerd, no HTTP)");
  console.table(rows);
  console.log("where a call's time goes inside the object (the rest: RPC and workerd's event loop)");
  console.table(breakdown);
  console.log(
    `balances equal accepted movements for ${USERS - mismatches}/${USERS} users; reconcile: ${failedChecks.length === 0 ? "ok" : `FAILED (${failedChecks.map((check) => `${check.name}: ${check.detail}`).join("; ")})`}`,
  );
  const primary = results["one in flight per user"];
  if (primary)
    reportResult({ path: `ledger movements at the Durable Object, ${USERS} users`, ...primary, nothingLost });
  const grouped = results["four in flight per user"];
  if (grouped)
    reportResult({
      path: `ledger movements at the Durable Object, ${USERS} users, 4 in flight`,
      ...grouped,
      nothingLost,
    });
  if (!nothingLost) process.exitCode = 1;
} finally {
  stopWorker?.();
  client.close();
  await database.close();
  rmSync(directory, { recursive: true, force: true });
}
