import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SimulatedMarket } from "../../../worker/services/markets/sim/market.ts";
import { MARKETS } from "../../../worker/services/markets/symbols.ts";
import { errorCode } from "../../support/api-client.ts";
import { depositLive, freshCode, OPS, ORIGIN, rows, withTwoFactor } from "../flows/support.ts";
import { database, key } from "../ledger/support.ts";
import { balances, desk, minor, type OrderBody, placeOrder, text, wallet } from "../trading/support.ts";
import { auditEvents, e8, eventually, orderEntries, orderRow, standin, toE8, totalE8 } from "./support.ts";

/**
 * LIVE trading end to end inside workerd: the API, the order desk in the user's UserOrders
 * object, the BinanceVenue and the adapter, against the Binance stand-in (the platform's
 * exchange account in every worker test; global-setup.ts). Each test compares what the ledger
 * says with what the exchange did. One file, run in order: the exchange account is shared.
 */

const sim = new SimulatedMarket();
const EXCHANGE = "system:live:exchange:binance";

async function liveTrader(prefix: string, deposits: Record<string, string>) {
  const trader = await withTwoFactor(prefix);
  for (const [asset, amount] of Object.entries(deposits)) await depositLive(trader, asset, amount);
  return trader;
}

function posting(
  entry: { postings: { account: string; asset: string; amount: bigint }[] },
  account: string,
  asset: string,
) {
  return entry.postings.find((candidate) => candidate.account === account && candidate.asset === asset)
    ?.amount;
}

