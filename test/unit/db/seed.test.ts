import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Client, createDatabaseClient } from "../../../db/client.ts";
import { migrateDatabase } from "../../../db/migrate.ts";
import { DEMO_OPERATOR, DEMO_USER, seedDemoData } from "../../../db/seed.ts";
import { type LibsqlServer, startLibsqlServer } from "../../../db/server/server.ts";
import { verifyAuditChain } from "../../../worker/services/audit/append.ts";
import { verifyPassword } from "../../../worker/services/auth/password.ts";

const dir = mkdtempSync(join(tmpdir(), "seed-test-"));
const opened: { server: LibsqlServer; client: Client }[] = [];

afterAll(async () => {
  for (const { server, client } of opened) {
    client.close();
    await server.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh, migrated database behind its own local libSQL server (as `npm start` runs it). */
async function freshDatabase(name: string): Promise<Client> {
  const server = await startLibsqlServer({ port: 0, databasePath: join(dir, `${name}.db`) });
  const client = createDatabaseClient({ url: server.url, timeoutMs: 30_000 });
  opened.push({ server, client });
  await migrateDatabase(client);
  return client;
}

async function users(client: Client) {
  const rs = await client.execute("SELECT id, email, role, password_hash FROM users ORDER BY email");
  return rs.rows.map((r) => ({
    id: String(r.id),
    email: String(r.email),
    role: String(r.role),
    passwordHash: String(r.password_hash),
  }));
}

describe("seedDemoData", () => {
  it("creates the demo trader and the demo operator (with the operator role) in an empty database", async () => {
    const client = await freshDatabase("empty");
    expect(await seedDemoData(client)).toBe(true);

    const rows = await users(client);
    expect(rows.map((u) => [u.email, u.role])).toEqual([
      [DEMO_USER.email, "trader"],
      [DEMO_OPERATOR.email, "operator"],
    ]);
    const trader = rows.find((u) => u.email === DEMO_USER.email)!;
    const operator = rows.find((u) => u.email === DEMO_OPERATOR.email)!;
    // The passwords README and RUNBOOK promise log in (the login path uses verifyPassword).
    expect((await verifyPassword(DEMO_USER.password, trader.passwordHash)).ok).toBe(true);
    expect((await verifyPassword(DEMO_OPERATOR.password, operator.passwordHash)).ok).toBe(true);
    expect((await verifyPassword(DEMO_USER.password, operator.passwordHash)).ok).toBe(false);

    // Like `npm run ops:grant`, the operator role is audited, and the chain stays intact.
    const audit = await client.execute(
      "SELECT event, user_id FROM audit_log WHERE event = 'operator.granted'",
    );
    expect(audit.rows.map((r) => String(r.user_id))).toEqual([operator.id]);
    expect((await verifyAuditChain(client)).ok).toBe(true);
  });

  it("is idempotent: a second run changes nothing", async () => {
    const client = await freshDatabase("twice");
    expect(await seedDemoData(client)).toBe(true);
    const before = await users(client);
    expect(await seedDemoData(client)).toBe(false);
    expect(await users(client)).toEqual(before);
    const audit = await client.execute(
      "SELECT count(*) AS n FROM audit_log WHERE event = 'operator.granted'",
    );
    expect(Number(audit.rows[0]!.n)).toBe(1);
  });

  it("adds the missing demo operator to a database seeded before it existed (demo trader only)", async () => {
    const client = await freshDatabase("trader-only");
    await client.execute({
      sql: `INSERT INTO users (id, email, password_hash, role, referral_code, created_at_ms)
            VALUES ('old-demo', ?, 'pbkdf2-sha256$1$AA==$AA==', 'trader', 'DEMO0001', 1)`,
      args: [DEMO_USER.email],
    });
    expect(await seedDemoData(client)).toBe(true);
    const rows = await users(client);
    expect(rows.map((u) => [u.id === "old-demo", u.email, u.role])).toEqual([
      [true, DEMO_USER.email, "trader"],
      [false, DEMO_OPERATOR.email, "operator"],
    ]);
  });

  it("never adds demo accounts (least of all an operator with a known password) next to real users", async () => {
    const client = await freshDatabase("real-users");
    await client.execute(
      `INSERT INTO users (id, email, password_hash, role, referral_code, created_at_ms)
       VALUES ('real', 'alice@example.com', 'pbkdf2-sha256$1$AA==$AA==', 'trader', 'ALICE001', 1)`,
    );
    expect(await seedDemoData(client)).toBe(false);
    expect((await users(client)).map((u) => u.email)).toEqual(["alice@example.com"]);
  });
});
