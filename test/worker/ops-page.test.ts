import { env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Client, createDatabaseClient } from "../../db/client.ts";
import { ApiClient, STRONG_PASSWORD, uniqueEmail } from "../support/api-client.ts";
import { TEST_SECRETS } from "../support/test-env.ts";

const ORIGIN = "http://example.com";
/** A browser's form post: Remix compares Origin with Host before it runs an action. */
const FORM_HEADERS = {
  Origin: ORIGIN,
  Host: "example.com",
  "Content-Type": "application/x-www-form-urlencoded",
};

async function signedIn() {
  const client = new ApiClient((input, init) => SELF.fetch(input, init), ORIGIN);
  const email = uniqueEmail("ops-page");
  const response = await client.post<{ user: { id: string } }>("/api/v1/auth/signup", {
    email,
    password: STRONG_PASSWORD,
  });
  return { client, userId: response.body.user.id };
}

describe("the Ops page", () => {
  it("is a 404 for traders and for anonymous visitors is a login redirect", async () => {
    const anonymous = await SELF.fetch(`${ORIGIN}/ops`, { redirect: "manual" });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("Location")).toContain("/login?redirectTo=%2Fops");
    const { client } = await signedIn();
    const trader = await SELF.fetch(`${ORIGIN}/ops`, { headers: { Cookie: client.cookie ?? "" } });
    expect(trader.status).toBe(404);
  });

  it("shows operators health, reconciliation and recent audit events", async () => {
    const { client, userId } = await signedIn();
    const database = createDatabaseClient({
      url: env.TURSO_DATABASE_URL as string,
      authToken: env.TURSO_AUTH_TOKEN as string,
    });
    await database.execute({ sql: "UPDATE users SET role = 'operator' WHERE id = ?", args: [userId] });
    const response = await SELF.fetch(`${ORIGIN}/ops`, { headers: { Cookie: client.cookie ?? "" } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('data-testid="ops-health"');
    expect(html).toContain('data-testid="ops-reconciliation"');
    expect(html).toContain('data-testid="ops-withdrawals"');
    expect(html).toContain("Run reconciliation now");
    expect(html).toContain("account.signup");
    expect(html).toContain(">Operations</a>");
  });
});

function database(): Client {
  return createDatabaseClient({
    url: env.TURSO_DATABASE_URL as string,
    authToken: env.TURSO_AUTH_TOKEN as string,
  });
}

async function operator() {
  const { client, userId } = await signedIn();
  await database().execute({ sql: "UPDATE users SET role = 'operator' WHERE id = ?", args: [userId] });
  return { client, userId, cookie: client.cookie ?? "" };
}

async function reportCount(): Promise<number> {
  const result = await database().execute("SELECT COUNT(*) AS n FROM reconcile_reports");
  return Number(result.rows[0]?.n);
}

async function reportsWithTrigger(trigger: string) {
  const result = await database().execute({
    sql: "SELECT id, ok, checks, duration_ms, created_at_ms FROM reconcile_reports WHERE trigger = ? ORDER BY created_at_ms",
    args: [trigger],
  });
  return result.rows;
}

function reconciler() {
  return env.RECONCILER.get(env.RECONCILER.idFromName("global"));
}

async function alarmOf(stub: ReturnType<typeof reconciler>): Promise<number | null> {
  return runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
}

/**
 * Defect 6: the Ops page ran the full-journal reconciliation and the audit-chain walk on every
 * view. Now a view shows the last stored report; reports are made by the Reconciler's alarm,
 * the operator's button and the API.
 */
describe("reconciliation on the Ops page", () => {
  it("a page view shows the last stored report and runs nothing", async () => {
    const { cookie } = await operator();
    const marker = `planted-${crypto.randomUUID()}`;
    const createdAtMs = Date.now();
    await database().execute({
      sql: `INSERT INTO reconcile_reports (id, trigger, ok, checks, duration_ms, created_at_ms)
            VALUES (?, 'schedule', 0, ?, 4321, ?)`,
      args: [
        marker,
        JSON.stringify([
          { name: "entries_balance", ok: true, detail: "3 entries" },
          { name: "holds_owned", ok: false, detail: `open order hold ${marker} has no order of that user` },
        ]),
        BigInt(createdAtMs),
      ],
    });
    const before = await reportCount();

    const response = await SELF.fetch(`${ORIGIN}/ops`, { headers: { Cookie: cookie } });
    expect(response.status).toBe(200);
    const html = await response.text();

    expect(html).toContain(`open order hold ${marker} has no order of that user`);
    expect(html).toContain("MISMATCH");
    expect(html).toContain(new Date(createdAtMs).toISOString().replace("T", " ").slice(0, 19));
    expect(html).toContain("4,321 ms");
    expect(html).toContain("schedule");
    expect(await reportCount()).toBe(before);
    // The view armed the schedule (cheaply): the Reconciler has an alarm set.
    expect(await alarmOf(reconciler())).not.toBeNull();
  });

  it("the button runs one, stores it, audits it and shows it; traders cannot press it", async () => {
    const { cookie, userId } = await operator();
    const before = await reportCount();
    const response = await SELF.fetch(`${ORIGIN}/ops`, {
      method: "POST",
      headers: { Cookie: cookie, ...FORM_HEADERS },
      body: new URLSearchParams({ intent: "reconcile" }).toString(),
    });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`operator:${userId}`);

    const stored = await reportsWithTrigger(`operator:${userId}`);
    expect(stored).toHaveLength(1);
    expect(await reportCount()).toBe(before + 1);
    const checks = JSON.parse(String(stored[0]?.checks)) as { name: string }[];
    expect(checks.map((check) => check.name)).toEqual(
      expect.arrayContaining([
        "holds_owned",
        "finished_flows_released",
        "bot_allocations_owned",
        "no_stuck_steps",
        "audit_chain_intact",
      ]),
    );
    const audit = await database().execute({
      sql: "SELECT event, outcome, detail FROM audit_log WHERE actor = ? AND event = 'ops.reconcile_run'",
      args: [`operator:${userId}`],
    });
    expect(audit.rows).toHaveLength(1);
    expect(JSON.parse(String(audit.rows[0]?.detail))).toMatchObject({ reportId: String(stored[0]?.id) });

    const { client } = await signedIn();
    const trader = await SELF.fetch(`${ORIGIN}/ops`, {
      method: "POST",
      headers: { Cookie: client.cookie ?? "", ...FORM_HEADERS },
      body: new URLSearchParams({ intent: "reconcile" }).toString(),
    });
    expect(trader.status).toBe(404);
    expect(await reportCount()).toBe(before + 1);
  });

  it("the withdrawal forms still reach the withdrawal service", async () => {
    const { cookie } = await operator();
    const post = (fields: Record<string, string>) =>
      SELF.fetch(`${ORIGIN}/ops`, {
        method: "POST",
        headers: { Cookie: cookie, ...FORM_HEADERS },
        body: new URLSearchParams(fields).toString(),
      });
    const unknown = await post({ transition: "teleport", withdrawalId: "nope" });
    expect(await unknown.text()).toContain('data-error-code="invalid_request">Unknown action.');
    const missing = await post({ transition: "approve", withdrawalId: "no-such-withdrawal" });
    expect(missing.status).toBe(200);
    expect(await missing.text()).toContain('data-error-code="not_found">No such withdrawal.');
  });

  it("the Reconciler alarm stores a report and re-arms itself", async () => {
    const stub = reconciler();
    await stub.ensureScheduled();
    const armed = await alarmOf(stub);
    expect(armed).not.toBeNull();
    const before = (await reportsWithTrigger("schedule")).length;

    expect(await runDurableObjectAlarm(stub)).toBe(true);

    const after = await reportsWithTrigger("schedule");
    expect(after).toHaveLength(before + 1);
    const newest = after.at(-1);
    expect(JSON.parse(String(newest?.checks)).length).toBeGreaterThan(5);
    const rearmed = await alarmOf(stub);
    expect(rearmed).not.toBeNull();
    expect(rearmed ?? 0).toBeGreaterThan(Number(newest?.created_at_ms));
    // Arming again keeps the alarm that is set.
    await stub.ensureScheduled();
    expect(await alarmOf(stub)).toBe(rearmed);
  });

  it("GET /api/v1/ops/reconcile runs every check on demand and stores the report", async () => {
    const before = (await reportsWithTrigger("api")).length;
    const response = await SELF.fetch(`${ORIGIN}/api/v1/ops/reconcile`, {
      headers: { Authorization: `Bearer ${TEST_SECRETS.OPS_TOKEN}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      ok: boolean;
      checks: { name: string; ok: boolean; detail: string }[];
    };
    expect(Object.keys(body).sort()).toEqual(["checks", "ok"]);
    const stored = await reportsWithTrigger("api");
    expect(stored).toHaveLength(before + 1);
    expect(JSON.parse(String(stored.at(-1)?.checks))).toEqual(body.checks);
    expect(Boolean(Number(stored.at(-1)?.ok))).toBe(body.ok);
  });
});
