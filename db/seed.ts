import { appendAudit } from "../worker/services/audit/append.ts";
import { hashPassword } from "../worker/services/auth/password.ts";
import type { Client, InStatement } from "./client.ts";

export const DEMO_USER = { email: "demo@coinhubx.local", password: "demo-trader-password" } as const;
export const DEMO_OPERATOR = { email: "ops@coinhubx.local", password: "demo-operator-password" } as const;

const DEMO_ACCOUNTS = [
  { ...DEMO_USER, role: "trader", referralCode: "DEMO0001" },
  { ...DEMO_OPERATOR, role: "operator", referralCode: "DEMO0002" },
] as const;

/**
 * Seeds the demo trader and the demo operator (README, RUNBOOK), so a fresh `npm start` has
 * something to log in with, the Ops page included. Touches only a database that has no users,
 * or nothing but demo accounts (one seeded before the operator existed gets the operator added):
 * an operator with a published password must never appear next to real accounts. Idempotent;
 * returns whether it created anything.
 */
export async function seedDemoData(client: Client): Promise<boolean> {
  const demoEmails = new Set<string>(DEMO_ACCOUNTS.map((account) => account.email));
  const existing = await client.execute("SELECT email FROM users");
  const emails = existing.rows.map((row) => String(row.email));
  if (emails.some((email) => !demoEmails.has(email))) return false;
  const missing = DEMO_ACCOUNTS.filter((account) => !emails.includes(account.email));
  if (missing.length === 0) return false;

  const now = BigInt(Date.now());
  const inserts: { account: (typeof DEMO_ACCOUNTS)[number]; id: string; statement: InStatement }[] = [];
  for (const account of missing) {
    const id = crypto.randomUUID();
    inserts.push({
      account,
      id,
      statement: {
        // A concurrent seed may have won the race: the unique indexes decide, nothing fails.
        sql: `INSERT INTO users (id, email, password_hash, role, referral_code, created_at_ms)
              VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        args: [
          id,
          account.email,
          await hashPassword(account.password),
          account.role,
          account.referralCode,
          now,
        ],
      },
    });
  }
  const results = await client.batch(
    inserts.map((insert) => insert.statement),
    "write",
  );
  let created = false;
  for (const [index, insert] of inserts.entries()) {
    if ((results[index]?.rowsAffected ?? 0) === 0) continue;
    created = true;
    if (insert.account.role === "operator") {
      // Same audit event as `npm run ops:grant`: every operator role has a trail.
      await appendAudit(client, {
        event: "operator.granted",
        outcome: "success",
        actor: "seed:demo",
        userId: insert.id,
        detail: { demo: true },
      });
    }
  }
  return created;
}
