import { type Client, createDatabase, createDatabaseClient, type Database } from "../../db/client.ts";
import type { Bindings, Config } from "../env.ts";
import type { Logger } from "../logger.ts";
import { createSentry } from "./sentry.ts";

/**
 * Everything a request needs, built once per request and passed down (to API handlers and
 * to Remix loaders alike). The database client is created here and nowhere else in the
 * Worker, lazily: a request that never asks for it does not build it.
 */
export interface Services {
  config: Config;
  env: Bindings;
  logger: Logger;
  requestId: string;
  client: Client;
  db: Database;
  /** Error reporting; null when no SENTRY_DSN is configured. */
  sentry: ReturnType<typeof createSentry>;
}

export function createServices(input: {
  config: Config;
  env: Bindings;
  logger: Logger;
  requestId: string;
  request?: Request;
  waitUntil?: (promise: Promise<unknown>) => void;
}): Services {
  // Built on first use: the home page from its stored render, /healthz from its cached status
  // and every refusal before a handler never touch the database (README decision record 043).
  let client: Client | undefined;
  let db: Database | undefined;
  const databaseClient = (): Client =>
    (client ??= createDatabaseClient({
      url: input.config.TURSO_DATABASE_URL,
      authToken: input.config.TURSO_AUTH_TOKEN,
      timeoutMs: input.config.DATABASE_TIMEOUT_MS,
    }));
  const sentry = createSentry({
    dsn: input.config.SENTRY_DSN,
    release: input.config.RELEASE,
    environment: input.config.ENVIRONMENT,
    requestId: input.requestId,
    ...(input.request ? { request: input.request } : {}),
    ...(input.waitUntil ? { waitUntil: input.waitUntil } : {}),
  });
  const { request: _request, waitUntil: _waitUntil, ...rest } = input;
  return {
    ...rest,
    sentry,
    get client() {
      return databaseClient();
    },
    get db() {
      db ??= createDatabase(databaseClient());
      return db;
    },
  };
}
