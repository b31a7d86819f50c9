import { defineConfig } from "drizzle-kit";

// Generation only (`npm run db:generate`): migrations are applied by `npm run db:migrate`,
// the same code path locally, in tests and against Turso.
export default defineConfig({
  dialect: "turso",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
  dbCredentials: { url: process.env.TURSO_DATABASE_URL ?? "http://127.0.0.1:8080" },
});
