import { env, runDurableObjectAlarm, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDatabase } from "../../../db/client.ts";
import { getConfig } from "../../../worker/env.ts";
import { BotDesk } from "../../../worker/services/bots/desk.ts";
import { plannerFor } from "../../../worker/services/bots/planner.ts";
import { userLedger } from "../../../worker/services/ledger/client.ts";
import { getMarketSource } from "../../../worker/services/markets/source.ts";
import { userOrdersClient } from "../../../worker/services/objects/user-orders.ts";
import { errorCode } from "../../support/api-client.ts";
import { depositLive, freshCode, OPS, ORIGIN, rows, signUp, withTwoFactor } from "../flows/support.ts";
import { database, key, walletIn, walletsOf } from "../ledger/support.ts";
import { fundedTrader, minor, text } from "../trading/support.ts";
import { DCA, dcaBot } from "./support.ts";

/** API.md "Bots", driven as a script would. */

interface BotBody {
  bot: { id: string; status: string; mode: string; budget: string; pnl?: Record<string, string> };
}

async function botCount(userId: string): Promise<number> {
  const [row] = await rows(database(), "SELECT COUNT(*) AS n FROM bots WHERE user_id = ?", [userId]);
  return Number(row?.n ?? 0);
}

function botObject(id: string) {
  return env.BOT.get(env.BOT.idFromName(id));
}

describe("LIVE bots need 2FA and a fresh code at every step", () => {
  it("refuses without 2FA, without a code, and with a replayed code; creates nothing", async () => {
    const noTwoFactor = await signUp("bot-live");
    const refused = await noTwoFactor.client.post(
      "/api/v1/bots",
      dcaBot({ mode: "live", symbol: "BTC-USDT", budgetAsset: "USDT", budget: "300.00" }),
    );
    expect(refused.status).toBe(403);
    expect(errorCode(refused)).toBe("two_factor_not_enabled");
    expect(await botCount(noTwoFactor.id)).toBe(0);

    const trader = await withTwoFactor("bot-live2");
    const live = dcaBot({ mode: "live", symbol: "BTC-USDT", budgetAsset: "USDT", budget: "300.00" });
    const noCode = await trader.client.post("/api/v1/bots", live);
    expect(noCode.status).toBe(403);
    expect(errorCode(noCode)).toBe("totp_required");
    const code = await freshCode(trader);
    // The first use spends the code (the live book is empty: 409), the replay is refused.
    const first = await trader.client.post("/api/v1/bots", { ...live, totp: code });
    expect(first.status).toBe(409);
    expect(errorCode(first)).toBe("insufficient_funds");
    const replayed = await trader.client.post("/api/v1/bots", { ...live, totp: code });
    expect(replayed.status).toBe(403);
    expect(errorCode(replayed)).toBe("totp_invalid");
    expect(await botCount(trader.id)).toBe(0);
  });
});

