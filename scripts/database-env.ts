import { existsSync, readFileSync } from "node:fs";
import { parseDevVars } from "./dev-vars.ts";

/**
 * Where developer scripts find the database: TURSO_DATABASE_URL / TURSO_AUTH_TOKEN from the
 * environment (production, CI), else the local server `npm start` runs, with its .dev.vars.
 */
export function databaseTarget(): { url: string; authToken: string | undefined } {
  const vars = existsSync(".dev.vars") ? parseDevVars(readFileSync(".dev.vars", "utf8")) : {};
  const url =
    process.env.TURSO_DATABASE_URL ??
    vars.TURSO_DATABASE_URL ??
    `http://127.0.0.1:${process.env.LIBSQL_PORT ?? "8080"}`;
  const authToken = process.env.TURSO_AUTH_TOKEN ?? vars.TURSO_AUTH_TOKEN;
  return { url, authToken: authToken || undefined };
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//");
}
