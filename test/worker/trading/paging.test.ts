import { describe, expect, it } from "vitest";
import type { ApiClient } from "../../support/api-client.ts";
import { database } from "../ledger/support.ts";
import { fundedTrader, type OrderBody, placeOrder, type TradeBody } from "./support.ts";

/**
 * API.md: GET /trades pages "newest first ... paging never skips or repeats a fill"; GET
 * /orders pages the same way. The slices of one fill share their creation time, and two
 * orders can share a millisecond, so the cursor must carry a unique tie-breaker.
 */

type TimedTrade = TradeBody & { time: string };

/** Follows nextCursor from the first page to the last, at most `maxPages` pages. */
async function pageThrough<Row>(
  client: ApiClient,
  path: string,
  field: "trades" | "orders",
  limit: number,
  maxPages = 100,
): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const separator = path.includes("?") ? "&" : "?";
    const url: string = `${path}${separator}limit=${limit}${cursor === null ? "" : `&cursor=${cursor}`}`;
    const response = await client.get<Record<string, unknown> & { nextCursor: string | null }>(url);
    expect(response.status, url).toBe(200);
    rows.push(...(response.body[field] as Row[]));
    cursor = response.body.nextCursor;
    if (cursor === null) return rows;
  }
  throw new Error(`${path} did not end within ${maxPages} pages`);
}

describe("GET /trades paging: a page boundary inside one fill", () => {
  it("returns every trade exactly once, whatever the page size", async () => {
    const { client } = await fundedTrader("90000.00");
    // Large enough to walk several levels of the book: one fill, several trades, one time.
    const order = await placeOrder(client, {
      symbol: "BTC-GBP",
      side: "buy",
      type: "market",
      quoteAmount: "80000.00",
    });
    expect(order.status).toBe(201);
    const small = await placeOrder(client, {
      symbol: "ETH-GBP",
      side: "buy",
      type: "market",
      quoteAmount: "20.00",
    });
    expect(small.status).toBe(201);

    const ofOrder = await client.get<{ trades: TimedTrade[] }>(
      `/api/v1/trades?orderId=${order.body.order.id}&limit=200`,
    );
    expect(ofOrder.status).toBe(200);
    const fill = ofOrder.body.trades;
    // The precondition of the defect: several trades with one creation time.
    expect(fill.length).toBeGreaterThanOrEqual(3);
    expect(new Set(fill.map((trade) => trade.time)).size).toBe(1);
    const all = await client.get<{ trades: TimedTrade[]; nextCursor: string | null }>(
      "/api/v1/trades?limit=200",
    );
    expect(all.body.nextCursor).toBeNull();
    const expected = all.body.trades.map((trade) => trade.id);
    expect(expected).toEqual(expect.arrayContaining(fill.map((trade) => trade.id)));

    for (const limit of [1, 2, 3]) {
      const paged = await pageThrough<TimedTrade>(client, "/api/v1/trades", "trades", limit);
      const ids = paged.map((trade) => trade.id);
      expect(new Set(ids).size, `limit ${limit}: no trade twice`).toBe(ids.length);
      // Same rows, same order (newest first) as one big page.
      expect(ids, `limit ${limit}`).toEqual(expected);
    }
    const fillPaged = await pageThrough<TimedTrade>(
      client,
      `/api/v1/trades?orderId=${order.body.order.id}`,
      "trades",
      2,
    );
    expect(fillPaged.map((trade) => trade.id)).toEqual(fill.map((trade) => trade.id));
  });
});

describe("GET /orders paging: orders placed in the same millisecond", () => {
  it("returns every order exactly once, whatever the page size", async () => {
    const { client, user } = await fundedTrader("1000.00");
    for (const amount of ["10.00", "11.00", "12.00", "13.00", "14.00"]) {
      const placed = await placeOrder(client, {
        symbol: "BTC-GBP",
        side: "buy",
        type: "market",
        quoteAmount: amount,
      });
      expect(placed.status).toBe(201);
    }
    // Two requests can land in the same millisecond; make all five do so.
    const db = database();
    await db.execute({
      sql: "UPDATE orders SET created_at_ms = (SELECT MAX(created_at_ms) FROM orders WHERE user_id = ?) WHERE user_id = ?",
      args: [user.id, user.id],
    });
    db.close();
    const all = await client.get<{ orders: OrderBody[]; nextCursor: string | null }>(
      "/api/v1/orders?status=all&limit=200",
    );
    expect(all.body.orders).toHaveLength(5);
    const expected = all.body.orders.map((order) => order.id);
    for (const limit of [1, 2, 4]) {
      const paged = await pageThrough<OrderBody>(client, "/api/v1/orders?status=all", "orders", limit);
      const ids = paged.map((order) => order.id);
      expect(new Set(ids).size, `limit ${limit}: no order twice`).toBe(ids.length);
      expect(ids, `limit ${limit}`).toEqual(expected);
    }
  });
});

describe("paging cursors on the wire", () => {
  it("refuse garbage and another list's cursor with 400 invalid_request naming cursor", async () => {
    const { client } = await fundedTrader("1000.00");
    for (const amount of ["10.00", "11.00"]) {
      const placed = await placeOrder(client, {
        symbol: "BTC-GBP",
        side: "buy",
        type: "market",
        quoteAmount: amount,
      });
      expect(placed.status).toBe(201);
    }
    const trades = await client.get<{ nextCursor: string | null }>("/api/v1/trades?limit=1");
    const tradeCursor = trades.body.nextCursor;
    expect(tradeCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const orders = await client.get<{ nextCursor: string | null }>("/api/v1/orders?status=all&limit=1");
    const cases = [
      `/api/v1/trades?cursor=not-a-cursor`,
      `/api/v1/trades?cursor=${btoa("t1:1700000000000").replaceAll("=", "")}`,
      `/api/v1/trades?cursor=${"A".repeat(300)}`,
      `/api/v1/orders?cursor=${tradeCursor}`,
      `/api/v1/trades?cursor=${orders.body.nextCursor}`,
      `/api/v1/ledger/entries?cursor=${tradeCursor}`,
    ];
    for (const path of cases) {
      const response = await client.get<{ error: { code: string; fields?: Record<string, string> } }>(path);
      expect(response.status, path).toBe(400);
      expect(response.body.error.code).toBe("invalid_request");
      expect(response.body.error.fields?.cursor).toBe("must be a nextCursor returned by this endpoint");
    }
  });
});
