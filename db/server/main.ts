// CLI entry: `npx tsx db/server/main.ts` starts a local libSQL (Hrana over HTTP) server like `turso dev`.
import { resolve } from "node:path";
import { startLibsqlServer } from "./server.ts";

function log(event: Record<string, unknown>): void {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...event }));
}

async function main(): Promise<void> {
  const host = process.env.LIBSQL_HOST || "127.0.0.1";
  const portText = process.env.LIBSQL_PORT || "8080";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`LIBSQL_PORT must be a port number, got ${JSON.stringify(portText)}`);
  }
  const databasePath = resolve(process.env.LIBSQL_DB_PATH || ".data/coinhubx.db");
  const authToken = process.env.TURSO_AUTH_TOKEN || undefined;

  const server = await startLibsqlServer({
    host,
    port,
    databasePath,
    authToken,
    onError: (error) =>
      log({
        level: "error",
        msg: "request failed",
        error: error instanceof Error ? error.stack : String(error),
      }),
  });
  log({
    level: "info",
    msg: "libsql server listening",
    url: server.url,
    databasePath,
    auth: authToken ? "bearer" : "none",
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => {
        log({ level: "info", msg: "libsql server stopped", signal });
        process.exit(0);
      },
      (error: unknown) => {
        log({ level: "error", msg: "shutdown failed", error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  log({
    level: "error",
    msg: "libsql server failed to start",
    error: error instanceof Error ? error.message : String(error),
  });
  process.exit(1);
});
