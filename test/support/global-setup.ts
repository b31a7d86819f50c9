import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { createDatabaseClient } from "../../db/client.ts";
import { migrateDatabase } from "../../db/migrate.ts";
import { startLibsqlServer } from "../../db/server/server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    libsqlUrl: string;
    libsqlAuthToken: string;
  }
}

/**
 * Worker tests talk to a real local libSQL server (started here in Node, reached over
 * loopback from inside workerd), on a fresh migrated database per run.
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
  return async () => {
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  };
}
