import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getConfig } from "../../../worker/env.ts";
import { SimulatedMarket } from "../../../worker/services/markets/sim/market.ts";
import { placeOrder as placeOrderService } from "../../../worker/services/trading/service.ts";
import { errorCode } from "../../support/api-client.ts";
import { database, key, signedUpClient } from "../ledger/support.ts";
import {
  balances,
  desk,
  fundedTrader,
  minor,
  type OrderBody,
  placeOrder,
  type TradeBody,
  text,
  wallet,
} from "./support.ts";

type EntriesBody = {
  entries: {
    id: string;
    type: string;
    mode: string;
    postings: { asset: string; amount: string; account: string }[];
  }[];
};

const sim = new SimulatedMarket();

async function lastPrice(symbol: string): Promise<string> {
  const ticker = await sim.ticker(symbol as "BTC-GBP");
  return text(ticker.lastMinor, 2);
}

describe("POST /orders: a paper market buy by quote amount (the issue's 'done when')", () => {
  it("spends exactly 5000.00 GBP plus the fee from 10000.00, receives BTC, and every entry balances", async () => {
    const { client, user } = await fundedTrader("10000.00");
    const response = await placeOrder(client, {
      symbol: "BTC-GBP",
      side: "buy",
      type: "market",
      quoteAmount: "5000.00",
    });
    expect(response.status).toBe(201);
    const order = response.body.order;
    expect(order).toMatchObject({
      mode: "paper",
      status: "filled",
      symbol: "BTC-GBP",
      side: "buy",
      type: "market",
      quoteAmount: "5000.00",
      filledQuote: "5000.00",
      fee: "10.00",
      feeAsset: "GBP",
      takerRate: "0.0020",
    });
    expect(order.id).toBeTruthy();
    const bought = minor(order.filledQuantity, 8);
    expect(bought).toBeGreaterThan(0n);
    expect(order.averagePrice).toMatch(/^\d+\.\d{2}$/);

    const after = await balances(client);
    // 10000.00 - 5000.00 - 10.00 (the 0.20 % taker fee, charged in GBP), exactly.
    expect(wallet(after, "paper", "GBP")).toEqual({ available: "4990.00", locked: "0.00" });
    expect(wallet(after, "paper", "BTC")).toEqual({ available: order.filledQuantity, locked: "0.00000000" });
    for (const asset of ["GBP", "BTC", "ETH", "SOL", "USDT"]) {
      expect(wallet(after, "live", asset).available).toMatch(/^0\.0+$/);
    }

    // The fills add up to the order, to the minor unit.
    const trades = await client.get<{ trades: TradeBody[] }>(`/api/v1/trades?orderId=${order.id}`);
    expect(trades.status).toBe(200);
    expect(trades.body.trades.length).toBeGreaterThan(0);
    let quantity = 0n;
    let quote = 0n;
    let fee = 0n;
    for (const trade of trades.body.trades) {
      expect(trade).toMatchObject({ orderId: order.id, mode: "paper", liquidity: "taker", feeAsset: "GBP" });
      quantity += minor(trade.quantity, 8);
      quote += minor(trade.quoteAmount, 2);
      fee += minor(trade.fee, 2);
    }
    expect([quantity, quote, fee]).toEqual([bought, 500_000n, 1_000n]);

    // The ledger: a hold and a fill, each balanced per asset, the fee in fee revenue.
    const entries = await client.get<EntriesBody>("/api/v1/ledger/entries?mode=paper");
    const ofOrder = entries.body.entries.filter(
      (entry) => entry.type === "order_hold" || entry.type === "fill",
    );
    expect(ofOrder.map((entry) => entry.type).sort()).toEqual(["fill", "order_hold"]);
    for (const entry of entries.body.entries) {
      const sums = new Map<string, bigint>();
      for (const posting of entry.postings) {
        const scale = posting.asset === "GBP" ? 2 : posting.asset === "USDT" ? 6 : 8;
        sums.set(posting.asset, (sums.get(posting.asset) ?? 0n) + minor(posting.amount, scale));
      }
      for (const sum of sums.values()) expect(sum).toBe(0n);
    }
    const fill = ofOrder.find((entry) => entry.type === "fill");
    const feePosting = fill?.postings.find((posting) => posting.account === "system:paper:fee_revenue");
    expect(feePosting).toMatchObject({ asset: "GBP", amount: "10.00" });
    const live = await client.get<EntriesBody>("/api/v1/ledger/entries?mode=live");
    expect(live.body.entries).toEqual([]);
    expect(user.id).toBeTruthy();
  });

  it("sells by quantity: receives the quote value less the fee", async () => {
    const { client } = await fundedTrader("0.5", "ETH");
    const response = await placeOrder(client, {
      symbol: "ETH-GBP",
      side: "sell",
      type: "market",
      quantity: "0.2500",
    });
    expect(response.status).toBe(201);
    const order = response.body.order;
    expect(order).toMatchObject({ status: "filled", filledQuantity: "0.25000000", feeAsset: "GBP" });
    const after = await balances(client);
    expect(wallet(after, "paper", "ETH")).toEqual({ available: "0.25000000", locked: "0.00000000" });
    const received = minor(order.filledQuote, 2) - minor(order.fee, 2);
    expect(wallet(after, "paper", "GBP").available).toBe(text(received, 2));
    // 0.20 % of the proceeds, rounded up to the penny.
    expect(minor(order.fee, 2)).toBe((minor(order.filledQuote, 2) * 20n + 9_999n) / 10_000n);
  });

  it("a market buy by quantity walks the book and releases the unused slippage margin", async () => {
    const { client } = await fundedTrader("10000.00");
    const response = await placeOrder(client, {
      symbol: "BTC-GBP",
      side: "buy",
      type: "market",
      quantity: "0.05000",
    });
    expect(response.status).toBe(201);
    const order = response.body.order;
    expect(order).toMatchObject({ status: "filled", filledQuantity: "0.05000000" });
    const spent = minor(order.filledQuote, 2) + minor(order.fee, 2);
    const after = await balances(client);
    expect(wallet(after, "paper", "GBP")).toEqual({ available: text(1_000_000n - spent, 2), locked: "0.00" });
    expect(wallet(after, "paper", "BTC").available).toBe("0.05000000");
  });
});

