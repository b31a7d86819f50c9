import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "libsql";
import { createDatabaseClient } from "../../db/client.ts";
import { type RunningStack, startStack } from "../support/stack.ts";
import { percentile, reportResult } from "./load.ts";

/**
 * `npm run bench:ledger`: ledger movements per second and latency through the public API
 * (POST /api/v1/wallets/paper-deposit: WAF, session, the user's UserLedger Durable Object, one
 * read and one atomic write batch in libSQL), on loopback against `wrangler dev`:
 *
 *   (a) one hot user, 32 concurrent clients — every movement serialised by one Durable Object;
 *   (b) 50 users in parallel, one client each — 50 Durable Objects writing to one database.
 *
 * Then it proves nothing was lost or doubled: every user's paper balance equals the sum of the
 * deposits the API accepted, and GET /api/v1/ops/reconcile must answer ok. It also times
 * cheaper requests on the same path, to show where the time goes. Bounded: fixed counts and a
 * time cap per scenario.
 */

const HOT_CLIENTS = 32;
const HOT_MOVEMENTS = Number(process.env.BENCH_HOT_MOVEMENTS ?? 3_000);
const USERS = 50;
const SPREAD_MOVEMENTS = Number(process.env.BENCH_SPREAD_MOVEMENTS ?? 5_000);
const SCENARIO_MAX_MS = 30_000;
const AMOUNT = "1.25";
const AMOUNT_MINOR = 125n;
const PASSWORD = "bench-ledger-password-42";

interface Trader {
  email: string;
  /** One session per concurrent client: rate limits are per session, the ledger is per user. */
  cookies: string[];
  accepted: number;
}

/** Server-Timing of accepted movements, per scenario: where the time went inside the Worker. */
interface Timings {
  clientMs: number[];
  rpcMs: number[];
  queueMs: number[];
  readMs: number[];
  writeMs: number[];
  groupSize: number[];
}

const newTimings = (): Timings => ({
  clientMs: [],
  rpcMs: [],
  queueMs: [],
  readMs: [],
  writeMs: [],
  groupSize: [],
});

function recordTiming(timings: Timings | undefined, header: string | null, clientMs: number): void {
  if (!timings || !header) return;
  const metrics = new Map<string, { dur?: number; desc?: string }>();
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().split(";");
    const metric: { dur?: number; desc?: string } = {};
    for (const param of params) {
      const [key, value] = param.split("=");
      if (key === "dur") metric.dur = Number(value);
      if (key === "desc") metric.desc = value?.replaceAll('"', "");
    }
    if (name) metrics.set(name, metric);
  }
  const duration = (name: string) => metrics.get(name)?.dur;
  const rpc = duration("ledger");
  if (rpc === undefined) return;
  timings.clientMs.push(clientMs);
  timings.rpcMs.push(rpc);
  timings.queueMs.push(duration("ledger-queue") ?? 0);
  timings.readMs.push(duration("ledger-read") ?? 0);
  timings.writeMs.push(duration("ledger-write") ?? 0);
  timings.groupSize.push(Number(metrics.get("ledger-group")?.desc ?? 1));
}

function timingRows(timings: Timings) {
  const stat = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
    return {
      "p50 ms": percentile(sorted, 50).toFixed(1),
      "p99 ms": percentile(sorted, 99).toFixed(1),
      "mean ms": mean.toFixed(1),
    };
  };
  const outside = timings.clientMs.map((total, index) => total - (timings.rpcMs[index] ?? 0));
  const rpcOverhead = timings.rpcMs.map(
    (rpc, index) =>
      rpc - (timings.queueMs[index] ?? 0) - (timings.readMs[index] ?? 0) - (timings.writeMs[index] ?? 0),
  );
  return {
    "whole request (client view)": stat(timings.clientMs),
    "  outside the ledger (HTTP, WAF, session, JSON)": stat(outside),
    "  Durable Object call": stat(timings.rpcMs),
    "    waiting for the previous group": stat(timings.queueMs),
    "    read batch (balances, keys, day total)": stat(timings.readMs),
    "    write batch (one transaction)": stat(timings.writeMs),
    "    RPC, hashing, planning": stat(rpcOverhead),
  };
}

