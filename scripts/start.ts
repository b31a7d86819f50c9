import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
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

/**
 * `npm start`: the whole platform on embedded defaults. Local libSQL server and local Binance
 * stand-in -> migrations -> demo seed -> Remix build -> wrangler dev. Ctrl-C stops all of it.
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

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
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
  const wranglerEnv = { WRANGLER_SEND_METRICS: "false" };
  log("starting wrangler dev", { url: `http://${host}:${port}` });
  await run(
    "npx",
    ["wrangler", "dev", "--ip", host, "--port", String(port), "--var", `TURSO_DATABASE_URL:${databaseUrl}`],
    wranglerEnv,
  );
}

main().then(
  () => shutdown(0),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    void shutdown(1);
  },
);
