import { fileURLToPath } from "node:url";
import { migrate } from "drizzle-orm/libsql/migrator";
import { type Client, createDatabase, createDatabaseClient } from "./client.ts";
import { MIGRATIONS_TABLE } from "./migrations.ts";

const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

/** Applies every pending migration. The one code path for local, tests and Turso. */
export async function migrateDatabase(client: Client): Promise<void> {
  await migrate(createDatabase(client), { migrationsFolder, migrationsTable: MIGRATIONS_TABLE });
}

// `npm run db:migrate`: against TURSO_DATABASE_URL (+ TURSO_AUTH_TOKEN), defaulting to the
// local server, so the same command migrates a developer's database and production.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const url = process.env.TURSO_DATABASE_URL ?? `http://127.0.0.1:${process.env.LIBSQL_PORT ?? "8080"}`;
  const client = createDatabaseClient({ url, authToken: process.env.TURSO_AUTH_TOKEN, timeoutMs: 30_000 });
  try {
    await migrateDatabase(client);
    console.log(
      JSON.stringify({ level: "info", message: "migrations applied", url: url.replace(/\/\/.*@/, "//") }),
    );
  } finally {
    client.close();
  }
}
