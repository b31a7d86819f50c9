import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { isFlowCheck } from "../../../worker/services/ledger/reconcile.ts";
import { SimulatedMarket } from "../../../worker/services/markets/sim/market.ts";
import { errorCode } from "../../support/api-client.ts";
import { OPS, ORIGIN } from "../flows/support.ts";
import { balances, desk, fundedTrader, minor, placeOrder, text } from "./support.ts";

/**
 * API.md: stop-limit orders rest, holding their funds, until the market trades through
 * `stopPrice`, then behave as a limit order at `price`. They rest in the user's order desk (not
 * at the venue) and follow the same record–act–resume path as every order.
 */

const sim = new SimulatedMarket();

interface StopBody {
  id: string;
  status: string;
  type: string;
  stopPrice: string | null;
  triggeredAt: string | null;
  price: string | null;
  filledQuantity: string;
  averagePrice: string | null;
}

async function last(): Promise<bigint> {
  return (await sim.ticker("BTC-GBP")).lastMinor;
}

/** The first minute, within a day, by which the simulated market trades at or through `price`. */
function firstCross(fromMs: number, side: "below" | "above", price: bigint): number {
  for (let minute = 1; minute <= 24 * 60; minute++) {
    const until = fromMs + minute * 60_000;
    const range = sim.rangeBetween("BTC-GBP", fromMs + 1_000, until);
    if (side === "below" ? range.lowMinor <= price : range.highMinor >= price) return until;
  }
  return 0;
}

describe("stop-limit orders", () => {
  it("refuses a stop-limit without a stop price, a stop price on other orders, and an off-tick stop", async () => {
    const { client } = await fundedTrader("10000.00");
    const noStop = await placeOrder(client, {
      symbol: "BTC-GBP",
      side: "buy",
      type: "stop_limit",
      quantity: "0.01000",
      price: "50000.00",
    });
    expect(noStop.status).toBe(400);
    expect(errorCode(noStop)).toBe("invalid_request");
    expect(JSON.stringify(noStop.body)).toContain("stopPrice");
    const stray = await placeOrder(client, {
      symbol: "BTC-GBP",
      side: "buy",
      type: "limit",
      quantity: "0.01000",
      price: "50000.00",
      stopPrice: "50000.00",
    });
    expect(stray.status).toBe(400);
    const offTick = await placeOrder(client, {
      symbol: "BTC-GBP",
      side: "buy",
      type: "stop_limit",
      quantity: "0.01000",
      price: text(await last(), 2),
      stopPrice: `${text(await last(), 2)}1`,
    });
    expect(offTick.status).toBe(400);
  });

  it("a sell stop rests holding its BTC, triggers when the market trades down to the stop, then fills as a limit", async () => {
    const { client, user } = await fundedTrader("10000.00");
    const bought = await placeOrder(client, {
      symbol: "BTC-GBP",
      side: "buy",
      type: "market",
      quantity: "0.02000",
    });
    expect(bought.status).toBe(201);
    const placedAt = Date.now();
    const market = await last();
    const stop = (market * 997n) / 1000n; // 0.3 % below the market
    const limit = (stop * 990n) / 1000n; // sell for no less than 1 % under the stop
    const response = await placeOrder(client, {
      symbol: "BTC-GBP",
      side: "sell",
      type: "stop_limit",
      quantity: "0.02000",
      price: text(limit, 2),
      stopPrice: text(stop, 2),
    });
    expect(response.status).toBe(201);
    const order = response.body.order as unknown as StopBody;
    expect(order).toMatchObject({
      status: "open",
      type: "stop_limit",
      triggeredAt: null,
      filledQuantity: "0.00000000",
    });
    expect(order.stopPrice).toBe(text(stop, 2));
    // Its BTC is held from now on.
    const held = await balances(client);
    expect(held["paper:BTC"]).toBe("0.00000000/0.02000000");

    const crossAt = firstCross(placedAt, "below", stop);
    expect(crossAt).toBeGreaterThan(0);
    // Before the market gets there: still waiting.
    if (crossAt - 120_000 > placedAt + 1_000) {
      await desk(user.id).checkResting(user.id, crossAt - 120_000);
      const waiting = await client.get<{ order: StopBody }>(`/api/v1/orders/${order.id}`);
      expect(waiting.body.order.triggeredAt).toBeNull();
    }
    await desk(user.id).checkResting(user.id, crossAt);
    const after = await client.get<{ order: StopBody }>(`/api/v1/orders/${order.id}`);
    expect(after.body.order.triggeredAt).not.toBeNull();
    expect(["filled", "partially_filled", "open"]).toContain(after.body.order.status);
    if (after.body.order.averagePrice !== null) {
      expect(minor(after.body.order.averagePrice, 2)).toBeGreaterThanOrEqual(limit);
    }
    // Whatever happens next, cancelling releases exactly what is left.
    if (after.body.order.status !== "filled") {
      const cancelled = await client.delete<{ order: StopBody }>(`/api/v1/orders/${order.id}`);
      expect(cancelled.status).toBe(200);
    }
    const end = await balances(client);
    expect(end["paper:BTC"]?.endsWith("/0.00000000")).toBe(true);
  });

  it("cancelling a stop before it triggers releases its hold exactly and never reaches the venue", async () => {
    const { client } = await fundedTrader("10000.00");
    const before = await balances(client);
    const market = await last();
    const stop = (market * 1050n) / 1000n; // a buy stop 5 % above the market
    const response = await placeOrder(client, {
      symbol: "BTC-GBP",
      side: "buy",
      type: "stop_limit",
      quantity: "0.01000",
      price: text((stop * 1005n) / 1000n, 2),
      stopPrice: text(stop, 2),
    });
    expect(response.status).toBe(201);
    const order = response.body.order as unknown as StopBody;
    const during = await balances(client);
    expect(during["paper:GBP"]).not.toBe(before["paper:GBP"]);
    const cancelled = await client.delete<{ order: StopBody }>(`/api/v1/orders/${order.id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.order).toMatchObject({
      status: "cancelled",
      triggeredAt: null,
      filledQuantity: "0.00000000",
    });
    expect(await balances(client)).toEqual(before);
    const report = await SELF.fetch(`${ORIGIN}/api/v1/ops/reconcile`, { headers: OPS });
    const checks = ((await report.json()) as { checks: { name: string; ok: boolean }[] }).checks;
    expect(checks.filter((check) => !check.ok && !isFlowCheck(check.name))).toEqual([]);
  });
});