describe("a LIVE bot while no exchange account is configured", () => {
  it("is created and confirmed with fresh codes, but its start answers 503 live_unavailable and holds nothing", async () => {
    const trader = await withTwoFactor("bot-live3");
    await depositLive(trader, "USDT", "1000.000000");
    const live = dcaBot({ mode: "live", symbol: "BTC-USDT", budgetAsset: "USDT", budget: "300.000000" });
    const created = await trader.client.post<BotBody>("/api/v1/bots", {
      ...live,
      totp: await freshCode(trader),
    });
    expect(created.status).toBe(201);
    expect(created.body.bot.status).toBe("awaiting_confirmation");
    const id = created.body.bot.id;
    const startEarly = await trader.client.post(`/api/v1/bots/${id}/start`, {
      totp: await freshCode(trader),
    });
    expect(startEarly.status).toBe(409);
    const noCode = await trader.client.post(`/api/v1/bots/${id}/confirm`, {});
    expect(errorCode(noCode)).toBe("totp_required");
    const confirmed = await trader.client.post<BotBody>(`/api/v1/bots/${id}/confirm`, {
      totp: await freshCode(trader),
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.bot.status).toBe("draft");
    // Every worker test runs with the stand-in as the exchange account (test/worker/live/ starts
    // LIVE bots through the API); the bot's desk as its object builds it without an exchange
    // account refuses the start before anything is held.
    const client = database();
    const desk = new BotDesk(id, {
      db: createDatabase(client),
      client,
      ledger: (userId) => userLedger(env, userId),
      orders: (userId) => userOrdersClient(env, userId),
      market: getMarketSource(getConfig(env)),
      planner: plannerFor,
      now: Date.now,
    });
    await expect(
      desk.start(trader.id, { requestId: "test-start", ipAddress: "127.0.0.1" }),
    ).rejects.toMatchObject({
      status: 503,
      code: "live_unavailable",
    });
    client.close();
    const wallets = await walletsOf(trader.client);
    expect(walletIn(wallets, "live", "USDT")).toMatchObject({
      available: "1000.000000",
      allocated: "0.000000",
    });
    const audit = await rows(
      database(),
      "SELECT event FROM audit_log WHERE user_id = ? AND event LIKE 'bot.%' ORDER BY sequence",
      [trader.id],
    );
    expect(audit.map((row) => row.event)).toEqual(["bot.created", "bot.confirmed"]);
    const [bot] = await rows(database(), "SELECT status, pending FROM bots WHERE id = ?", [id]);
    expect(bot).toMatchObject({ status: "draft", pending: null });
  });
});

describe("creating a bot: bad input gets a stable 4xx and changes nothing", () => {
  it("a DCA budget that cannot cover its orders is refused with the amount needed", async () => {
    const { client, user } = await fundedTrader("1000.00");
    const response = await client.post<{ error: { code: string; message: string } }>(
      "/api/v1/bots",
      dcaBot({ budget: "150.00" }),
    );
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe("budget_too_small");
    expect(response.body.error.message).toMatch(/at least 2\d\d\.\d\d GBP/);
    expect(await botCount(user.id)).toBe(0);
  });

  it("no funds in the budget asset: 409 insufficient_funds naming the asset, never a 500", async () => {
    const trader = await signUp("bot-empty");
    const response = await trader.client.post<{ error: { message: string } }>("/api/v1/bots", dcaBot());
    expect(response.status).toBe(409);
    expect(errorCode(response)).toBe("insufficient_funds");
    expect(response.body.error.message).toContain("GBP");
  });

  it("refuses out-of-range params, an inverted grid, a budget asset that is not the quote", async () => {
    const { client, user } = await fundedTrader("1000.00");
    const badAsset = await client.post("/api/v1/bots", dcaBot({ budgetAsset: "USDT" }));
    expect(badAsset.status).toBe(400);
    const tooMany = await client.post("/api/v1/bots", dcaBot({ params: { ...DCA, safetyOrders: 26 } }));
    expect(tooMany.status).toBe(400);
    const inverted = await client.post("/api/v1/bots", {
      type: "grid",
      symbol: "BTC-GBP",
      mode: "paper",
      budget: "500.00",
      budgetAsset: "GBP",
      params: { lowerPrice: "70000.00", upperPrice: "60000.00", gridLevels: 5, spacing: "arithmetic" },
    });
    expect(inverted.status).toBe(400);
    expect(await botCount(user.id)).toBe(0);
  });
});

describe("a PAPER DCA bot", () => {
  it("starts holding its budget, places its base order within a tick, and stops leaving nothing open", async () => {
    const { client, user } = await fundedTrader("1000.00");
    const created = await client.post<BotBody>("/api/v1/bots", dcaBot(), { "Idempotency-Key": key("bot") });
    expect(created.status).toBe(201);
    expect(created.body.bot.status).toBe("draft");
    const id = created.body.bot.id;

    // Confirming a PAPER bot is a 409 and changes nothing.
    const confirm = await client.post(`/api/v1/bots/${id}/confirm`, {});
    expect(confirm.status).toBe(409);

    const started = await client.post<BotBody>(`/api/v1/bots/${id}/start`, {});
    expect(started.status).toBe(200);
    expect(started.body.bot.status).toBe("running");
    let wallets = await walletsOf(client);
    expect(walletIn(wallets, "paper", "GBP")).toMatchObject({ available: "700.00", allocated: "300.00" });

    // The alarm ticks (the start armed it for now): the base order is placed and fills on the
    // simulated market. Run due alarms until it shows, bounded.
    let kinds: string[] = [];
    // "order_placed" is recorded with the tick's decision, before the desk places it; "filled" is
    // what the strategy observed on a later tick, once the order filled.
    for (let attempt = 0; attempt < 40 && !kinds.includes("filled"); attempt++) {
      await runDurableObjectAlarm(botObject(id));
      const events = await client.get<{ events: { kind: string; message: string }[] }>(
        `/api/v1/bots/${id}/events`,
      );
      expect(events.status).toBe(200);
      kinds = events.body.events.map((event) => event.kind);
      if (!kinds.includes("filled")) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(kinds).toContain("started");
    expect(kinds).toContain("order_placed");
    wallets = await walletsOf(client);
    expect(Number(walletIn(wallets, "paper", "BTC").allocated)).toBeGreaterThan(0);

    const again = await client.post(`/api/v1/bots/${id}/start`, {});
    expect(again.status).toBe(409);

    const killed = await client.post<{ bots: { status: string }[] }>("/api/v1/bots/kill-switch", {});
    expect(killed.status).toBe(200);
    expect(killed.body.bots.map((bot) => bot.status)).toEqual(["stopped"]);
    const open = await rows(
      database(),
      "SELECT id FROM orders WHERE bot_id = ? AND status IN ('open', 'partially_filled')",
      [id],
    );
    expect(open).toHaveLength(0);
    wallets = await walletsOf(client);
    expect(walletIn(wallets, "paper", "GBP").allocated).toBe("0.00");
    expect(walletIn(wallets, "paper", "BTC").allocated).toBe("0.00000000");
    const detail = await client.get<BotBody>(`/api/v1/bots/${id}`);
    expect(detail.body.bot.status).toBe("stopped");
    expect(detail.body.bot.pnl).toHaveProperty("realised");
    const startStopped = await client.post(`/api/v1/bots/${id}/start`, {});
    expect(startStopped.status).toBe(409);

    const other = await signUp("bot-other");
    const foreign = await other.client.get(`/api/v1/bots/${id}`);
    expect(foreign.status).toBe(404);
    void user;
  });
});

describe("a PAPER Grid bot", () => {
  it("opens buys below and sells above the price, and stops returning its allocation exactly", async () => {
    const { client } = await fundedTrader("5000.00");
    const ticker = await client.get<{ ticker: { last: string } }>("/api/v1/markets/ETH-GBP/ticker");
    expect(ticker.status).toBe(200);
    // Prices in pence, exactly: percent of the last price, to the tick (0.01).
    const lastPence = minor(ticker.body.ticker.last, 2);
    const price = (percent: bigint) => text((lastPence * percent) / 100n, 2);
    const created = await client.post<BotBody>("/api/v1/bots", {
      type: "grid",
      symbol: "ETH-GBP",
      mode: "paper",
      budget: "2000.00",
      budgetAsset: "GBP",
      params: { lowerPrice: price(90n), upperPrice: price(110n), gridLevels: 5, spacing: "geometric" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.bot.id;
    expect((await client.post(`/api/v1/bots/${id}/start`, {})).status).toBe(200);
    let resting: Record<string, unknown>[] = [];
    for (
      let attempt = 0;
      attempt < 30 && !(resting.some((o) => o.side === "buy") && resting.some((o) => o.side === "sell"));
      attempt++
    ) {
      await runDurableObjectAlarm(botObject(id));
      resting = await rows(
        database(),
        "SELECT side, price FROM orders WHERE bot_id = ? AND status = 'open'",
        [id],
      );
      if (resting.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const buys = resting.filter((order) => order.side === "buy").map((order) => Number(order.price));
    const sells = resting.filter((order) => order.side === "sell").map((order) => Number(order.price));
    expect(buys.length).toBeGreaterThan(0);
    expect(sells.length).toBeGreaterThan(0);
    expect(Math.max(...buys)).toBeLessThan(Math.min(...sells));

    const stopped = await client.post<BotBody>(`/api/v1/bots/${id}/stop`, {});
    expect(stopped.status).toBe(200);
    expect(stopped.body.bot.status).toBe("stopped");
    const open = await rows(
      database(),
      "SELECT id FROM orders WHERE bot_id = ? AND status IN ('open', 'partially_filled')",
      [id],
    );
    expect(open).toHaveLength(0);
    const wallets = await walletsOf(client);
    expect(walletIn(wallets, "paper", "GBP").allocated).toBe("0.00");
    expect(walletIn(wallets, "paper", "ETH").allocated).toBe("0.00000000");
  });
});

describe("the operators' kill switch", () => {
  it("is for operators only, stops every LIVE bot and is audited with its reason", async () => {
    const trader = await signUp("bot-ops");
    const refused = await trader.client.post("/api/v1/ops/bots/kill-switch", { reason: "test" });
    expect(refused.status).toBe(403);
    const response = await SELF.fetch(`${ORIGIN}/api/v1/ops/bots/kill-switch`, {
      method: "POST",
      headers: { ...OPS, "Content-Type": "application/json" },
      body: JSON.stringify({ reason: "exchange incident drill" }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { stopped: number };
    expect(body.stopped).toBeGreaterThanOrEqual(0);
    const [running] = await rows(
      database(),
      "SELECT COUNT(*) AS n FROM bots WHERE mode = 'live' AND status IN ('running', 'paused')",
    );
    expect(Number(running?.n)).toBe(0);
    const audit = await rows(
      database(),
      "SELECT detail FROM audit_log WHERE event = 'ops.bots_kill_switch' ORDER BY sequence DESC LIMIT 1",
    );
    expect(JSON.parse(String(audit[0]?.detail))).toMatchObject({ reason: "exchange incident drill" });
  });
});
