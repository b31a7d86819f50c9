import journal from "./migrations/meta/_journal.json";

/** The newest migration this build ships: `/readyz` compares it with what the database has applied. */
export function expectedMigrationHead(): { tag: string; createdAtMs: number } {
  const last = journal.entries.at(-1);
  if (!last) throw new Error("db/migrations/meta/_journal.json lists no migrations");
  return { tag: last.tag, createdAtMs: last.when };
}

export const MIGRATIONS_TABLE = "__drizzle_migrations";