interface Measured {
  movements: number;
  errors: number;
  statuses: Record<string, number>;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

function loopbackOnly(url: string): void {
  const host = new URL(url).hostname;
  if (host !== "127.0.0.1" && host !== "localhost") throw new Error(`loopback targets only, not ${host}`);
}

async function signUp(stack: RunningStack, index: number): Promise<Trader> {
  // Bounded retries with a fresh email: a 5xx (e.g. `wrangler dev` reloading) may or may not
  // have created the first one.
  let last = "";
  for (let attempt = 1; attempt <= 5; attempt++) {
    const email = `bench-${Date.now().toString(36)}-${index}-${attempt}@example.com`;
    try {
      const response = await fetch(`${stack.baseUrl}/api/v1/auth/signup`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: stack.baseUrl },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      if (response.status === 201) return { email, cookies: [sessionCookie(response)], accepted: 0 };
      last = `${response.status}: ${await response.text()}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  }
  throw new Error(`signup failed: ${last}`);
}

function sessionCookie(response: Response): string {
  const cookie = /chx_session=[^;]*/.exec(response.headers.get("Set-Cookie") ?? "")?.[0];
  if (!cookie) throw new Error(`no session cookie (status ${response.status})`);
  return cookie;
}

async function logIn(stack: RunningStack, trader: Trader): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      const response = await fetch(`${stack.baseUrl}/api/v1/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: stack.baseUrl },
        body: JSON.stringify({ email: trader.email, password: PASSWORD }),
      });
      if (response.status === 200) {
        trader.cookies.push(sessionCookie(response));
        return;
      }
    } catch {
      // retried below
    }
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  }
  throw new Error(`login failed for ${trader.email}`);
}

const MAX_TRIES = 8;

/**
 * One movement as a careful client sends it: on a 5xx or a dropped connection the outcome is
 * unknown, so it retries with the same Idempotency-Key until it gets a definite answer (a 201,
 * first time or replayed). Returns the final status.
 */
async function deposit(
  stack: RunningStack,
  trader: Trader,
  client: number,
  key: string,
  timings?: Timings,
): Promise<number> {
  const startedMs = performance.now();
  let status = 0;
  for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
    try {
      const response = await fetch(`${stack.baseUrl}/api/v1/wallets/paper-deposit`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Origin: stack.baseUrl,
          Cookie: trader.cookies[client % trader.cookies.length] as string,
          "Idempotency-Key": key,
        },
        body: JSON.stringify({ asset: "GBP", amount: AMOUNT }),
      });
      await response.arrayBuffer();
      status = response.status;
      if (status === 201) {
        trader.accepted++;
        recordTiming(timings, response.headers.get("Server-Timing"), performance.now() - startedMs);
        return status;
      }
      if (status < 500) return status;
    } catch {
      status = 0;
    }
    retries++;
    await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
  }
  return status;
}

let retries = 0;

/** Closed loop: each client sends its next request when the previous one answered. */
async function run(
  clients: number,
  total: number,
  send: (client: number, sequence: number) => Promise<number>,
  okStatus = 201,
): Promise<Measured> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let issued = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + SCENARIO_MAX_MS;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (issued < total && performance.now() < deadline) {
        const sequence = issued++;
        const begin = performance.now();
        let status = 0;
        try {
          status = await send(client, sequence);
        } catch {
          status = 0;
        }
        latencies.push(performance.now() - begin);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status !== okStatus) errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    movements: latencies.length - errors,
    errors,
    statuses,
    seconds,
    perSecond: (latencies.length - errors) / seconds,
    p50Ms: percentile(latencies, 50),
    p90Ms: percentile(latencies, 90),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? Number.NaN,
  };
}

function row(measured: Measured) {
  return {
    "movements/s": Math.round(measured.perSecond),
    ok: measured.movements,
    errors: measured.errors,
    "p50 ms": measured.p50Ms.toFixed(1),
    "p90 ms": measured.p90Ms.toFixed(1),
    "p99 ms": measured.p99Ms.toFixed(1),
    "max ms": measured.maxMs.toFixed(1),
    seconds: measured.seconds.toFixed(1),
    statuses: Object.entries(measured.statuses)
      .map(([status, count]) => `${status}:${count}`)
      .join(" "),
  };
}

