// Benchmark: the local libSQL server over loopback HTTP (@libsql/client/web) vs the libsql engine
// in-process. Run: `npx tsx test/bench/db.bench.ts`. Bounded in count and wall time (~60 s max).

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, type InStatement } from "@libsql/client/web";
import Database from "libsql";
import { startLibsqlServer } from "../../db/server/server.ts";

const ROUND_TRIPS = 2000;
const BATCHES = 100;
const ROWS_PER_BATCH = 100;
const SEED_ROWS = 1000;
const BUDGET_MS = 50_000;

const started = performance.now();
const overBudget = () => performance.now() - started > BUDGET_MS;

interface Latency {
  n: number;
  p50: number;
  p99: number;
  mean: number;
}

function summarize(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const mean = sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length);
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), mean };
}

async function timeEach(n: number, fn: (i: number) => Promise<unknown> | unknown): Promise<Latency> {
  const samples: number[] = [];
  for (let i = 0; i < n && !overBudget(); i++) {
    const t = performance.now();
    await fn(i);
    samples.push(performance.now() - t);
  }
  return summarize(samples);
}

async function throughput(batches: number, fn: (b: number) => Promise<unknown> | unknown) {
  let done = 0;
  const t = performance.now();
  for (let b = 0; b < batches && !overBudget(); b++) {
    await fn(b);
    done++;
  }
  const seconds = (performance.now() - t) / 1000;
  return { batches: done, rowsPerSec: (done * ROWS_PER_BATCH) / seconds };
}

interface HttpFigures {
  select1: Latency;
  point: Latency;
  batch: { batches: number; rowsPerSec: number };
}

async function httpWorkload(url: string): Promise<HttpFigures> {
  const client = createClient({ url });
  try {
    await client.batch(
      [
        "CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT NOT NULL)",
        "CREATE TABLE ins (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b TEXT NOT NULL)",
        {
          sql: `WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < ?)
                INSERT INTO kv (id, v) SELECT x, 'value-' || x FROM s`,
          args: [SEED_ROWS],
        },
      ],
      "write",
    );
    for (let i = 0; i < 100; i++) await client.execute("SELECT 1"); // warm-up
    const select1 = await timeEach(ROUND_TRIPS, () => client.execute("SELECT 1"));
    const point = await timeEach(ROUND_TRIPS, (i) =>
      client.execute({ sql: "SELECT v FROM kv WHERE id = ?", args: [(i % SEED_ROWS) + 1] }),
    );
    const batch = await throughput(BATCHES, (b) => {
      const stmts: InStatement[] = [];
      for (let r = 0; r < ROWS_PER_BATCH; r++) {
        stmts.push({
          sql: "INSERT INTO ins (a, b) VALUES (?, ?)",
          args: [b * ROWS_PER_BATCH + r, `row-${r}`],
        });
      }
      return client.batch(stmts, "write");
    });
    return { select1, point, batch };
  } finally {
    client.close();
  }
}

/** Starts db/server/main.ts in a child process on an ephemeral port and reads its listening log line. */
async function spawnServer(databasePath: string): Promise<{ url: string; stop(): Promise<void> }> {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const proc = spawn(join(root, "node_modules/.bin/tsx"), [join(root, "db/server/main.ts")], {
    env: { ...process.env, LIBSQL_HOST: "127.0.0.1", LIBSQL_PORT: "0", LIBSQL_DB_PATH: databasePath },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start within 15 s")), 15_000);
    let buffered = "";
    proc.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      for (const line of buffered.split("\n")) {
        try {
          const event = JSON.parse(line) as { url?: string };
          if (event.url) {
            clearTimeout(timer);
            resolve(event.url);
          }
        } catch {
          // Partial line; wait for more output.
        }
      }
    });
    proc.once("exit", (code) => reject(new Error(`server exited early with code ${code}`)));
  });
  return {
    url,
    async stop() {
      proc.kill("SIGTERM");
      await exited;
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), "libsql-bench-"));
try {
  // --- over HTTP: server in a child process (like `turso dev`) and in this process -----------------
  const child = await spawnServer(join(dir, "http-child.db"));
  let httpChild: HttpFigures;
  try {
    httpChild = await httpWorkload(child.url);
  } finally {
    await child.stop();
  }
  const server = await startLibsqlServer({ port: 0, databasePath: join(dir, "http.db") });
  let httpSame: HttpFigures;
  try {
    httpSame = await httpWorkload(server.url);
  } finally {
    await server.close();
  }

  // --- in-process ------------------------------------------------------------------------------
  const db = new Database(join(dir, "local.db"));
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
  db.exec(`CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT NOT NULL);
           CREATE TABLE ins (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b TEXT NOT NULL);
           WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < ${SEED_ROWS})
           INSERT INTO kv (id, v) SELECT x, 'value-' || x FROM s;`);
  const one = db.prepare("SELECT 1").raw(true);
  const point = db.prepare("SELECT v FROM kv WHERE id = ?").raw(true);
  const insert = db.prepare("INSERT INTO ins (a, b) VALUES (?, ?)");
  const begin = db.prepare("BEGIN IMMEDIATE");
  const commit = db.prepare("COMMIT");
  for (let i = 0; i < 100; i++) one.all([]);

  const localSelect1 = await timeEach(ROUND_TRIPS, () => one.all([]));
  const localPoint = await timeEach(ROUND_TRIPS, (i) => point.all([BigInt((i % SEED_ROWS) + 1)]));
  const localBatch = await throughput(BATCHES, (b) => {
    begin.run([]);
    for (let r = 0; r < ROWS_PER_BATCH; r++) insert.run([BigInt(b * ROWS_PER_BATCH + r), `row-${r}`]);
    commit.run([]);
  });
  db.close();

  // --- report ----------------------------------------------------------------------------------
  const ms = (x: number) => x.toFixed(3);
  const ratio = (a: number, b: number) => (a / b).toFixed(a / b >= 10 ? 0 : 3);
  const rows: string[][] = [];
  const latencyRow = (label: string, pick: (f: HttpFigures) => number, local: number) =>
    rows.push([label, ms(pick(httpChild)), ms(pick(httpSame)), ms(local), ratio(pick(httpChild), local)]);
  latencyRow("SELECT 1 p50 (ms)", (f) => f.select1.p50, localSelect1.p50);
  latencyRow("SELECT 1 p99 (ms)", (f) => f.select1.p99, localSelect1.p99);
  latencyRow("point select p50 (ms)", (f) => f.point.p50, localPoint.p50);
  latencyRow("point select p99 (ms)", (f) => f.point.p99, localPoint.p99);
  rows.push([
    `batch insert rows/s (${ROWS_PER_BATCH}/batch)`,
    httpChild.batch.rowsPerSec.toFixed(0),
    httpSame.batch.rowsPerSec.toFixed(0),
    localBatch.rowsPerSec.toFixed(0),
    ratio(httpChild.batch.rowsPerSec, localBatch.rowsPerSec),
  ]);
  const header = ["metric", "http (child proc)", "http (same proc)", "in-process", "http/in-process"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join("  ");
  console.log(
    `\nlocal libSQL server benchmark (node ${process.version}, loopback, samples: ` +
      `${httpChild.select1.n}/${httpChild.point.n} round trips, ${httpChild.batch.batches}/${localBatch.batches} batches)\n`,
  );
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  console.log(
    `\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s${overBudget() ? " (time budget hit)" : ""}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
