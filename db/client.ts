import { type Client, createClient, type InStatement } from "@libsql/client/web";
import { drizzle } from "drizzle-orm/libsql/web";

/**
 * The only place a libSQL client is created. Callers (one per request, per Durable Object,
 * per script) create it and pass it down; nothing connects at import time.
 */
interface DatabaseOptions {
  url: string;
  authToken?: string | undefined;
  timeoutMs?: number | undefined;
}

export function createDatabaseClient(options: DatabaseOptions): Client {
  const timeoutMs = options.timeoutMs ?? 5_000;
  return createClient({
    url: options.url,
    authToken: options.authToken,
    intMode: "bigint",
    // Every query gets a deadline: a slow or unreachable database becomes a clear
    // "unavailable" error instead of a hung request.
    fetch: (input: Request | string | URL, init?: RequestInit) =>
      fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
  });
}

/**
 * Without the relational schema: nothing uses drizzle's relational queries (`db.query.*`), and
 * handing it the schema made every construction, once per request, walk every table and
 * relation again (`extractTablesRelationalConfig`, ~6 % of the Worker's CPU on an authenticated
 * GET; README decision record 043). Tables are imported where they are queried.
 */
export function createDatabase(client: Client) {
  return drizzle(client);
}

export type Database = ReturnType<typeof createDatabase>;
export type { Client, InStatement };