describe("a LIVE market order with 2FA fills on the exchange and shows in the live book", () => {
  it("a market buy by quote amount: the ledger settles exactly the exchange's fill", async () => {
    const trader = await liveTrader("live-market", { USDT: "1000.000000" });
    const exchangeBefore = await standin.balances();
    const response = await placeOrder(trader.client, {
      mode: "live",
      symbol: "BTC-USDT",
      side: "buy",
      type: "market",
      quoteAmount: "100.000000",
    });
    expect(response.status).toBe(201);
    const order = response.body.order;
    expect(order).toMatchObject({ mode: "live", status: "filled", feeAsset: "USDT", takerRate: "0.0020" });

    const [exchangeOrder, ...others] = await standin.orderFor(order.id);
    expect(others).toEqual([]);
    expect(exchangeOrder).toMatchObject({ symbol: "BTCUSDT", side: "BUY", type: "MARKET", status: "FILLED" });
    const executedE8 = e8(exchangeOrder?.executedQty ?? "0");
    const spentE8 = e8(exchangeOrder?.cummulativeQuoteQty ?? "0");
    // Quantity exactly; the quote rounded up to USDT's 6 decimals, against the user.
    expect(toE8(minor(order.filledQuantity, 8), 8)).toBe(executedE8);
    const filledQuote = minor(order.filledQuote, 6);
    expect(toE8(filledQuote, 6) - spentE8).toBeGreaterThanOrEqual(0n);
    expect(toE8(filledQuote, 6) - spentE8).toBeLessThan(100n);
    const fee = minor(order.fee, 6);
    expect(fee).toBe((filledQuote * 20n + 9_999n) / 10_000n);

    // The live book: USDT spent plus the platform's fee, BTC received in full.
    const after = await balances(trader.client);
    expect(wallet(after, "live", "USDT")).toEqual({
      available: text(1_000_000_000n - filledQuote - fee, 6),
      locked: "0.000000",
    });
    expect(wallet(after, "live", "BTC")).toEqual({ available: order.filledQuantity, locked: "0.00000000" });

    // The exchange paid its 0.1 % commission in BTC out of the platform's account, recorded on the order.
    const row = await orderRow(order.id);
    expect(row).toMatchObject({
      venue: "binance",
      venue_order_id: String(exchangeOrder?.orderId),
      pending: null,
    });
    expect(row.venue_commission_asset).toBe("BTC");
    const commission = BigInt(row.venue_commission);
    expect(commission).toBe((executedE8 + 999n) / 1_000n);
    const exchangeAfter = await standin.balances();
    expect(totalE8(exchangeAfter, "BTC") - totalE8(exchangeBefore, "BTC")).toBe(executedE8 - commission);
    expect(totalE8(exchangeBefore, "USDT") - totalE8(exchangeAfter, "USDT")).toBe(spentE8);

    // The ledger: hold, one fill against the exchange's account, the unused hold released.
    const entries = await orderEntries(trader.id, order.id);
    expect(entries.map((entry) => entry.type)).toEqual(["order_hold", "fill", "order_release"]);
    const fill = entries[1] ?? { postings: [] };
    expect(posting(fill, EXCHANGE, "BTC")).toBe(-minor(order.filledQuantity, 8));
    expect(posting(fill, EXCHANGE, "USDT")).toBe(filledQuote);
    expect(posting(fill, "system:live:fee_revenue", "USDT")).toBe(fee);

    const audit = await auditEvents(trader.id, "order.exchange%");
    expect(audit).toEqual([
      expect.objectContaining({
        event: "order.exchange_placed",
        outcome: "success",
        detail: expect.objectContaining({
          orderId: order.id,
          exchangeOrderId: String(exchangeOrder?.orderId),
        }),
      }),
    ]);
  });

  it("a market buy by quantity goes out as LIMIT IOC capped at what its hold covers", async () => {
    const trader = await liveTrader("live-ioc", { USDT: "1000.000000" });
    const response = await placeOrder(trader.client, {
      mode: "live",
      symbol: "BTC-USDT",
      side: "buy",
      type: "market",
      quantity: "0.00050",
    });
    expect(response.status).toBe(201);
    const order = response.body.order;
    expect(order).toMatchObject({ type: "market", status: "filled", filledQuantity: "0.00050000" });
    const [exchangeOrder] = await standin.orderFor(order.id);
    expect(exchangeOrder).toMatchObject({
      type: "LIMIT",
      timeInForce: "IOC",
      status: "FILLED",
      executedQty: "0.00050000",
    });
    // The cap: never above what the hold pays for, fee included.
    const row = await orderRow(order.id);
    const capValue = e8(exchangeOrder?.price ?? "0") * 50_000n;
    expect(capValue / 100_000_000n).toBeLessThanOrEqual(toE8(BigInt(row.hold_amount), 6));
    const after = await balances(trader.client);
    expect(wallet(after, "live", "USDT").locked).toBe("0.000000");
    expect(wallet(after, "live", "BTC").available).toBe("0.00050000");
  });
});

/**
 * A price the market does not reach within 30 s of `nowMs` but trades through later (by
 * `afterMs`): an order placed there now rests, then fills once the stand-in's clock moves on.
 */
function restThenCross(
  nowMs: number,
  symbol: "BTC-USDT" | "ETH-USDT" = "BTC-USDT",
): { side: "buy" | "sell"; priceMinor: bigint; afterMs: number } {
  const tick = MARKETS[symbol].filters.tickSizeMinor;
  const placementWindowMs = 30_000;
  for (const afterMs of [120_000, 300_000, 900_000, 1_800_000]) {
    const early = sim.rangeBetween(symbol, nowMs, nowMs + placementWindowMs);
    const later = sim.rangeBetween(symbol, nowMs + placementWindowMs, nowMs + afterMs);
    const buyAt = ((later.lowMinor + tick - 1n) / tick) * tick;
    if (buyAt < early.lowMinor) return { side: "buy", priceMinor: buyAt, afterMs };
    const sellAt = (later.highMinor / tick) * tick;
    if (sellAt > early.highMinor) return { side: "sell", priceMinor: sellAt, afterMs };
  }
  throw new Error("the simulated market stayed inside its first 30 s range for 30 minutes");
}

