import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { createDatabaseClient } from "../../db/client.ts";
import { migrateDatabase } from "../../db/migrate.ts";
import { startLibsqlServer } from "../../db/server/server.ts";
import { startTestExchange } from "./standin-control.ts";

declare module "vitest" {
  export interface ProvidedContext {
    libsqlUrl: string;
    libsqlAuthToken: string;
    binanceUrl: string;
    binanceApiKey: string;
    binanceApiSecret: string;
    /** The stand-in's control server (faults, clock, balances): standin-control.ts. */
    binanceControlUrl: string;
  }
}

/**
 * Worker tests talk to a real local libSQL server (started here in Node, reached over
 * loopback from inside workerd), on a fresh migrated database per run, and to the Binance
 * stand-in as the platform's exchange account (funded with TEST_EXCHANGE_FUNDING), so LIVE
 * orders in every worker test go to it.
 */
export default async function setup(project: TestProject) {
  const directory = mkdtempSync(join(tmpdir(), "coinhubx-test-"));
  const authToken = "test-libsql-token-0123456789";
  const server = await startLibsqlServer({
    host: "127.0.0.1",
    port: 0,
    databasePath: join(directory, "test.db"),
    authToken,
  });
  const client = createDatabaseClient({ url: server.url, authToken, timeoutMs: 30_000 });
  await migrateDatabase(client);
  client.close();
  project.provide("libsqlUrl", server.url);
  project.provide("libsqlAuthToken", authToken);
  const exchange = await startTestExchange();
  project.provide("binanceUrl", exchange.url);
  project.provide("binanceApiKey", exchange.apiKey);
  project.provide("binanceApiSecret", exchange.secretKey);
  project.provide("binanceControlUrl", exchange.controlUrl);
  return async () => {
    await exchange.close();
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  };
}
