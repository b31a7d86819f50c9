import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../../worker/errors.ts";
import {
  type CreatedKey,
  type CursorCodec,
  entryCursor,
  isAfter,
  keysetPage,
  MAX_CURSOR_LENGTH,
  newestFirst,
  orderCursor,
  tradeCursor,
} from "../../../worker/services/paging/cursor.ts";

const createdKey: fc.Arbitrary<CreatedKey> = fc.record({
  createdAtMs: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  id: fc.stringMatching(/^[A-Za-z0-9_.-]{1,100}$/),
});

function rejection(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return "accepted";
}

function expectInvalid(codec: CursorCodec<unknown>, cursor: string): void {
  const error = rejection(() => codec.decode(cursor));
  expect(error, JSON.stringify(cursor)).toBeInstanceOf(ApiError);
  expect(error).toMatchObject({
    status: 400,
    code: "invalid_request",
    message: "The cursor is not valid.",
    fields: { cursor: "must be a nextCursor returned by this endpoint" },
  });
}

const base64url = (text: string) => btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

describe("cursor codec", () => {
  it("round-trips every key, as short opaque base64url", () => {
    fc.assert(
      fc.property(createdKey, (key) => {
        for (const codec of [orderCursor, tradeCursor]) {
          const cursor = codec.encode(key);
          expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
          expect(cursor.length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH);
          expect(codec.decode(cursor)).toEqual(key);
        }
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (sequence) => {
        expect(entryCursor.decode(entryCursor.encode({ sequence }))).toEqual({ sequence });
      }),
    );
  });

  it("refuses to encode a key it could not decode", () => {
    expect(() => tradeCursor.encode({ createdAtMs: -1, id: "a" })).toThrow();
    expect(() => tradeCursor.encode({ createdAtMs: 1, id: "é" })).toThrow();
    expect(() => entryCursor.encode({ sequence: 0 })).toThrow();
  });

  it("rejects garbage, other lists' cursors, old versions and malformed keys with a 400", () => {
    const trade = tradeCursor.encode({ createdAtMs: 1_700_000_000_000, id: "order-1.1.0" });
    const payload = (value: unknown) => base64url(JSON.stringify(value));
    const garbage = [
      "",
      "not a cursor",
      "not-a-cursor",
      "%%%",
      "A",
      "x".repeat(MAX_CURSOR_LENGTH + 1),
      base64url("hello"),
      base64url("t1:1700000000000"),
      base64url("e1:42"),
      trade.slice(0, -3),
      `${trade}!`,
      payload(null),
      payload([2, "trades", 1, "a"]),
      payload({ v: 1, list: "trades", key: { createdAtMs: 1, id: "a" } }),
      payload({ v: 2, list: "trades", key: { createdAtMs: -1, id: "a" } }),
      payload({ v: 2, list: "trades", key: { createdAtMs: 1.5, id: "a" } }),
      payload({ v: 2, list: "trades", key: { createdAtMs: "1", id: "a" } }),
      payload({ v: 2, list: "trades", key: { createdAtMs: 2 ** 60, id: "a" } }),
      payload({ v: 2, list: "trades", key: { createdAtMs: 1, id: "" } }),
      payload({ v: 2, list: "trades", key: { createdAtMs: 1, id: "a' OR 1=1 --" } }),
      payload({ v: 2, list: "trades", key: { createdAtMs: 1, id: "a", extra: true } }),
      payload({ v: 2, list: "trades", key: { createdAtMs: 1 } }),
    ];
    for (const cursor of garbage) expectInvalid(tradeCursor, cursor);
    // A cursor from one list is refused by another.
    expectInvalid(orderCursor, trade);
    expectInvalid(entryCursor, trade);
    expectInvalid(tradeCursor, entryCursor.encode({ sequence: 5 }));
    expectInvalid(entryCursor, payload({ v: 2, list: "entries", key: { sequence: 0 } }));
  });

  it("answers any string, including a tampered cursor, with a valid key or the 400", () => {
    const anyCursor = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{0,300}$/),
      // One character of a real cursor changed.
      fc
        .tuple(createdKey, fc.nat(), fc.constantFrom(..."ABCxyz0189-_=+/!".split("")))
        .map(([key, at, character]) => {
          const cursor = tradeCursor.encode(key);
          const index = at % cursor.length;
          return `${cursor.slice(0, index)}${character}${cursor.slice(index + 1)}`;
        }),
    );
    fc.assert(
      fc.property(anyCursor, (cursor) => {
        const outcome = rejection(() => tradeCursor.decode(cursor));
        if (outcome === "accepted") {
          // Whatever it names is a well-formed key of this list: it round-trips.
          const key = tradeCursor.decode(cursor);
          expect(tradeCursor.decode(tradeCursor.encode(key))).toEqual(key);
        } else {
          expect(outcome).toBeInstanceOf(ApiError);
          expect((outcome as ApiError).status).toBe(400);
        }
      }),
      { numRuns: 500 },
    );
  });
});