describe("limit orders", () => {
  it("a resting limit buy holds its funds and a cancel releases them exactly", async () => {
    const { client } = await fundedTrader("10000.00");
    const last = minor(await lastPrice("BTC-GBP"), 2);
    const price = ((last * 90n) / 100n / 1n) * 1n; // 10 % below: rests
    const response = await placeOrder(client, {
      symbol: "BTC-GBP",
      side: "buy",
      type: "limit",
      quantity: "0.01000",
      price: text(price, 2),
    });
    expect(response.status).toBe(201);
    const order = response.body.order;
    expect(order).toMatchObject({ status: "open", filledQuantity: "0.00000000", price: text(price, 2) });
    const notional = (1_000_000n * price + 99_999_999n) / 100_000_000n;
    const held = notional + (notional * 20n + 9_999n) / 10_000n;
    const during = await balances(client);
    expect(wallet(during, "paper", "GBP")).toEqual({
      available: text(1_000_000n - held, 2),
      locked: text(held, 2),
    });
    const open = await client.get<{ orders: OrderBody[] }>("/api/v1/orders?status=open");
    expect(open.body.orders.map((row) => row.id)).toContain(order.id);

    const cancelled = await client.delete<{ order: OrderBody }>(`/api/v1/orders/${order.id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.order).toMatchObject({
      id: order.id,
      status: "cancelled",
      reason: "cancelled_by_user",
    });
    const after = await balances(client);
    expect(wallet(after, "paper", "GBP")).toEqual({ available: "10000.00", locked: "0.00" });
    // Cancelling again answers the cancelled order; nothing moves twice.
    const again = await client.delete<{ order: OrderBody }>(`/api/v1/orders/${order.id}`);
    expect(again.status).toBe(200);
    expect(await balances(client)).toEqual(after);
    const stillOpen = await client.get<{ orders: OrderBody[] }>("/api/v1/orders?status=open");
    expect(stillOpen.body.orders.map((row) => row.id)).not.toContain(order.id);
  });

  it("a resting limit buy fills as maker once the market trades through its price", async () => {
    const { client, user } = await fundedTrader("10000.00");
    const placedAt = Date.now();
    const last = minor(await lastPrice("BTC-GBP"), 2);
    const price = (last * 995n) / 1000n; // 0.5 % below the market
    const response = await placeOrder(client, {
      symbol: "BTC-GBP",
      side: "buy",
      type: "limit",
      quantity: "0.02000",
      price: text(price, 2),
    });
    expect(response.status).toBe(201);
    const order = response.body.order;
    // Find, in the same deterministic market, the first hour by which it trades below the price.
    let crossAt = 0;
    for (let hour = 1; hour <= 24 * 60 && crossAt === 0; hour++) {
      const until = placedAt + hour * 3_600_000;
      if (sim.rangeBetween("BTC-GBP", placedAt + 1_000, until).lowMinor < price) crossAt = until;
    }
    expect(crossAt).toBeGreaterThan(0);
    const result = await desk(user.id).checkResting(user.id, crossAt);
    expect(result.fills).toBeGreaterThanOrEqual(0);
    const filled = await client.get<{ order: OrderBody }>(`/api/v1/orders/${order.id}`);
    expect(filled.body.order).toMatchObject({
      status: "filled",
      filledQuantity: "0.02000000",
      averagePrice: text(price, 2),
      makerRate: "0.0010",
    });
    const quote = (2_000_000n * price + 99_999_999n) / 100_000_000n; // 0.02 BTC at the limit, rounded up
    const makerFee = (quote * 10n + 9_999n) / 10_000n;
    expect(minor(filled.body.order.filledQuote, 2)).toBe(quote);
    expect(minor(filled.body.order.fee, 2)).toBe(makerFee);
    const after = await balances(client);
    // The hold reserved the taker fee; what the maker fee did not use is released.
    expect(wallet(after, "paper", "GBP")).toEqual({
      available: text(1_000_000n - quote - makerFee, 2),
      locked: "0.00",
    });
    expect(wallet(after, "paper", "BTC")).toEqual({ available: "0.02000000", locked: "0.00000000" });
    const trades = await client.get<{ trades: TradeBody[] }>(`/api/v1/trades?orderId=${order.id}`);
    expect(trades.body.trades.every((trade) => trade.liquidity === "maker")).toBe(true);
    // A filled order cannot be cancelled: 409 with a stable code, balances unchanged.
    const cancel = await client.delete(`/api/v1/orders/${order.id}`);
    expect(cancel.status).toBe(409);
    expect(errorCode(cancel)).toBe("order_not_open");
    expect(await balances(client)).toEqual(after);
  });

  it("a marketable limit order fills at once as taker, at the limit or better", async () => {
    const { client } = await fundedTrader("10000.00");
    const last = minor(await lastPrice("ETH-GBP"), 2);
    const response = await placeOrder(client, {
      symbol: "ETH-GBP",
      side: "buy",
      type: "limit",
      quantity: "0.5000",
      price: text((last * 101n) / 100n, 2),
    });
    expect(response.status).toBe(201);
    expect(response.body.order).toMatchObject({ status: "filled", filledQuantity: "0.50000000" });
    expect(minor(response.body.order.averagePrice ?? "0", 2)).toBeLessThanOrEqual((last * 101n) / 100n);
    expect(wallet(await balances(client), "paper", "GBP").locked).toBe("0.00");
  });
});

describe("idempotency", () => {
  it("the same key and order answer the first response again, with one effect", async () => {
    const { client } = await fundedTrader("1000.00");
    const idempotencyKey = key("same");
    const body = { symbol: "SOL-GBP", side: "buy", type: "market", quoteAmount: "100.00" };
    const first = await placeOrder(client, body, idempotencyKey);
    const second = await placeOrder(client, { ...body, quoteAmount: "100" }, idempotencyKey);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.order.id).toBe(first.body.order.id);
    expect(second.body.order.filledQuantity).toBe(first.body.order.filledQuantity);
    expect(wallet(await balances(client), "paper", "GBP").available).toBe("899.80");
    const conflict = await placeOrder(client, { ...body, quoteAmount: "101.00" }, idempotencyKey);
    expect(conflict.status).toBe(409);
    expect(errorCode(conflict)).toBe("idempotency_conflict");
    expect(wallet(await balances(client), "paper", "GBP").available).toBe("899.80");
  });

  it("concurrent duplicates of one key place one order", async () => {
    const { client } = await fundedTrader("1000.00");
    const idempotencyKey = key("race");
    const body = { symbol: "ETH-GBP", side: "buy", type: "market", quoteAmount: "50.00" };
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => placeOrder(client, body, idempotencyKey)),
    );
    expect(new Set(responses.map((response) => response.status))).toEqual(new Set([201]));
    expect(new Set(responses.map((response) => response.body.order.id)).size).toBe(1);
    expect(wallet(await balances(client), "paper", "GBP").available).toBe("949.90");
  });

  it("an order needs an Idempotency-Key", async () => {
    const { client } = await fundedTrader("100.00");
    const response = await client.post("/api/v1/orders", {
      symbol: "BTC-GBP",
      side: "buy",
      type: "market",
      quoteAmount: "10.00",
    });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe("invalid_request");
  });
});

describe("bad input leaves balances unchanged", () => {
  const cases: [string, Record<string, unknown>, number, string][] = [
    [
      "unknown symbol",
      { symbol: "DOGE-GBP", side: "buy", type: "market", quoteAmount: "10.00" },
      404,
      "unknown_symbol",
    ],
    [
      "wrong side",
      { symbol: "BTC-GBP", side: "hold", type: "market", quoteAmount: "10.00" },
      400,
      "invalid_request",
    ],
    [
      "wrong type",
      { symbol: "BTC-GBP", side: "buy", type: "stop", quantity: "0.001" },
      400,
      "invalid_request",
    ],
    [
      "both quantity and quoteAmount",
      { symbol: "BTC-GBP", side: "buy", type: "market", quantity: "0.001", quoteAmount: "10.00" },
      400,
      "invalid_request",
    ],
    [
      "neither quantity nor quoteAmount",
      { symbol: "BTC-GBP", side: "buy", type: "market" },
      400,
      "invalid_request",
    ],
    [
      "a JSON number",
      { symbol: "BTC-GBP", side: "buy", type: "market", quoteAmount: 10 },
      400,
      "invalid_request",
    ],
    [
      "a sell by quoteAmount",
      { symbol: "BTC-GBP", side: "sell", type: "market", quoteAmount: "10.00" },
      400,
      "invalid_request",
    ],
    [
      "price off the tick",
      { symbol: "BTC-GBP", side: "buy", type: "limit", quantity: "0.001", price: "50000.005" },
      400,
      "filter_failure",
    ],
    [
      "quantity off the lot",
      { symbol: "BTC-GBP", side: "buy", type: "market", quantity: "0.000015" },
      400,
      "filter_failure",
    ],
    [
      "below the minimum notional",
      { symbol: "BTC-GBP", side: "buy", type: "market", quoteAmount: "1.00" },
      400,
      "filter_failure",
    ],
    [
      "insufficient funds",
      { symbol: "BTC-GBP", side: "buy", type: "market", quoteAmount: "900.00" },
      409,
      "insufficient_funds",
    ],
    [
      "selling what is not there",
      { symbol: "BTC-GBP", side: "sell", type: "market", quantity: "0.01000" },
      409,
      "insufficient_funds",
    ],
    [
      "an unknown mode",
      { symbol: "BTC-GBP", side: "buy", type: "market", quoteAmount: "10.00", mode: "demo" },
      400,
      "invalid_request",
    ],
  ];
  it.each(cases)("%s -> %i %s", async (_name, body, status, code) => {
    const { client } = await fundedTrader("900.00");
    const before = await balances(client);
    const response = await placeOrder(client, body);
    expect(response.status).toBe(status);
    expect(errorCode(response)).toBe(code);
    expect(await balances(client)).toEqual(before);
  });

  it("someone else's order is a 404 to read and to cancel", async () => {
    const owner = await fundedTrader("10000.00");
    const last = minor(await lastPrice("BTC-GBP"), 2);
    const placed = await placeOrder(owner.client, {
      symbol: "BTC-GBP",
      side: "buy",
      type: "limit",
      quantity: "0.01000",
      price: text((last * 80n) / 100n, 2),
    });
    expect(placed.status).toBe(201);
    const before = await balances(owner.client);
    const stranger = await signedUpClient();
    const read = await stranger.client.get(`/api/v1/orders/${placed.body.order.id}`);
    expect(read.status).toBe(404);
    expect(errorCode(read)).toBe("order_not_found");
    const cancel = await stranger.client.delete(`/api/v1/orders/${placed.body.order.id}`);
    expect(cancel.status).toBe(404);
    expect(errorCode(cancel)).toBe("order_not_found");
    expect(await balances(owner.client)).toEqual(before);
    const own = await owner.client.delete<{ order: OrderBody }>(`/api/v1/orders/${placed.body.order.id}`);
    expect(own.body.order.status).toBe("cancelled");
  });
});

describe("LIVE mode", () => {
  it("without 2FA: 403 two_factor_not_enabled; without an exchange account: 503 live_unavailable; never filled on paper", async () => {
    const { client, user } = await fundedTrader("10000.00");
    const before = await balances(client);
    const body = { symbol: "BTC-USDT", side: "buy", type: "market", quoteAmount: "100.000000", mode: "live" };
    const refused = await placeOrder(client, body);
    expect(refused.status).toBe(403);
    expect(errorCode(refused)).toBe("two_factor_not_enabled");
    const db = database();
    await db.execute({ sql: "UPDATE users SET two_factor_enabled = 1 WHERE id = ?", args: [user.id] });
    // Every worker test runs with the stand-in as the exchange account; the same service
    // without BINANCE_API_KEY / BINANCE_API_SECRET refuses LIVE before anything is recorded.
    const unconfigured = {
      config: { ...getConfig(env), BINANCE_API_KEY: undefined, BINANCE_API_SECRET: undefined },
      env,
    };
    await expect(
      placeOrderService(unconfigured, { id: user.id, twoFactorEnabled: true }, `api:${key("live")}`, body),
    ).rejects.toMatchObject({ status: 503, code: "live_unavailable" });
    expect(await balances(client)).toEqual(before);
    const orders = await db.execute({
      sql: "SELECT COUNT(*) AS n FROM orders WHERE user_id = ?",
      args: [user.id],
    });
    expect(Number(orders.rows[0]?.n)).toBe(0);
    db.close();
  });

  it("with the exchange configured: a pair it does not list is 400, an empty live book 409, and nothing reaches the exchange", async () => {
    const { client, user } = await fundedTrader("10000.00");
    const db = database();
    await db.execute({ sql: "UPDATE users SET two_factor_enabled = 1 WHERE id = ?", args: [user.id] });
    const before = await balances(client);
    const gbp = await placeOrder(client, {
      symbol: "BTC-GBP",
      side: "buy",
      type: "market",
      quoteAmount: "100.00",
      mode: "live",
    });
    expect(gbp.status).toBe(400);
    expect(errorCode(gbp)).toBe("not_live_tradable");
    // The paper book's 10000.00 GBP never pays for a LIVE order.
    const empty = await placeOrder(client, {
      symbol: "BTC-USDT",
      side: "buy",
      type: "market",
      quoteAmount: "100.000000",
      mode: "live",
    });
    expect(empty.status).toBe(409);
    expect(errorCode(empty)).toBe("insufficient_funds");
    expect(await balances(client)).toEqual(before);
    const orders = await db.execute({
      sql: "SELECT status, reason, venue, venue_order_id FROM orders WHERE user_id = ?",
      args: [user.id],
    });
    expect(orders.rows.map((row) => ({ ...row }))).toEqual([
      { status: "rejected", reason: "insufficient_funds", venue: "binance", venue_order_id: null },
    ]);
    db.close();
  });
});

describe("GET /orders and /trades", () => {
  it("lists own orders newest first, filters open ones, and pages", async () => {
    const { client } = await fundedTrader("1000.00");
    for (const amount of ["10.00", "11.00", "12.00"]) {
      expect(
        (await placeOrder(client, { symbol: "BTC-GBP", side: "buy", type: "market", quoteAmount: amount }))
          .status,
      ).toBe(201);
    }
    const all = await client.get<{ orders: OrderBody[]; nextCursor: string | null }>(
      "/api/v1/orders?status=all&limit=2",
    );
    expect(all.status).toBe(200);
    expect(all.body.orders.map((order) => order.quoteAmount)).toEqual(["12.00", "11.00"]);
    expect(all.body.nextCursor).toBeTruthy();
    const next = await client.get<{ orders: OrderBody[] }>(
      `/api/v1/orders?status=all&limit=2&cursor=${all.body.nextCursor}`,
    );
    expect(next.body.orders.map((order) => order.quoteAmount)).toEqual(["10.00"]);
    const open = await client.get<{ orders: OrderBody[] }>("/api/v1/orders?status=open");
    expect(open.body.orders).toEqual([]);
    const bad = await client.get("/api/v1/orders?status=closed");
    expect(bad.status).toBe(400);
    const trades = await client.get<{ trades: TradeBody[] }>("/api/v1/trades");
    expect(trades.body.trades.length).toBeGreaterThanOrEqual(3);
  });

  it("needs a session", async () => {
    const { client } = await signedUpClient();
    client.cookie = null;
    expect((await client.get("/api/v1/orders")).status).toBe(401);
    expect((await client.get("/api/v1/trades")).status).toBe(401);
  });
});
