import { sha256Hex } from "../auth/crypto.ts";
import { assert } from "./assets.ts";

/**
 * The entry id is the idempotency key: derived from the key and the scope it is unique in, so
 * a retry (after a timeout, a Durable Object restart, a lost response) lands on the same row
 * and can never be written twice.
 *
 * Scopes: a user's own keys are unique per user (two users may both send "abc"); operator
 * deposit keys are global, because one ops key reused for another user is the same mistake as
 * reusing it with another amount and must be refused, not executed twice.
 */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 320;

type KeyScope = { kind: "user"; userId: string } | { kind: "ops" };

export async function entryIdFor(scope: KeyScope, idempotencyKey: string): Promise<string> {
  assert(
    idempotencyKey.length > 0 && idempotencyKey.length <= MAX_IDEMPOTENCY_KEY_LENGTH,
    "idempotency key length",
  );
  const scoped = scope.kind === "ops" ? `ops\n${idempotencyKey}` : `user\n${scope.userId}\n${idempotencyKey}`;
  // 128 bits of SHA-256: collision-free for any ledger this will ever hold, and short on the wire.
  return (await sha256Hex(`ledger-entry\n${scoped}`)).slice(0, 32);
}

/** Same request <=> same hash. Keys are sorted and bigints tagged, so field order never matters. */
export async function requestHashOf(request: unknown): Promise<string> {
  return sha256Hex(canonicalJson(request));
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalise(value, 0));
}

const MAX_DEPTH = 8;

function normalise(value: unknown, depth: number): unknown {
  assert(depth <= MAX_DEPTH, "request nested too deeply to hash");
  if (typeof value === "bigint") return `${value}n`;
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map((item) => normalise(item, depth + 1));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const inner = (value as Record<string, unknown>)[key];
      // An absent optional field and one set to undefined are the same request.
      if (inner !== undefined) out[key] = normalise(inner, depth + 1);
    }
    return out;
  }
  return value;
}