async function paperGbp(stack: RunningStack, trader: Trader): Promise<string> {
  // Bounded retries: `wrangler dev` reloads when build/ changes under it (other builds on the box).
  for (let attempt = 1; attempt <= 20; attempt++) {
    try {
      const response = await fetch(`${stack.baseUrl}/api/v1/wallets`, {
        headers: { Cookie: trader.cookies[0] as string },
      });
      if (response.ok) {
        const body = (await response.json()) as {
          wallets: { asset: string; mode: string; available: string }[];
        };
        return (
          body.wallets.find((wallet) => wallet.mode === "paper" && wallet.asset === "GBP")?.available ??
          "missing"
        );
      }
    } catch {
      // not answering right now
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return "unreachable";
}

function gbp(minor: bigint): string {
  return `${minor / 100n}.${(minor % 100n).toString().padStart(2, "0")}`;
}

/**
 * The database alone, for scale: `clients` concurrent clients straight to the local libSQL
 * server, sending either one statement (SELECT 1) or an empty write transaction (BEGIN
 * IMMEDIATE; SELECT 1; COMMIT, one request). A movement needs one write batch, a session check
 * one read, so this bounds what the API can reach here.
 */
async function databaseCeiling(
  stack: RunningStack,
  clients: number,
  shape: "statement" | "batch",
): Promise<Measured> {
  const database = createDatabaseClient({
    url: stack.libsqlUrl,
    authToken: stack.libsqlAuthToken,
    timeoutMs: 10_000,
  });
  try {
    return await run(
      clients,
      3_000,
      async () => {
        if (shape === "statement") await database.execute("SELECT 1");
        else await database.batch(["SELECT 1"], "write");
        return 200;
      },
      200,
    );
  } finally {
    database.close();
  }
}

/** The same two shapes on the libsql engine in this process (no HTTP, no JSON): operations per second. */
function inProcessEngine(shape: "statement" | "batch"): number {
  const directory = mkdtempSync(join(tmpdir(), "coinhubx-engine-"));
  const engine = new Database(join(directory, "engine.db"));
  try {
    engine.pragma("journal_mode = WAL");
    const select = engine.prepare("SELECT 1");
    const begin = engine.prepare("BEGIN IMMEDIATE");
    const commit = engine.prepare("COMMIT");
    let operations = 0;
    const started = performance.now();
    while (performance.now() - started < 1_000) {
      if (shape === "batch") begin.run();
      select.get();
      if (shape === "batch") commit.run();
      operations++;
    }
    return operations / ((performance.now() - started) / 1000);
  } finally {
    engine.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

const stack = await startStack({ vars: { LOG_LEVEL: "warn" }, separateDatabase: true });
loopbackOnly(stack.baseUrl);
try {
  const runId = Date.now().toString(36);
  console.log(`signing up ${USERS + 1} users through POST /api/v1/auth/signup …`);
  const traders: Trader[] = [];
  for (let start = 0; start <= USERS; start += 8) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, USERS + 1 - start) }, (_, offset) => signUp(stack, start + offset)),
    );
    traders.push(...batch);
  }
  const [hot, ...spread] = traders;
  if (!hot || spread.length !== USERS) throw new Error("sign-up did not produce every user");
  for (let client = 1; client < HOT_CLIENTS; client++) await logIn(stack, hot);

  // Warm-up: every Durable Object exists and every isolate has compiled the path once.
  await Promise.all(traders.map((trader, index) => deposit(stack, trader, 0, `warm-${runId}-${index}`)));

  // Where the time goes: the same path, one step at a time (16 clients, 16 users).
  const me = await run(
    16,
    1_000,
    async (client) => {
      const trader = spread[client % spread.length] as Trader;
      const response = await fetch(`${stack.baseUrl}/api/v1/me`, {
        headers: { Cookie: trader.cookies[0] as string },
      });
      await response.arrayBuffer();
      return response.status;
    },
    200,
  );
  const wallets = await run(
    16,
    1_000,
    async (client) => {
      const trader = spread[client % spread.length] as Trader;
      const response = await fetch(`${stack.baseUrl}/api/v1/wallets`, {
        headers: { Cookie: trader.cookies[0] as string },
      });
      await response.arrayBuffer();
      return response.status;
    },
    200,
  );

  const ceilingStatement = await databaseCeiling(stack, USERS, "statement");
  const ceiling = await databaseCeiling(stack, USERS, "batch");
  const engineStatement = inProcessEngine("statement");
  const engineBatch = inProcessEngine("batch");

  console.log(`(a) one hot user, ${HOT_CLIENTS} concurrent clients, up to ${HOT_MOVEMENTS} paper deposits …`);
  const hotTimings = newTimings();
  const hotRun = await run(HOT_CLIENTS, HOT_MOVEMENTS, (client, sequence) =>
    deposit(stack, hot, client, `hot-${runId}-${sequence}`, hotTimings),
  );

  console.log(`(b) ${USERS} users in parallel, one client each, up to ${SPREAD_MOVEMENTS} paper deposits …`);
  const spreadTimings = newTimings();
  const spreadRun = await run(USERS, SPREAD_MOVEMENTS, (client, sequence) =>
    deposit(stack, spread[client] as Trader, 0, `spread-${runId}-${sequence}`, spreadTimings),
  );

  // Nothing lost, nothing doubled: each balance is exactly what the API accepted (+ warm-up).
  let mismatches = 0;
  for (const trader of traders) {
    const expected = gbp(BigInt(trader.accepted) * AMOUNT_MINOR);
    const actual = await paperGbp(stack, trader);
    if (actual !== expected) {
      mismatches++;
      console.log(`  MISMATCH ${trader.email}: balance ${actual}, accepted deposits add up to ${expected}`);
    }
  }
  const reconcileStarted = performance.now();
  const reconcile = await fetch(`${stack.baseUrl}/api/v1/ops/reconcile`, {
    headers: { Authorization: `Bearer ${stack.opsToken}` },
  });
  const report = (await reconcile.json()) as {
    ok: boolean;
    checks: { name: string; ok: boolean; detail: string }[];
  };
  const reconcileMs = performance.now() - reconcileStarted;

  console.log("\nledger movements through the API (loopback, wrangler dev, local libSQL server)");
  console.table({
    [`(a) 1 hot user x ${HOT_CLIENTS} clients`]: row(hotRun),
    [`(b) ${USERS} users in parallel`]: row(spreadRun),
  });
  console.log("for scale: the database alone, and reads on the same path (16 clients, 16 users)");
  console.table({
    [`libSQL server alone: single statement, ${USERS} clients`]: row(ceilingStatement),
    [`libSQL server alone: empty write batches, ${USERS} clients`]: row(ceiling),
    "GET /api/v1/me (middleware + session lookup)": row(me),
    "GET /api/v1/wallets (+ Durable Object + 1 read)": row(wallets),
  });
  console.log(
    `libSQL server vs the engine in-process (sequential, no HTTP): single statement ${Math.round(ceilingStatement.perSecond)}/s` +
      ` vs ${Math.round(engineStatement)}/s (${((ceilingStatement.perSecond / engineStatement) * 100).toFixed(1)} %),` +
      ` empty write batch ${Math.round(ceiling.perSecond)}/s vs ${Math.round(engineBatch)}/s (${((ceiling.perSecond / engineBatch) * 100).toFixed(1)} %)`,
  );
  const meanGroup = (timings: Timings) =>
    (timings.groupSize.reduce((sum, size) => sum + size, 0) / Math.max(1, timings.groupSize.length)).toFixed(
      1,
    );
  console.log(
    `where a paper deposit's time goes, (a) hot user (movements per batch, mean: ${meanGroup(hotTimings)})`,
  );
  console.table(timingRows(hotTimings));
  console.log(
    `where a paper deposit's time goes, (b) ${USERS} users (movements per batch, mean: ${meanGroup(spreadTimings)})`,
  );
  console.table(timingRows(spreadTimings));
  console.log(
    `\nbalances: ${traders.length - mismatches}/${traders.length} users hold exactly the deposits the API accepted` +
      ` (${traders.reduce((sum, trader) => sum + trader.accepted, 0)} movements in total;` +
      ` ${retries} retries with the same key after a 5xx or a dropped connection)`,
  );
  console.log(`reconcile (${reconcileMs.toFixed(0)} ms): ${report.ok ? "ok" : "FAILED"}`);
  for (const check of report.checks)
    console.log(`  ${check.ok ? "ok  " : "FAIL"} ${check.name}: ${check.detail}`);
  const goal = spreadRun.perSecond >= 1_000 && spreadRun.p99Ms <= 50;
  console.log(
    `\ngoal (>= 1,000 movements/s across users, p99 <= 50 ms): ${goal ? "met" : "not met"}` +
      ` — ${Math.round(spreadRun.perSecond)}/s, p99 ${spreadRun.p99Ms.toFixed(1)} ms`,
  );
  const nothingLost = report.ok && mismatches === 0;
  const result = (path: string, measured: Measured, lost?: boolean) =>
    reportResult({
      path,
      perSecond: measured.perSecond,
      p50Ms: measured.p50Ms,
      p99Ms: measured.p99Ms,
      ...(lost === undefined ? {} : { nothingLost: lost }),
    });
  result(`paper deposit, ${USERS} users`, spreadRun, nothingLost);
  result("authenticated GET /api/v1/me", me);
  result("libSQL server, single statement", ceilingStatement);
  result("libSQL server, empty write batches", ceiling);
  if (!report.ok || mismatches > 0) process.exitCode = 1;
} finally {
  await stack.stop();
}
