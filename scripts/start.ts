import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createDatabaseClient } from "../db/client.ts";
import { migrateDatabase } from "../db/migrate.ts";
import { seedDemoData } from "../db/seed.ts";
import { startLibsqlServer } from "../db/server/server.ts";
import {
  DEFAULT_STANDIN_PORT,
  startBinanceStandin,
  TESTNET_FUNDING,
} from "../test/support/binance-standin/server.ts";
import { ConfigError, parseConfig } from "../worker/env.ts";
import { ensureDevVars } from "./dev-vars.ts";
import { type Supervisor, spawnChild, supervise } from "./supervisor.ts";
import { wranglerEnvironment } from "./wrangler-env.ts";

/**
 * `npm start`: the whole platform on embedded defaults. Local libSQL server and local Binance
 * stand-in -> migrations -> demo seed -> Remix build -> wrangler dev. Ctrl-C stops all of it.
 * A `wrangler dev` that dies is started again (scripts/supervisor.ts); the database stays up.
 */
const host = "127.0.0.1";
const libsqlPort = Number(process.env.LIBSQL_PORT ?? 8080);
const port = Number(process.env.PORT ?? 8787);
const binanceStandinPort = Number(process.env.BINANCE_STANDIN_PORT ?? DEFAULT_STANDIN_PORT);
const log = (message: string, fields: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ time: new Date().toISOString(), level: "info", message, ...fields }));

const vars = ensureDevVars({ libsqlPort, binanceStandinPort });
const databaseUrl = process.env.TURSO_DATABASE_URL ?? `http://${host}:${libsqlPort}`;
try {
  parseConfig({ ...vars, TURSO_DATABASE_URL: databaseUrl });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(
      `Configuration is invalid (.dev.vars or environment):\n  - ${error.problems.join("\n  - ")}`,
    );
    process.exit(1);
  }
  throw error;
}

const children: ChildProcess[] = [];
let stopping = false;
let stopServer: (() => Promise<void>) | undefined;
let stopStandin: (() => Promise<void>) | undefined;
let wrangler: Supervisor | undefined;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  await wrangler?.stop();
  // Each child leads its own process group: signal the group, so grandchildren (npx ->
  // wrangler -> workerd) stop too, whether we were stopped by Ctrl-C or by a supervisor.
  for (const child of children) {
    if (child.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  }
  await stopServer?.();
  await stopStandin?.();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "inherit", env: { ...process.env, ...env }, detached: true });
    children.push(child);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited with ${code}`)),
    );
  });
}

/**
 * wrangler dev's local proxy holds about three descriptors per request in flight, and Node
 * raises its soft open-files limit to the hard one, which is all wrangler and workerd get: at a
 * hard limit of 1,024 a burst of ~600 parallel requests made wrangler dev exit (RUNBOOK.md).
 */
const LOW_OPEN_FILES_LIMIT = 4096;

function warnOnLowOpenFilesLimit() {
  let limits: string;
  try {
    limits = readFileSync("/proc/self/limits", "utf8");
  } catch {
    return; // not Linux
  }
  const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  const soft = match?.[1] === "unlimited" ? Number.POSITIVE_INFINITY : Number(match?.[1]);
  if (Number.isFinite(soft) && soft < LOW_OPEN_FILES_LIMIT) {
    log("open-files limit is low: a burst of parallel requests can make wrangler dev exit", {
      openFilesLimit: soft,
      parallelRequestsAtMost: Math.floor(soft / 3),
      fix: "raise the hard limit (ulimit -Hn, or the container's --ulimit nofile=65536:65536); see RUNBOOK.md",
    });
  }
}

async function main() {
  if (!process.env.TURSO_DATABASE_URL) {
    mkdirSync(".data", { recursive: true });
    const server = await startLibsqlServer({
      host,
      port: libsqlPort,
      databasePath: process.env.LIBSQL_DB_PATH ?? ".data/coinhubx.db",
      authToken: vars.TURSO_AUTH_TOKEN,
    });
    stopServer = server.close;
    log("local libSQL server listening", { url: server.url });
  }
  // The exchange: the stand-in when .dev.vars points LIVE trading at it (the default), with the
  // account of .dev.vars funded like a testnet account; in memory, so every start is fresh.
  const standinUrl = `http://${host}:${binanceStandinPort}`;
  if (vars.BINANCE_BASE_URL === standinUrl && vars.BINANCE_API_KEY && vars.BINANCE_API_SECRET) {
    const standin = await startBinanceStandin({
      host,
      port: binanceStandinPort,
      accounts: [
        {
          apiKey: vars.BINANCE_API_KEY,
          secretKey: vars.BINANCE_API_SECRET,
          balances: { ...TESTNET_FUNDING },
        },
      ],
    });
    stopStandin = standin.close;
    log("local Binance stand-in listening", { url: standin.url, funded: TESTNET_FUNDING });
  } else {
    log("Binance stand-in not started: BINANCE_BASE_URL points elsewhere", { url: vars.BINANCE_BASE_URL });
  }
  const client = createDatabaseClient({
    url: databaseUrl,
    authToken: vars.TURSO_AUTH_TOKEN,
    timeoutMs: 30_000,
  });
  await migrateDatabase(client);
  log("migrations applied");
  const seeded = await seedDemoData(client);
  log(seeded ? "demo data seeded" : "database already has data; seed skipped");
  client.close();

  await run("npx", ["remix", "vite:build"]);
  const wranglerEnv = wranglerEnvironment();
  log("starting wrangler dev", { url: `http://${host}:${port}` });
  const wranglerArgs = [
    "dev",
    "--ip",
    host,
    "--port",
    String(port),
    "--var",
    `TURSO_DATABASE_URL:${databaseUrl}`,
  ];
  // The CSRF check's origin (SITE_ORIGIN): the address wrangler dev serves, unless .dev.vars or
  // the environment names another (a tunnel, a proxy in front).
  if (!vars.SITE_ORIGIN) {
    wranglerArgs.push("--var", `SITE_ORIGIN:${process.env.SITE_ORIGIN ?? `http://${host}:${port}`}`);
  }
  // wrangler's CLI itself, not `npx wrangler`: npx and wrangler's bin wrapper both report a
  // child killed by a signal as exit code 0, which would read as "stopped on purpose".
  const wranglerCli = join(
    dirname(createRequire(import.meta.url).resolve("wrangler/package.json")),
    "wrangler-dist/cli.js",
  );
  warnOnLowOpenFilesLimit();
  wrangler = supervise({
    name: "wrangler dev",
    start: () => spawnChild(process.execPath, ["--no-warnings", wranglerCli, ...wranglerArgs], wranglerEnv),
    // wrangler dev can also hang without exiting (after restarting a workerd it lost): /healthz
    // decides, and three failed probes in a row restart it like a crash.
    health: {
      probe: async () => {
        const response = await fetch(`http://${host}:${port}/healthz`, {
          signal: AbortSignal.timeout(3_000),
        });
        await response.body?.cancel();
        return response.ok;
      },
    },
    log: (level, message, fields) =>
      console.log(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })),
  });
  const end = await wrangler.done;
  if (end.reason === "gave_up") {
    // The database and the stand-in stay up (their state is worth a look); Ctrl-C stops them.
    await new Promise<never>(() => undefined);
  }
}

main().then(
  () => shutdown(0),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    void shutdown(1);
  },
);
