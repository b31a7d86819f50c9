import { and, eq, gte, inArray, isNotNull, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../../../db/client.ts";
import { type NewTradeRow, orders, trades } from "../../../db/schema/orders.ts";
import { type AssetCode, isAssetCode } from "../ledger/assets.ts";
import { afterSql, type CreatedKey, keysetPage, newestFirstSql } from "../paging/cursor.ts";
import type { GbpValuation } from "../valuation/gbp.ts";
import { type OrderRecord, RESTING_STATUSES, recordOfRow, rowOfRecord } from "./model.ts";

/**
 * The orders and trades tables. Writes come only from the user's UserOrders Durable Object;
 * reads (the API's GET routes, the Trade page's loader) come from anywhere, through here.
 */

export const MAX_PAGE = 200;
/** Resting or mid-step orders one user may have at once; also bounds the desk's memory. */
export const MAX_ACTIVE_ORDERS = 200;

export async function findOrderByClientKey(
  db: Database,
  userId: string,
  clientKey: string,
): Promise<OrderRecord | null> {
  const rows = await db
    .select()
    .from(orders)
    .where(and(eq(orders.userId, userId), eq(orders.clientKey, clientKey)))
    .limit(1);
  return rows[0] ? recordOfRow(rows[0]) : null;
}

export async function findOrder(db: Database, userId: string, orderId: string): Promise<OrderRecord | null> {
  const rows = await db
    .select()
    .from(orders)
    .where(and(eq(orders.userId, userId), eq(orders.id, orderId)))
    .limit(1);
  return rows[0] ? recordOfRow(rows[0]) : null;
}

/** Resting orders and orders with a step in flight: what the desk watches and resumes. */
export async function activeOrders(db: Database, userId: string): Promise<OrderRecord[]> {
  const rows = await db
    .select()
    .from(orders)
    .where(
      and(
        eq(orders.userId, userId),
        or(inArray(orders.status, [...RESTING_STATUSES]), isNotNull(orders.pending)),
      ),
    )
    .orderBy(orders.createdAtMs)
    .limit(MAX_ACTIVE_ORDERS + 1);
  return rows.map(recordOfRow);
}

/** Inserts unless the user already has an order with this client key; true when inserted. */
export async function insertOrderIfNew(db: Database, record: OrderRecord): Promise<boolean> {
  const inserted = await db
    .insert(orders)
    .values(rowOfRecord(record))
    .onConflictDoNothing({ target: [orders.userId, orders.clientKey] })
    .returning({ id: orders.id });
  return inserted.length > 0;
}

/**
 * Writes the whole record (the desk is the only writer, so last write is the truth) — except
 * `halted`, which only haltOrder sets and only an operator clears.
 */
export async function saveOrder(db: Database, record: OrderRecord): Promise<void> {
  const { id: _id, halted: _halted, ...row } = rowOfRecord(record);
  await db.update(orders).set(row).where(eq(orders.id, record.id));
}

/** A failed step: when the alarm may try it again (the pending step itself is unchanged). */
export async function markOrderRetry(
  db: Database,
  orderId: string,
  attempts: number,
  retryAtMs: number | null,
): Promise<void> {
  await db.update(orders).set({ attempts, retryAtMs }).where(eq(orders.id, orderId));
}

/** A step that broke an invariant: the order keeps its pending step and is never retried. */
export async function haltOrder(db: Database, orderId: string, reason: string): Promise<void> {
  await db
    .update(orders)
    .set({ halted: reason.slice(0, 500), retryAtMs: null })
    .where(eq(orders.id, orderId));
}

/** The outcome of a step in one batch: the order's new state and its new trades, or neither. */
export async function commitOrder(
  db: Database,
  record: OrderRecord,
  newTrades: NewTradeRow[],
  /** More writes that belong to the same settlement (a referral reward), in the same batch. */
  also: BatchItem<"sqlite">[] = [],
): Promise<void> {
  const { id: _id, halted: _halted, ...row } = rowOfRecord(record);
  const update = db.update(orders).set(row).where(eq(orders.id, record.id));
  if (newTrades.length === 0) {
    await update;
    return;
  }
  // Trade ids are deterministic: a resumed step that recorded them already inserts nothing.
  const insert = db.insert(trades).values(newTrades).onConflictDoNothing();
  await db.batch([insert, ...also, update]);
}

interface OrderPage {
  orders: OrderRecord[];
  /** The key of the last order returned, when there may be more. */
  next: CreatedKey | null;
}

/** Newest first, keyset-paged on (createdAtMs, id): no order skipped or repeated. */
export async function listOrders(
  db: Database,
  userId: string,
  query: {
    status: "open" | "all";
    limit: number;
    after?: CreatedKey | undefined;
    symbol?: string | undefined;
  },
): Promise<OrderPage> {
  const limit = Math.max(1, Math.min(MAX_PAGE, query.limit));
  const conditions = [eq(orders.userId, userId)];
  if (query.status === "open") conditions.push(inArray(orders.status, [...RESTING_STATUSES]));
  if (query.after !== undefined) conditions.push(afterSql(orders, query.after));
  if (query.symbol) conditions.push(eq(orders.symbol, query.symbol));
  const rows = await db
    .select()
    .from(orders)
    .where(and(...conditions))
    .orderBy(...newestFirstSql(orders))
    .limit(limit + 1);
  const page = keysetPage(rows, limit, keyOf);
  return { orders: page.rows.map(recordOfRow), next: page.next };
}

/** Newest first, keyset-paged on (createdAtMs, id): the slices of one fill share a time. */
export async function listTrades(
  db: Database,
  userId: string,
  query: {
    limit: number;
    after?: CreatedKey | undefined;
    symbol?: string | undefined;
    orderId?: string | undefined;
  },
) {
  const limit = Math.max(1, Math.min(MAX_PAGE, query.limit));
  const conditions = [eq(trades.userId, userId)];
  if (query.after !== undefined) conditions.push(afterSql(trades, query.after));
  if (query.symbol) conditions.push(eq(trades.symbol, query.symbol));
  if (query.orderId) conditions.push(eq(trades.orderId, query.orderId));
  const rows = await db
    .select()
    .from(trades)
    .where(and(...conditions))
    .orderBy(...newestFirstSql(trades))
    .limit(limit + 1);
  const page = keysetPage(rows, limit, keyOf);
  return { trades: page.rows, next: page.next };
}

function keyOf(row: { createdAtMs: number; id: string }): CreatedKey {
  return { createdAtMs: row.createdAtMs, id: row.id };
}

/**
 * LIVE traded value of the last 30 days in GBP-equivalent pence: the fee tier's input. Each quote
 * asset's total is valued at today's prices (`valuation`), not at each trade's.
 */
export async function liveVolume30dGbpMinor(
  db: Database,
  userId: string,
  nowMs: number,
  valuation: GbpValuation,
): Promise<bigint> {
  const rows = await db
    .select({ asset: trades.quoteAsset, total: sql<string>`CAST(SUM(${trades.quote}) AS TEXT)` })
    .from(trades)
    .where(
      and(
        eq(trades.userId, userId),
        eq(trades.mode, "live"),
        gte(trades.createdAtMs, nowMs - 30 * 86_400_000),
      ),
    )
    .groupBy(trades.quoteAsset);
  let total = 0n;
  for (const row of rows) {
    if (!isAssetCode(row.asset) || row.total === null) continue;
    total += valuation.valueMinor(row.asset as AssetCode, BigInt(row.total));
  }
  return total;
}
