import { and, type Column, desc, eq, lt, or, type SQL } from "drizzle-orm";
import { z } from "zod";
import { ApiError } from "../../errors.ts";

/**
 * Keyset paging for every paged list (orders, trades, ledger entries): one cursor codec, one
 * ordering, one "after the cursor" condition.
 *
 * A page ends at a row; the next page starts strictly after that row's key in the list's order.
 * The key must be unique, or rows sharing the last row's key are skipped (every slice of one
 * fill shares its creation time; two orders can share a millisecond). So time-ordered lists are
 * keyed on `(createdAtMs, id)`, newest first, and the ledger on its per-user entry sequence.
 *
 * On the wire a cursor is base64url of `{"v":2,"list":…,"key":…}`: opaque to clients (they only
 * echo `nextCursor`), versioned so the key can change, and checked with zod on the way in. It
 * is not signed: it only narrows a query that is already limited to the caller's own rows, so
 * a forged one reveals nothing. Version 1 (`t1:<ms>`, `e1:<sequence>`) had no tie-breaker.
 */

const CURSOR_VERSION = 2;
/** Above the longest cursor this module writes (about 230 characters, for a 100-character id). */
export const MAX_CURSOR_LENGTH = 256;

const INVALID_CURSOR = "must be a nextCursor returned by this endpoint";

/** The `cursor` query field of every paged endpoint. */
export const cursorField = z.string().max(MAX_CURSOR_LENGTH, INVALID_CURSOR);

/** A row's place in a newest-first list: its creation time, then its id to break ties. */
export interface CreatedKey {
  createdAtMs: number;
  id: string;
}

/** A ledger entry's place: its per-user sequence number (unique and increasing). */
interface SequenceKey {
  sequence: number;
}

export interface CursorCodec<Key> {
  encode(key: Key): string;
  /** The key a cursor names; a 400 `invalid_request` naming `cursor` for anything else. */
  decode(cursor: string): Key;
}

// Ids are ASCII (order ids, `<order id>.<fill>.<level>` trade ids), so JavaScript's string
// order below is the database's binary collation, and the JSON encodes to plain bytes.
const createdKeySchema = z.strictObject({
  createdAtMs: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/),
});

const sequenceKeySchema = z.strictObject({
  sequence: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});

function keysetCursor<Key>(list: string, keySchema: z.ZodType<Key>): CursorCodec<Key> {
  const payload = z.strictObject({ v: z.literal(CURSOR_VERSION), list: z.literal(list), key: keySchema });
  return {
    encode(key) {
      const text = JSON.stringify({ v: CURSOR_VERSION, list, key: keySchema.parse(key) });
      return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    },
    decode(cursor) {
      const parsed = payload.safeParse(parseJson(fromBase64Url(cursor)));
      if (!parsed.success) throw invalidCursor();
      return parsed.data.key;
    },
  };
}

export const orderCursor: CursorCodec<CreatedKey> = keysetCursor("orders", createdKeySchema);
export const tradeCursor: CursorCodec<CreatedKey> = keysetCursor("trades", createdKeySchema);
export const entryCursor: CursorCodec<SequenceKey> = keysetCursor("entries", sequenceKeySchema);

function invalidCursor(): ApiError {
  return new ApiError(400, "invalid_request", "The cursor is not valid.", {
    fields: { cursor: INVALID_CURSOR },
  });
}

// ---- the newest-first order, in TypeScript and in SQL ------------------------------------------

/** Sort comparator for the newest-first order: later time first, then the larger id. */
export function newestFirst(a: CreatedKey, b: CreatedKey): number {
  if (a.createdAtMs !== b.createdAtMs) return b.createdAtMs - a.createdAtMs;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Whether `row` comes after `cursor` in newest-first order: the next page's condition. */
export function isAfter(row: CreatedKey, cursor: CreatedKey): boolean {
  return (
    row.createdAtMs < cursor.createdAtMs || (row.createdAtMs === cursor.createdAtMs && row.id < cursor.id)
  );
}

interface CreatedColumns {
  createdAtMs: Column;
  id: Column;
}

/** `isAfter` as SQL: `created_at_ms < ? OR (created_at_ms = ? AND id < ?)`. */
export function afterSql(columns: CreatedColumns, cursor: CreatedKey): SQL {
  const condition = or(
    lt(columns.createdAtMs, cursor.createdAtMs),
    and(eq(columns.createdAtMs, cursor.createdAtMs), lt(columns.id, cursor.id)),
  );
  if (!condition) throw new Error("keyset condition is empty");
  return condition;
}

/** `newestFirst` as SQL ORDER BY terms. */
export function newestFirstSql(columns: CreatedColumns): SQL[] {
  return [desc(columns.createdAtMs), desc(columns.id)];
}

/**
 * A page from `limit + 1` rows fetched in list order: the first `limit`, and the key of the
 * last of them when there are more (the extra row says so without a second query).
 */
export function keysetPage<Row, Key>(
  rows: readonly Row[],
  limit: number,
  keyOf: (row: Row) => Key,
): { rows: Row[]; next: Key | null } {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`page limit ${limit} out of bounds`);
  if (rows.length > limit + 1) throw new RangeError(`fetch limit + 1 rows for a page, not ${rows.length}`);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page, next: rows.length > limit && last !== undefined ? keyOf(last) : null };
}

// ---- helpers ------------------------------------------------------------------------------------

function fromBase64Url(cursor: string): string | null {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    return null;
  }
  try {
    return atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return null;
  }
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
