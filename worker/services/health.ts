import { expectedMigrationHead, MIGRATIONS_TABLE } from "../../db/migrations.ts";
import type { Services } from "./context.ts";

export interface CheckResult {
  ok: boolean;
  latencyMs: number;
  detail?: string;
}

const CHECK_TIMEOUT_MS = 2_000;

async function timed(run: () => Promise<string | undefined>): Promise<CheckResult> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    });
    const detail = await Promise.race([run(), timeout]);
    return { ok: true, latencyMs: elapsed(started), ...(detail ? { detail } : {}) };
  } catch (error) {
    return { ok: false, latencyMs: elapsed(started), detail: describe(error) };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number) {
  return Math.round((performance.now() - started) * 100) / 100;
}

/** Reveals the kind of failure, never connection strings or tokens. */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/(libsql|https?|wss?):\/\/\S+/g, "<url>").slice(0, 200);
}

export async function checkReadiness(services: Services) {
  const [database, migrations, durableObjects] = await Promise.all([
    timed(async () => {
      const result = await services.client.execute("SELECT 1 AS ok");
      if (Number(result.rows[0]?.ok) !== 1) throw new Error("unexpected answer to SELECT 1");
      return undefined;
    }),
    timed(async () => {
      const expected = expectedMigrationHead();
      const result = await services.client.execute(
        `SELECT created_at FROM ${MIGRATIONS_TABLE} ORDER BY created_at DESC LIMIT 1`,
      );
      const applied = Number(result.rows[0]?.created_at ?? 0);
      if (applied !== expected.createdAtMs) {
        throw new Error(`database is not at migration head ${expected.tag} (run npm run db:migrate)`);
      }
      return expected.tag;
    }),
    timed(async () => {
      // One instance of every Durable Object class answers RPC (the probe names never hold data).
      const env = services.env;
      const answers = await Promise.all([
        env.USER_LEDGER.get(env.USER_LEDGER.idFromName("readiness-probe")).ping(),
        env.USER_ORDERS.get(env.USER_ORDERS.idFromName("readiness-probe")).ping(),
        env.BOT.get(env.BOT.idFromName("readiness-probe")).ping(),
        env.METRICS.get(env.METRICS.idFromName("global")).ping(),
        env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("readiness-probe")).ping(),
        env.RECONCILER.get(env.RECONCILER.idFromName("readiness-probe")).ping(),
      ]);
      if (answers.some((answer) => answer !== "pong")) throw new Error("unexpected ping answer");
      return undefined;
    }),
  ]);
  const checks = { database, migrations, durableObjects };
  const ok = Object.values(checks).every((check) => check.ok);
  return { ok, checks };
}

const STATUS_CACHE_MS = 5_000;
let cachedStatus: { atMs: number; ok: boolean } | undefined;

/**
 * Whether the database answered recently: pages use it to show a maintenance banner. One
 * round trip per isolate every few seconds at most, with a short timeout.
 */
export async function databaseAvailable(services: Services, nowMs = Date.now()): Promise<boolean> {
  if (cachedStatus && nowMs - cachedStatus.atMs < STATUS_CACHE_MS) return cachedStatus.ok;
  const check = await timed(async () => {
    await services.client.execute("SELECT 1");
    return undefined;
  });
  cachedStatus = { atMs: nowMs, ok: check.ok };
  return check.ok;
}