// ---- the keyset order ---------------------------------------------------------------------------

/** A list in which many rows share a creation time (the slices of one fill), ids unique. */
const rowsWithSharedTimes = fc
  .uniqueArray(fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/), { maxLength: 60 })
  .chain((ids) =>
    fc
      .array(fc.integer({ min: 1_700_000_000_000, max: 1_700_000_000_003 }), {
        minLength: ids.length,
        maxLength: ids.length,
      })
      .map((times) => ids.map((id, index) => ({ id, createdAtMs: times[index] ?? 0 }))),
  );

/**
 * Pages through `rows` the way the stores do: keep the rows after the cursor, sort newest
 * first, take `limit + 1`, cut a page, and carry the key across as a real cursor string.
 */
function pageAll(
  rows: readonly CreatedKey[],
  limit: number,
  after: (row: CreatedKey, cursor: CreatedKey) => boolean,
): CreatedKey[] {
  const seen: CreatedKey[] = [];
  let cursor: string | null = null;
  for (let page = 0; page <= rows.length + 1; page++) {
    const position = cursor === null ? null : tradeCursor.decode(cursor);
    const fetched = rows
      .filter((row) => position === null || after(row, position))
      .sort(newestFirst)
      .slice(0, limit + 1);
    const result = keysetPage(fetched, limit, (row) => ({ createdAtMs: row.createdAtMs, id: row.id }));
    seen.push(...result.rows);
    if (result.next === null) return seen;
    cursor = tradeCursor.encode(result.next);
  }
  throw new Error("paging did not end");
}

describe("keyset paging on (createdAtMs, id)", () => {
  it("yields every row exactly once, newest first, for any page size", () => {
    fc.assert(
      fc.property(rowsWithSharedTimes, fc.integer({ min: 1, max: 12 }), (rows, limit) => {
        const paged = pageAll(rows, limit, isAfter);
        expect(paged).toEqual([...rows].sort(newestFirst));
        expect(new Set(paged.map((row) => row.id)).size).toBe(rows.length);
      }),
      { numRuns: 300 },
    );
  });

  it("would skip rows with a cursor on the time alone (the defect the tie-breaker fixes)", () => {
    const timeOnly = (row: CreatedKey, cursor: CreatedKey) => row.createdAtMs < cursor.createdAtMs;
    const result = fc.check(
      fc.property(rowsWithSharedTimes, fc.integer({ min: 1, max: 12 }), (rows, limit) => {
        expect(pageAll(rows, limit, timeOnly)).toHaveLength(rows.length);
      }),
      { numRuns: 300 },
    );
    expect(result.failed).toBe(true);
  });

  it("orders as the SQL does: `isAfter` agrees with the comparator, a strict total order", () => {
    fc.assert(
      fc.property(createdKey, createdKey, (a, b) => {
        const same = a.createdAtMs === b.createdAtMs && a.id === b.id;
        expect(newestFirst(a, b) === 0).toBe(same);
        expect(Math.sign(newestFirst(a, b))).toBe(-Math.sign(newestFirst(b, a)));
        expect(isAfter(a, b)).toBe(newestFirst(a, b) > 0);
      }),
    );
    // Same millisecond: the larger id first, so ".10" sorts before ".2" (binary order, as SQLite).
    const keys = ["o.1.2", "o.1.10", "o.1.0"].map((id) => ({ createdAtMs: 5, id }));
    expect(keys.sort(newestFirst).map((key) => key.id)).toEqual(["o.1.2", "o.1.10", "o.1.0"]);
    expect(isAfter({ createdAtMs: 4, id: "z" }, { createdAtMs: 5, id: "a" })).toBe(true);
  });

  it("cuts a page from limit + 1 rows and names the next page only when there is one", () => {
    const key = (id: string) => ({ createdAtMs: 1, id });
    expect(keysetPage([key("c"), key("b"), key("a")], 2, (row) => row)).toEqual({
      rows: [key("c"), key("b")],
      next: key("b"),
    });
    expect(keysetPage([key("c"), key("b")], 2, (row) => row)).toEqual({
      rows: [key("c"), key("b")],
      next: null,
    });
    expect(keysetPage([], 5, (row) => row)).toEqual({ rows: [], next: null });
    expect(() => keysetPage([key("a")], 0, (row) => row)).toThrow(RangeError);
  });
});
