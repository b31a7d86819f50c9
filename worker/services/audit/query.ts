import type { Client } from "../../../db/client.ts";

interface SecurityEvent {
  at: string;
  event: string;
  outcome: string;
  ipAddress: string | null;
}

const MAX_EVENTS = 100;

/** A user's own audit events, newest first: what the Security page shows them. */
export async function listUserEvents(client: Client, userId: string, limit = 20): Promise<SecurityEvent[]> {
  const result = await client.execute({
    sql: `SELECT at_ms, event, outcome, ip_address FROM audit_log
          WHERE user_id = ? ORDER BY sequence DESC LIMIT ?`,
    args: [userId, BigInt(Math.min(Math.max(limit, 1), MAX_EVENTS))],
  });
  return result.rows.map((row) => ({
    at: new Date(Number(row.at_ms)).toISOString(),
    event: String(row.event),
    outcome: String(row.outcome),
    ipAddress: row.ip_address === null ? null : String(row.ip_address),
  }));
}
