import { env } from "cloudflare:test";
import { expect } from "vitest";
import type { ApiClient, ApiResponse } from "../../support/api-client.ts";
import { key, signedUpClient, type WalletBody, walletsOf } from "../ledger/support.ts";

export interface OrderBody {
  id: string;
  mode: "paper" | "live";
  status: string;
  symbol: string;
  side: string;
  type: string;
  price: string | null;
  quantity: string | null;
  quoteAmount: string | null;
  filledQuantity: string;
  filledQuote: string;
  averagePrice: string | null;
  fee: string;
  feeAsset: string;
  makerRate: string;
  takerRate: string;
  reason: string | null;
}

export interface TradeBody {
  id: string;
  orderId: string;
  mode: string;
  symbol: string;
  side: string;
  liquidity: "maker" | "taker";
  price: string;
  quantity: string;
  quoteAmount: string;
  fee: string;
  feeAsset: string;
}

export interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

/** A signed-up user whose paper book holds `amount` of `asset`. */
export async function fundedTrader(amount = "10000.00", asset = "GBP") {
  const trader = await signedUpClient();
  const deposit = await trader.client.post(
    "/api/v1/wallets/paper-deposit",
    { asset, amount },
    { "Idempotency-Key": key("fund") },
  );
  expect(deposit.status).toBe(201);
  return trader;
}

export async function placeOrder(
  client: ApiClient,
  body: Record<string, unknown>,
  idempotencyKey = key("order"),
): Promise<ApiResponse<OrderResponse>> {
  return client.post<OrderResponse>("/api/v1/orders", body, {
    "Idempotency-Key": idempotencyKey,
  });
}

/** Both books, every asset, as "mode:asset" -> "available/locked": for before/after equality. */
export async function balances(client: ApiClient): Promise<Record<string, string>> {
  const wallets: WalletBody[] = await walletsOf(client);
  return Object.fromEntries(
    wallets.map((wallet) => [`${wallet.mode}:${wallet.asset}`, `${wallet.available}/${wallet.locked}`]),
  );
}

export function wallet(all: Record<string, string>, mode: "paper" | "live", asset: string) {
  const [available = "", locked = ""] = (all[`${mode}:${asset}`] ?? "").split("/");
  return { available, locked };
}

/** Exact decimal text -> bigint minor units at `scale` (test arithmetic, never floats). */
export function minor(text: string, scale: number): bigint {
  const [whole = "0", fraction = ""] = text.split(".");
  const padded = fraction.padEnd(scale, "0");
  if (padded.length > scale) throw new Error(`${text} has more than ${scale} decimals`);
  const sign = whole.startsWith("-") ? -1n : 1n;
  return sign * (BigInt(whole.replace("-", "")) * 10n ** BigInt(scale) + BigInt(padded || "0"));
}

export function text(minorUnits: bigint, scale: number): string {
  const negative = minorUnits < 0n;
  const magnitude = negative ? -minorUnits : minorUnits;
  const unit = 10n ** BigInt(scale);
  const fraction = (magnitude % unit).toString().padStart(scale, "0");
  return `${negative ? "-" : ""}${magnitude / unit}${scale > 0 ? `.${fraction}` : ""}`;
}

/** The user's order desk, to drive resting orders with a chosen market time. */
export function desk(userId: string) {
  return env.USER_ORDERS.get(env.USER_ORDERS.idFromName(userId));
}

export type OrderResponse = { order: OrderBody } & ErrorBody & Record<string, unknown>;
