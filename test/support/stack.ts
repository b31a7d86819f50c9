import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest, type Server } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createDatabaseClient } from "../../db/client.ts";
import { migrateDatabase } from "../../db/migrate.ts";
import { startLibsqlServer, WORKERD_FACING_KEEP_ALIVE_MS } from "../../db/server/server.ts";
import { wranglerEnvironment } from "../../scripts/wrangler-env.ts";
import { TEST_SECRETS } from "./test-env.ts";

export interface RunningStack {
  baseUrl: string;
  libsqlUrl: string;
  libsqlAuthToken: string;
  opsToken: string;
  /** Output of wrangler dev (the Worker's JSON log lines among them). */
  output: () => string;
  /** The same output, appended to a file as it arrives (read by other test processes). */
  logFile: string;
  stopDatabase: () => Promise<void>;
  startDatabase: () => Promise<void>;
  /** Delay every database response by this much (a slow database); 0 restores. */
  setDatabaseDelayMs: (delayMs: number) => void;
  stop: () => Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `url` answers 2xx; fails when `child` exits first or `timeoutMs` passes. */
export async function waitFor(
  url: string,
  timeoutMs: number,
  child: ChildProcess,
  name = "wrangler dev",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/**
 * The whole platform on loopback, as `npm start` runs it, on a fresh database and ephemeral
 * ports: the local libSQL server in this process and `wrangler dev` as a child. Expects
 * `npm run build` to have produced build/.
 */
export interface StackOptions {
  vars?: Record<string, string>;
  /**
   * Benchmarks: the libSQL server in a process of its own and the Worker talking to it
   * directly, as production's database is a service of its own. Otherwise the server runs in
   * this process behind a pass-through proxy that tests can stop, restart and slow down; a
   * benchmark that did that would measure its own load generator, the proxy and the database
   * sharing one Node.js thread (decision record 043).
   */
  separateDatabase?: boolean;
  /** Opens the Worker to DevTools (or a CDP client) on this port, for profiling. */
  inspectorPort?: string;
}

interface DatabaseHandle {
  url: string;
  close(): Promise<void>;
  /** The server's process id when it runs in a process of its own (benches read its I/O counters). */
  pid?: number | undefined;
}

/** `db/server/main.ts` as a child process; resolves once it answers /health. */
export async function startDatabaseProcess(options: {
  port: number;
  databasePath: string;
  authToken: string;
}): Promise<DatabaseHandle> {
  const child = spawn(
    process.execPath,
    [
      // Profiling the database under a benchmark: DATABASE_CPU_PROFILE_DIR=/some/dir npm run bench:…
      ...(process.env.DATABASE_CPU_PROFILE_DIR
        ? ["--cpu-prof", `--cpu-prof-dir=${process.env.DATABASE_CPU_PROFILE_DIR}`]
        : []),
      "--import",
      "tsx",
      fileURLToPath(new URL("../../db/server/main.ts", import.meta.url)),
    ],
    {
      env: {
        ...process.env,
        LIBSQL_HOST: "127.0.0.1",
        LIBSQL_PORT: String(options.port),
        LIBSQL_DB_PATH: options.databasePath,
        TURSO_AUTH_TOKEN: options.authToken,
      },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitFor(`${url}/health`, 30_000, child, "the libSQL server");
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    url,
    pid: child.pid,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export async function startStack(options: StackOptions = {}): Promise<RunningStack> {
  const directory = mkdtempSync(join(tmpdir(), "coinhubx-stack-"));
  const databasePath = join(directory, "stack.db");
  const libsqlAuthToken = "stack-libsql-token-0123456789";
  const libsqlPort = await freePort();
  const serverOptions = { host: "127.0.0.1", port: libsqlPort, databasePath, authToken: libsqlAuthToken };
  const openDatabase = (): Promise<DatabaseHandle> =>
    options.separateDatabase ? startDatabaseProcess(serverOptions) : startLibsqlServer(serverOptions);
  let database = await openDatabase();
  const client = createDatabaseClient({ url: database.url, authToken: libsqlAuthToken, timeoutMs: 30_000 });
  await migrateDatabase(client);
  client.close();

  // The Worker reaches the database through this pass-through proxy, which tests can slow down.
  let delayMs = 0;
  const proxy: Server = createHttpServer((incoming, outgoing) => {
    const upstream = httpRequest(
      {
        host: "127.0.0.1",
        port: libsqlPort,
        path: incoming.url,
        method: incoming.method,
        headers: incoming.headers,
      },
      (response) => {
        const forward = () => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        };
        if (delayMs > 0) setTimeout(forward, delayMs);
        else forward();
      },
    );
    upstream.on("error", () => {
      outgoing.destroy();
    });
    incoming.pipe(upstream);
  });
  // Longer than workerd keeps an idle connection to reuse, as for the libSQL server itself
  // (db/server/server.ts, decision record 044).
  proxy.keepAliveTimeout = WORKERD_FACING_KEEP_ALIVE_MS;
  const proxyPort = await freePort();
  await new Promise<void>((resolve) => proxy.listen(proxyPort, "127.0.0.1", resolve));

  const port = await freePort();
  const vars: Record<string, string> = {
    ...TEST_SECRETS,
    // Browsers and the API clients of e2e tests and benches speak from wrangler dev's address.
    SITE_ORIGIN: `http://127.0.0.1:${port}`,
    LOG_LEVEL: "info",
    TURSO_DATABASE_URL: options.separateDatabase ? database.url : `http://127.0.0.1:${proxyPort}`,
    TURSO_AUTH_TOKEN: libsqlAuthToken,
    DATABASE_TIMEOUT_MS: "1500",
    // No exchange account unless the caller starts the Binance stand-in and passes its keys
    // (test/support/e2e-setup.ts): whatever a local .dev.vars says, a bench's stack has none.
    BINANCE_API_KEY: "",
    BINANCE_API_SECRET: "",
    ...options.vars,
  };
  const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(port)];
  args.push("--persist-to", join(directory, "wrangler-state"), "--show-interactive-dev-session=false");
  if (options.inspectorPort) args.push("--inspector-port", options.inspectorPort);
  for (const [key, value] of Object.entries(vars)) args.push("--var", `${key}:${value}`);
  const child = spawn("npx", args, {
    env: wranglerEnvironment(process.env, { CI: "true", NO_COLOR: "1" }),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  let stopping = false;
  const logFile = join(directory, "wrangler.log");
  const capture = (chunk: Buffer) => {
    output += chunk.toString();
    // wrangler dev can still print while the stack is being removed.
    if (!stopping) appendFileSync(logFile, chunk);
  };
  child.stdout?.on("data", capture);
  child.stderr?.on("data", capture);
  child.on("exit", (code, signal) => {
    if (stopping) return;
    // Said where a test run's output shows it: every request after this point is refused.
    process.stderr.write(
      `\n[stack] wrangler dev exited unexpectedly (code ${code}, signal ${signal}); its last output:\n${output.slice(-3000)}\n`,
    );
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${baseUrl}/healthz`, 90_000, child);
  } catch (error) {
    stopping = true;
    if (child.pid) process.kill(-child.pid, "SIGKILL");
    // Nothing of a stack that did not start is left running.
    await database.close().catch(() => undefined);
    proxy.closeAllConnections();
    proxy.close();
    throw new Error(`${(error as Error).message}\n${output.slice(-4000)}`);
  }
  return {
    baseUrl,
    libsqlUrl: database.url,
    libsqlAuthToken,
    opsToken: TEST_SECRETS.OPS_TOKEN,
    output: () => output,
    logFile,
    stopDatabase: () => database.close(),
    startDatabase: async () => {
      database = await openDatabase();
    },
    setDatabaseDelayMs: (value) => {
      if (options.separateDatabase) throw new Error("a separate database is reached without the proxy");
      delayMs = value;
    },
    stop: async () => {
      stopping = true;
      if (child.pid && child.exitCode === null) {
        process.kill(-child.pid, "SIGTERM");
        await new Promise((resolve) => {
          const timer = setTimeout(() => {
            if (child.pid && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
            resolve(undefined);
          }, 5_000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve(undefined);
          });
        });
      }
      await database.close().catch(() => undefined);
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
