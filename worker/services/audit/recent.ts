import type { Client } from "../../../db/client.ts";

interface AuditRowView {
  sequence: number;
  at: string;
  event: string;
  outcome: string;
  actor: string;
  userId: string | null;
}

/** The newest audit rows across the platform, for operators. */
export async function listRecentAudit(client: Client, limit = 25): Promise<AuditRowView[]> {
  const result = await client.execute({
    sql: "SELECT sequence, at_ms, event, outcome, actor, user_id FROM audit_log ORDER BY sequence DESC LIMIT ?",
    args: [BigInt(Math.min(Math.max(limit, 1), 200))],
  });
  return result.rows.map((row) => ({
    sequence: Number(row.sequence),
    at: new Date(Number(row.at_ms)).toISOString(),
    event: String(row.event),
    outcome: String(row.outcome),
    actor: String(row.actor),
    userId: row.user_id === null ? null : String(row.user_id),
  }));
}
