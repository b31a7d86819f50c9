import { hashPassword } from "../worker/services/auth/password.ts";
import type { Client } from "./client.ts";

export const DEMO_USER = { email: "demo@coinhubx.local", password: "demo-trader-password" } as const;
export const DEMO_OPERATOR = { email: "ops@coinhubx.local", password: "demo-operator-password" } as const;

/**
 * Seeds a demo trader when the database has no users, so a fresh `npm start` has something
 * to log in with. Never runs against a database that already has users.
 */
export async function seedDemoData(client: Client): Promise<boolean> {
  const existing = await client.execute("SELECT count(*) AS n FROM users");
  if (Number(existing.rows[0]?.n ?? 0) > 0) return false;
  const now = Date.now();
  await client.execute({
    sql: `INSERT INTO users (id, email, password_hash, role, referral_code, created_at_ms)
          VALUES (?, ?, ?, 'trader', ?, ?)`,
    args: [
      crypto.randomUUID(),
      DEMO_USER.email,
      await hashPassword(DEMO_USER.password),
      "DEMO0001",
      BigInt(now),
    ],
  });
  return true;
}
