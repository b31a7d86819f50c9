import { inject } from "vitest";
import type { Fault } from "../../support/binance-standin/server.ts";
import { rows } from "../flows/support.ts";
import { database } from "../ledger/support.ts";

/**
 * The Binance stand-in as seen from inside workerd: the platform's exchange account in every
 * worker test (global-setup.ts), driven through its control server (standin-control.ts).
 */

const controlUrl = () => inject("binanceControlUrl");

async function control<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${controlUrl()}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } }),
  });
  const answer = (await response.json()) as T;
  if (!response.ok)
    throw new Error(`stand-in control ${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

export interface StandinOrder {
  symbol: string;
  orderId: number;
  clientOrderId: string;
  side: "BUY" | "SELL";
  type: string;
  timeInForce: string;
  status: string;
  price: string;
  origQty: string;
  executedQty: string;
  cummulativeQuoteQty: string;
}

export const standin = {
  now: async () => (await control<{ nowMs: number }>("GET", "/now")).nowMs,
  advance: (ms: number) => control<{ nowMs: number }>("POST", "/advance", { ms }),
  fault: (fault: Fault) => control<Record<string, never>>("POST", "/fault", fault),
  lock: (asset: string, amount: string) => control("POST", "/lock", { asset, amount }),
  unlock: (asset: string, amount: string) => control("POST", "/unlock", { asset, amount }),
  balances: () => control<Record<string, { free: string; locked: string }>>("GET", "/balances"),
  orders: () => control<StandinOrder[]>("GET", "/orders"),
  /** The exchange's order for our order id (client order id `chx` + its 32 hex digits). */
  async orderFor(orderId: string): Promise<StandinOrder[]> {
    const clientOrderId = `chx${orderId.replaceAll("-", "")}`;
    return (await this.orders()).filter((order) => order.clientOrderId === clientOrderId);
  },
};

/** Exact decimal text -> bigint at 8 decimals (the stand-in's precision). */
export function e8(text: string): bigint {
  const [whole = "0", fraction = ""] = text.split(".");
  return BigInt(whole) * 100_000_000n + BigInt(fraction.padEnd(8, "0").slice(0, 8));
}

/** Total (free + locked) of an asset in stand-in balances, E8. */
export function totalE8(balances: Record<string, { free: string; locked: string }>, asset: string): bigint {
  const balance = balances[asset];
  return balance ? e8(balance.free) + e8(balance.locked) : 0n;
}

/** Minor units at `scale` -> E8. */
export function toE8(minor: bigint, scale: number): bigint {
  return minor * 10n ** BigInt(8 - scale);
}

export interface OrderRow {
  id: string;
  status: string;
  reason: string | null;
  pending: string | null;
  venue: string;
  venue_order_id: string | null;
  venue_trade_id: number | bigint | null;
  venue_commission_asset: string | null;
  venue_commission: number | bigint;
  filled_quantity: number | bigint;
  filled_quote: number | bigint;
  fee: number | bigint;
  hold_amount: number | bigint;
}

export async function orderRow(orderId: string): Promise<OrderRow> {
  const [row] = await rows(database(), "SELECT * FROM orders WHERE id = ?", [orderId]);
  if (!row) throw new Error(`no order ${orderId}`);
  return row as unknown as OrderRow;
}

/** The ledger entries of one order (hold, fills, release), oldest first. */
export async function orderEntries(userId: string, orderId: string) {
  const entries = await rows(
    database(),
    "SELECT id, type, hold_id FROM ledger_entries WHERE user_id = ? AND hold_id = ? ORDER BY sequence",
    [userId, orderId],
  );
  const result: { type: string; postings: { account: string; asset: string; amount: bigint }[] }[] = [];
  for (const entry of entries) {
    const postings = await rows(
      database(),
      "SELECT account, asset, amount FROM ledger_postings WHERE entry_id = ? ORDER BY account, asset",
      [String(entry.id)],
    );
    result.push({
      type: String(entry.type),
      postings: postings.map((posting) => ({
        account: String(posting.account),
        asset: String(posting.asset),
        amount: BigInt(posting.amount as bigint),
      })),
    });
  }
  return result;
}

export async function auditEvents(userId: string, like: string) {
  const found = await rows(
    database(),
    "SELECT event, outcome, detail FROM audit_log WHERE user_id = ? AND event LIKE ? ORDER BY sequence",
    [userId, like],
  );
  return found.map((row) => ({
    event: String(row.event),
    outcome: String(row.outcome),
    detail: JSON.parse(String(row.detail)) as Record<string, unknown>,
  }));
}

/** Waits (bounded) until `probe` answers something truthy; no fixed sleeps. */
export async function eventually<T>(
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
