import type { Client, InStatement } from "../../../db/client.ts";
import { sha256Hex } from "../auth/crypto.ts";

/**
 * The one audit log: append-only and hash-chained. Each row's hash covers the previous
 * row's hash and its own content, so an edited, deleted or re-ordered row breaks the chain.
 * Sequence numbers are the primary key: two writers racing for the same next sequence
 * cannot both win, so the chain never forks — the loser re-reads the head and retries.
 */
export const GENESIS_HASH = "0".repeat(64);
/**
 * Appends race for the next sequence; the loser reads the new head and tries again after a
 * short random pause (so a crowd of writers spreads out instead of colliding in lockstep).
 * Bounded: with 40 attempts and pauses up to 40 ms a writer gives up only after ~1.6 s of
 * losing every race, which takes dozens of writers at once.
 */
const MAX_APPEND_ATTEMPTS = 40;
const MAX_BACKOFF_MS = 40;

async function backoff(attempt: number): Promise<void> {
  const [random = 0] = crypto.getRandomValues(new Uint32Array(1));
  const ceilingMs = Math.min(MAX_BACKOFF_MS, 2 * attempt);
  await new Promise((resolve) => setTimeout(resolve, (random / 2 ** 32) * ceilingMs));
}

export interface AuditEvent {
  event: string;
  outcome: "success" | "failure" | "info";
  actor: string;
  userId?: string | null | undefined;
  requestId?: string | null | undefined;
  ipAddress?: string | null | undefined;
  detail?: Record<string, unknown> | undefined;
  atMs?: number | undefined;
}

export interface ChainHead {
  sequence: number;
  hash: string;
}

async function readChainHead(client: Client): Promise<ChainHead> {
  const result = await client.execute("SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1");
  const row = result.rows[0];
  return row
    ? { sequence: Number(row.sequence), hash: String(row.hash) }
    : { sequence: 0, hash: GENESIS_HASH };
}

function canonicalContent(row: {
  sequence: number;
  atMs: number;
  userId: string | null;
  actor: string;
  event: string;
  outcome: string;
  requestId: string | null;
  ipAddress: string | null;
  detail: string;
}): string {
  return JSON.stringify([
    row.sequence,
    row.atMs,
    row.userId,
    row.actor,
    row.event,
    row.outcome,
    row.requestId,
    row.ipAddress,
    row.detail,
  ]);
}

async function rowHash(previousHash: string, content: string): Promise<string> {
  return sha256Hex(`${previousHash}\n${content}`);
}

/** The INSERT for one event after `head`; run it alone or inside a money movement's batch. */
export async function auditStatement(head: ChainHead, event: AuditEvent): Promise<InStatement> {
  const row = {
    sequence: head.sequence + 1,
    atMs: event.atMs ?? Date.now(),
    userId: event.userId ?? null,
    actor: event.actor,
    event: event.event,
    outcome: event.outcome,
    requestId: event.requestId ?? null,
    ipAddress: event.ipAddress ?? null,
    detail: JSON.stringify(event.detail ?? {}),
  };
  const hash = await rowHash(head.hash, canonicalContent(row));
  return {
    sql: `INSERT INTO audit_log (sequence, at_ms, user_id, actor, event, outcome, request_id, ip_address, detail, previous_hash, hash)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    args: [
      BigInt(row.sequence),
      BigInt(row.atMs),
      row.userId,
      row.actor,
      row.event,
      row.outcome,
      row.requestId,
      row.ipAddress,
      row.detail,
      head.hash,
      hash,
    ],
  };
}

export function isSequenceConflict(error: unknown): boolean {
  const text = `${(error as { code?: string })?.code ?? ""} ${(error as Error)?.message ?? ""}`;
  return /UNIQUE|PRIMARY KEY|CONSTRAINT/i.test(text) && /audit_log/i.test(text);
}

/** Appends one event on its own; retries when another writer took the next sequence. */
export async function appendAudit(client: Client, event: AuditEvent): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const statement = await auditStatement(await readChainHead(client), event);
    try {
      await client.execute(statement);
      return;
    } catch (error) {
      if (!isSequenceConflict(error) || attempt >= MAX_APPEND_ATTEMPTS) throw error;
      await backoff(attempt);
    }
  }
}

/**
 * A write and its audit event in ONE atomic batch: the event is inserted only if `write`
 * changed exactly one row (a compare-and-set that lost writes nothing, and logs nothing), so
 * a state change is never committed without its audit row, nor audited without committing.
 * Returns whether the write took effect. Retries when another writer took the next sequence.
 */
export async function writeWithAudit(
  client: Client,
  write: InStatement,
  event: AuditEvent,
  /** Statements that belong to the same change (idempotent by their own keys), run first. */
  also: InStatement[] = [],
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const insert = await auditStatement(await readChainHead(client), event);
    if (typeof insert === "string") throw new Error("an audit insert always carries arguments");
    const sql = insert.sql.replace(/\)\s*VALUES\s*\(([^)]*)\)\s*$/s, ") SELECT $1 WHERE changes() = 1");
    if (sql === insert.sql)
      throw new Error("the audit insert no longer has the shape writeWithAudit expects");
    const conditional = { ...insert, sql };
    try {
      const results = await client.batch([...also, write, conditional], "write");
      return (results[also.length]?.rowsAffected ?? 0) === 1;
    } catch (error) {
      if (!isSequenceConflict(error) || attempt >= MAX_APPEND_ATTEMPTS) throw error;
      await backoff(attempt);
    }
  }
}

interface ChainVerification {
  ok: boolean;
  rows: number;
  head: string;
  firstBrokenSequence?: number;
}

/** Walks the whole chain in pages of bounded size. */
export async function verifyAuditChain(client: Client, pageSize = 1_000): Promise<ChainVerification> {
  let previousHash = GENESIS_HASH;
  let expectedSequence = 1;
  let rows = 0;
  for (;;) {
    const page = await client.execute({
      sql: `SELECT sequence, at_ms, user_id, actor, event, outcome, request_id, ip_address, detail, previous_hash, hash
            FROM audit_log WHERE sequence >= ? ORDER BY sequence LIMIT ?`,
      args: [BigInt(expectedSequence), BigInt(pageSize)],
    });
    for (const row of page.rows) {
      const sequence = Number(row.sequence);
      const content = canonicalContent({
        sequence,
        atMs: Number(row.at_ms),
        userId: row.user_id === null ? null : String(row.user_id),
        actor: String(row.actor),
        event: String(row.event),
        outcome: String(row.outcome),
        requestId: row.request_id === null ? null : String(row.request_id),
        ipAddress: row.ip_address === null ? null : String(row.ip_address),
        detail: String(row.detail),
      });
      const broken =
        sequence !== expectedSequence ||
        String(row.previous_hash) !== previousHash ||
        String(row.hash) !== (await rowHash(previousHash, content));
      if (broken) return { ok: false, rows, head: previousHash, firstBrokenSequence: sequence };
      previousHash = String(row.hash);
      expectedSequence++;
      rows++;
    }
    if (page.rows.length < pageSize) return { ok: true, rows, head: previousHash };
  }
}