describe("a LIVE limit order", () => {
  it("rests on the exchange, fills later, is picked up by polling and settled once", async () => {
    const trader = await liveTrader("live-rest", { USDT: "1000.000000", BTC: "0.01000000" });
    const plan = restThenCross(await standin.now());
    const response = await placeOrder(trader.client, {
      mode: "live",
      symbol: "BTC-USDT",
      side: plan.side,
      type: "limit",
      quantity: "0.00020",
      price: text(plan.priceMinor, 6),
    });
    expect(response.status).toBe(201);
    const order = response.body.order;
    expect(order.status).toBe("open");
    expect(await standin.orderFor(order.id)).toEqual([
      expect.objectContaining({ status: "NEW", type: "LIMIT" }),
    ]);

    // The market trades through the price on the exchange; the platform learns it by asking.
    await standin.advance(plan.afterMs);
    const checked = await desk(trader.id).checkResting(trader.id, Date.now() + 60_000);
    expect(checked.halted).toBe(0);
    const filled = await eventually(async () => {
      const row = await orderRow(order.id);
      return row.status === "filled" && row.pending === null ? row : null;
    });
    const [exchangeOrder] = await standin.orderFor(order.id);
    expect(exchangeOrder).toMatchObject({ status: "FILLED", executedQty: "0.00020000" });
    expect(filled.venue_trade_id).not.toBeNull();

    // Asked again: nothing new is settled.
    await desk(trader.id).checkResting(trader.id, Date.now() + 120_000);
    const entries = await orderEntries(trader.id, order.id);
    expect(entries.filter((entry) => entry.type === "fill")).toHaveLength(1);
    const trades = await rows(
      database(),
      "SELECT liquidity, price, quantity FROM trades WHERE order_id = ?",
      [order.id],
    );
    expect(trades).toEqual([expect.objectContaining({ liquidity: "maker" })]);
    expect(BigInt(trades[0]?.price as bigint)).toBe(plan.priceMinor);
    const after = await balances(trader.client);
    if (plan.side === "buy") {
      expect(wallet(after, "live", "BTC")).toEqual({ available: "0.01020000", locked: "0.00000000" });
    } else {
      expect(wallet(after, "live", "BTC")).toEqual({ available: "0.00980000", locked: "0.00000000" });
    }
    expect(wallet(after, "live", "USDT").locked).toBe("0.000000");
  });

  it("cancelled: the exchange order is CANCELED and the hold is released exactly", async () => {
    const trader = await liveTrader("live-cancel", { USDT: "100.000000" });
    const far = (sim.priceAt("BTC-USDT", await standin.now()) * 6n) / 10n / 10_000n;
    const exchangeBefore = await standin.balances();
    const placed = await placeOrder(trader.client, {
      mode: "live",
      symbol: "BTC-USDT",
      side: "buy",
      type: "limit",
      quantity: "0.00020",
      price: text(far * 10_000n, 6),
    });
    expect(placed.status).toBe(201);
    const order = placed.body.order;
    const held = await balances(trader.client);
    expect(wallet(held, "live", "USDT").locked).not.toBe("0.000000");
    const cancelled = await trader.client.delete<{ order: OrderBody }>(`/api/v1/orders/${order.id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.order).toMatchObject({
      status: "cancelled",
      reason: "cancelled_by_user",
      filledQuantity: "0.00000000",
    });
    expect(await standin.orderFor(order.id)).toEqual([
      expect.objectContaining({ status: "CANCELED", executedQty: "0.00000000" }),
    ]);
    expect(wallet(await balances(trader.client), "live", "USDT")).toEqual({
      available: "100.000000",
      locked: "0.000000",
    });

    const entries = await orderEntries(trader.id, order.id);
    expect(entries.map((entry) => entry.type)).toEqual(["order_hold", "order_release"]);
    const locked = `user:${trader.id}:live:locked`;
    expect(posting(entries[1] ?? { postings: [] }, locked, "USDT")).toBe(
      -(posting(entries[0] ?? { postings: [] }, locked, "USDT") ?? 0n),
    );
    const exchangeAfter = await standin.balances();
    expect(exchangeAfter.USDT).toEqual(exchangeBefore.USDT);
    expect((await auditEvents(trader.id, "order.exchange%")).map((entry) => entry.event)).toEqual([
      "order.exchange_placed",
      "order.exchange_cancelled",
    ]);
  });
});

describe("a LIVE limit order cancelled after part of it executed on the exchange", () => {
  it("the cancel settles the executed part first, then releases exactly the rest", async () => {
    // Larger than the top of the book, so one crossing fills only part of it.
    const trader = await liveTrader("live-partial", { USDT: "900000.000000", ETH: "250.00000000" });
    const plan = restThenCross(await standin.now(), "ETH-USDT");
    const response = await placeOrder(trader.client, {
      mode: "live",
      symbol: "ETH-USDT",
      side: plan.side,
      type: "limit",
      quantity: "200.0000",
      price: text(plan.priceMinor, 6),
    });
    expect(response.status).toBe(201);
    const order = response.body.order;
    expect(order.status).toBe("open");
    await standin.advance(plan.afterMs);
    // The cancel reaches the exchange after the market traded through the price.
    const cancelled = await trader.client.delete<{ order: OrderBody }>(`/api/v1/orders/${order.id}`);
    expect(cancelled.status).toBe(200);
    const [exchangeOrder] = await standin.orderFor(order.id);
    expect(exchangeOrder?.status).toBe("CANCELED");
    const executed = e8(exchangeOrder?.executedQty ?? "0");
    expect(executed).toBeGreaterThan(0n);
    expect(executed).toBeLessThan(20_000_000_000n);
    expect(cancelled.body.order).toMatchObject({ status: "cancelled", reason: "cancelled_by_user" });
    expect(toE8(minor(cancelled.body.order.filledQuantity, 8), 8)).toBe(executed);

    const entries = await orderEntries(trader.id, order.id);
    expect(entries.map((entry) => entry.type)).toEqual(["order_hold", "fill", "order_release"]);
    const locked = `user:${trader.id}:live:locked`;
    const heldAsset = plan.side === "buy" ? "USDT" : "ETH";
    const movedFromLock = entries.reduce((sum, entry) => sum + (posting(entry, locked, heldAsset) ?? 0n), 0n);
    expect(movedFromLock).toBe(0n);
    const after = await balances(trader.client);
    expect(wallet(after, "live", "USDT").locked).toBe("0.000000");
    expect(wallet(after, "live", "ETH").locked).toBe("0.00000000");
    const expectedEth = plan.side === "buy" ? 25_000_000_000n + executed : 25_000_000_000n - executed;
    expect(wallet(after, "live", "ETH").available).toBe(text(expectedEth, 8));
    expect(BigInt((await orderRow(order.id)).venue_commission)).toBeGreaterThan(0n);
  });
});

describe("the exchange refuses a LIVE order: rejected, the hold released exactly, audited", () => {
  it("a filter the exchange enforces beyond ours (MARKET_LOT_SIZE): 400 exchange_filter_failure", async () => {
    const trader = await liveTrader("live-filter", { ETH: "2300.00000000" });
    const body = { mode: "live", symbol: "ETH-BTC", side: "sell", type: "market", quantity: "2300.0000" };
    const idempotencyKey = key("filter");
    const response = await placeOrder(trader.client, body, idempotencyKey);
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe("exchange_filter_failure");
    expect(wallet(await balances(trader.client), "live", "ETH")).toEqual({
      available: "2300.00000000",
      locked: "0.00000000",
    });
    const [order] = await rows(database(), "SELECT id FROM orders WHERE user_id = ?", [trader.id]);
    const orderId = String(order?.id);
    expect(await orderRow(orderId)).toMatchObject({
      status: "rejected",
      reason: "exchange_filter_failure",
      pending: null,
    });
    const entries = await orderEntries(trader.id, orderId);
    expect(entries.map((entry) => entry.type)).toEqual(["order_hold", "order_release"]);
    expect(await standin.orderFor(orderId)).toEqual([]);
    expect(await auditEvents(trader.id, "order.exchange%")).toEqual([
      expect.objectContaining({
        event: "order.exchange_rejected",
        outcome: "failure",
        detail: expect.objectContaining({
          reason: "exchange_filter_failure",
          filter: "MARKET_LOT_SIZE",
          released: "230000000000",
        }),
      }),
    ]);
    // The same key again: the same refusal, nothing placed or held again.
    const again = await placeOrder(trader.client, body, idempotencyKey);
    expect(again.status).toBe(400);
    expect(errorCode(again)).toBe("exchange_filter_failure");
    expect((await orderEntries(trader.id, orderId)).map((entry) => entry.type)).toEqual([
      "order_hold",
      "order_release",
    ]);
    expect(await rows(database(), "SELECT id FROM orders WHERE user_id = ?", [trader.id])).toHaveLength(1);
  });

  it("the exchange account cannot cover it: 409 exchange_insufficient_balance", async () => {
    const trader = await liveTrader("live-balance", { SOL: "30.00000000" });
    const before = await standin.balances();
    // Resting orders outside the platform hold all but 10 SOL of the account.
    const lockedAway = (e8(before.SOL?.free ?? "0") - 1_000_000_000n).toString();
    const amount = `${lockedAway.slice(0, -8) || "0"}.${lockedAway.slice(-8).padStart(8, "0")}`;
    await standin.lock("SOL", amount);
    let response: Awaited<ReturnType<typeof placeOrder>>;
    try {
      response = await placeOrder(trader.client, {
        mode: "live",
        symbol: "SOL-USDT",
        side: "sell",
        type: "market",
        quantity: "20.000",
      });
    } finally {
      await standin.unlock("SOL", amount);
    }
    expect(response.status).toBe(409);
    expect(errorCode(response)).toBe("exchange_insufficient_balance");
    expect(wallet(await balances(trader.client), "live", "SOL")).toEqual({
      available: "30.00000000",
      locked: "0.00000000",
    });
    const [order] = await rows(database(), "SELECT id FROM orders WHERE user_id = ?", [trader.id]);
    const orderId = String(order?.id);
    expect(await orderRow(orderId)).toMatchObject({
      status: "rejected",
      reason: "exchange_insufficient_balance",
    });
    expect((await orderEntries(trader.id, orderId)).map((entry) => entry.type)).toEqual([
      "order_hold",
      "order_release",
    ]);
    expect(await auditEvents(trader.id, "order.exchange%")).toEqual([
      expect.objectContaining({
        event: "order.exchange_rejected",
        detail: expect.objectContaining({ reason: "exchange_insufficient_balance", exchangeCode: -2010 }),
      }),
    ]);
    expect(await standin.balances()).toEqual(before);
  });
});

describe("an unknown outcome", () => {
  it("the exchange executes but its answer never comes: found by client id on resume and settled once", async () => {
    const trader = await liveTrader("live-unknown", { USDT: "500.000000" });
    // The order executes, then the answer stalls past the adapter's 8 s timeout; the two
    // look-ups by client id that follow fail too, so the outcome stays unknown for now.
    await standin.fault({ method: "POST", path: "/api/v3/order", stallAfterMs: 9_000 });
    await standin.fault({ method: "GET", path: "/api/v3/order", answerStatus: 503, beforeExecute: true });
    await standin.fault({ method: "GET", path: "/api/v3/order", answerStatus: 503, beforeExecute: true });
    const idempotencyKey = key("unknown");
    const body = { mode: "live", symbol: "BTC-USDT", side: "buy", type: "market", quoteAmount: "50.000000" };
    const first = await placeOrder(trader.client, body, idempotencyKey);
    expect(first.status).toBe(503);
    const [recorded] = await rows(database(), "SELECT id FROM orders WHERE user_id = ?", [trader.id]);
    const orderId = String(recorded?.id);
    const pending = await orderRow(orderId);
    expect(pending.status).toBe("open");
    expect(pending.pending).not.toBeNull();
    // Held, not settled: the money waits for the answer.
    expect(wallet(await balances(trader.client), "live", "USDT").locked).not.toBe("0.000000");

    // The object's alarm resumes the step: it asks the exchange first (mayExist) and settles.
    const settled = await eventually(async () => {
      const row = await orderRow(orderId);
      return row.status === "filled" && row.pending === null ? row : null;
    });
    expect(await standin.orderFor(orderId)).toEqual([expect.objectContaining({ status: "FILLED" })]);
    const entries = await orderEntries(trader.id, orderId);
    expect(entries.filter((entry) => entry.type === "fill")).toHaveLength(1);
    expect(entries.filter((entry) => entry.type === "order_hold")).toHaveLength(1);
    const replay = await placeOrder(trader.client, body, idempotencyKey);
    expect(replay.status).toBe(201);
    expect(replay.body.order).toMatchObject({ id: orderId, status: "filled" });
    const [exchangeOrder] = await standin.orderFor(orderId);
    expect(toE8(BigInt(settled.filled_quantity), 8)).toBe(e8(exchangeOrder?.executedQty ?? "0"));
    expect(await auditEvents(trader.id, "order.exchange%")).toEqual([
      expect.objectContaining({
        event: "order.exchange_placed",
        detail: expect.objectContaining({ recoveredAfterUnknownOutcome: "asked_first" }),
      }),
    ]);
  });
});

describe("a LIVE bot", () => {
  it("created, confirmed and started with fresh codes, places its LIMIT order on the exchange; stopping cancels it", async () => {
    const trader = await liveTrader("live-bot", { USDT: "100.000000" });
    const price = sim.priceAt("BTC-USDT", Date.now());
    const tick = MARKETS["BTC-USDT"].filters.tickSizeMinor;
    const at = (percent: bigint) => text(((price * percent) / 100n / tick) * tick, 6);
    const created = await trader.client.post<{ bot: { id: string; status: string } }>("/api/v1/bots", {
      type: "grid",
      symbol: "BTC-USDT",
      mode: "live",
      budget: "30.000000",
      budgetAsset: "USDT",
      params: { lowerPrice: at(50n), upperPrice: at(55n), gridLevels: 2, spacing: "arithmetic" },
      totp: await freshCode(trader),
    });
    expect(created.status).toBe(201);
    const id = created.body.bot.id;
    const confirmed = await trader.client.post(`/api/v1/bots/${id}/confirm`, {
      totp: await freshCode(trader),
    });
    expect(confirmed.status).toBe(200);
    const started = await trader.client.post<{ bot: { status: string } }>(`/api/v1/bots/${id}/start`, {
      totp: await freshCode(trader),
    });
    expect(started.status).toBe(200);
    expect(started.body.bot.status).toBe("running");

    const placed = await eventually(async () => {
      const [row] = await rows(database(), "SELECT id, status, price FROM orders WHERE bot_id = ?", [id]);
      return row && row.status === "open" ? row : null;
    });
    const orderId = String(placed.id);
    const [exchangeOrder] = await standin.orderFor(orderId);
    expect(exchangeOrder).toMatchObject({ side: "BUY", type: "LIMIT", timeInForce: "GTC", status: "NEW" });
    expect(e8(exchangeOrder?.price ?? "0")).toBe(toE8(minor(at(50n), 6), 6));

    const stopped = await trader.client.post<{ bot: { status: string } }>(`/api/v1/bots/${id}/stop`, {});
    expect(stopped.status).toBe(200);
    expect(stopped.body.bot.status).toBe("stopped");
    expect(await standin.orderFor(orderId)).toEqual([expect.objectContaining({ status: "CANCELED" })]);
    expect(wallet(await balances(trader.client), "live", "USDT")).toEqual({
      available: "100.000000",
      locked: "0.000000",
    });
    expect((await auditEvents(trader.id, "%")).map((entry) => entry.event)).toEqual(
      expect.arrayContaining([
        "bot.created",
        "bot.confirmed",
        "bot.started",
        "order.exchange_placed",
        "order.exchange_cancelled",
        "bot.stopped",
      ]),
    );
  });
});

describe("a LIVE DCA bot", () => {
  it("its base order fills on the exchange and settles into the bot's allocation; stopping returns all of it", async () => {
    const trader = await liveTrader("live-dca", { USDT: "100.000000" });
    const created = await trader.client.post<{ bot: { id: string } }>("/api/v1/bots", {
      type: "dca",
      symbol: "BTC-USDT",
      mode: "live",
      budget: "40.000000",
      budgetAsset: "USDT",
      params: {
        baseOrder: "20",
        safetyOrder: "10",
        safetyOrders: 1,
        priceDeviationPercent: "20",
        volumeScale: "1",
        takeProfitPercent: "50",
      },
      totp: await freshCode(trader),
    });
    expect(created.status).toBe(201);
    const id = created.body.bot.id;
    expect(
      (await trader.client.post(`/api/v1/bots/${id}/confirm`, { totp: await freshCode(trader) })).status,
    ).toBe(200);
    expect(
      (await trader.client.post(`/api/v1/bots/${id}/start`, { totp: await freshCode(trader) })).status,
    ).toBe(200);

    // The base order (a market buy of 20 USDT) fills at the exchange and settles once.
    const filled = await eventually(async () => {
      const found = await rows(
        database(),
        "SELECT id, filled_quantity, filled_quote FROM orders WHERE bot_id = ? AND status = 'filled'",
        [id],
      );
      return found[0] ?? null;
    });
    const [exchangeOrder] = await standin.orderFor(String(filled.id));
    expect(exchangeOrder).toMatchObject({ side: "BUY", status: "FILLED" });
    const during = await balances(trader.client);
    expect(minor(wallet(during, "live", "BTC").available, 8)).toBe(0n);
    const [allocation] = await rows(
      database(),
      "SELECT balance FROM ledger_balances WHERE user_id = ? AND account = ? AND asset = 'BTC'",
      [trader.id, `user:${trader.id}:live:bot:${id}`],
    );
    expect(BigInt(String(allocation?.balance))).toBe(BigInt(String(filled.filled_quantity)));

    const stopped = await trader.client.post<{ bot: { status: string } }>(`/api/v1/bots/${id}/stop`, {});
    expect(stopped.body.bot.status).toBe("stopped");
    const after = await balances(trader.client);
    // Everything comes back: the BTC bought, and the USDT not spent (fill plus the platform's fee).
    expect(minor(wallet(after, "live", "BTC").available, 8)).toBe(BigInt(String(filled.filled_quantity)));
    expect(wallet(after, "live", "USDT").locked).toBe("0.000000");
    const open = await rows(
      database(),
      "SELECT id FROM orders WHERE bot_id = ? AND status IN ('open', 'partially_filled')",
      [id],
    );
    expect(open).toHaveLength(0);
  });
});

describe("reconciliation with the exchange", () => {
  it("the exchange holds what the ledger owes there, per asset", async () => {
    const response = await SELF.fetch(`${ORIGIN}/api/v1/ops/reconcile`, { headers: OPS });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { checks: { name: string; ok: boolean; detail: string }[] };
    const check = body.checks.find((candidate) => candidate.name === "exchange_holds_users_funds");
    expect(check, JSON.stringify(body.checks)).toMatchObject({ ok: true });
    expect(check?.detail).toMatch(/^binance account per asset: USDT: exchange/);
  });
});
