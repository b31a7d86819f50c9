import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDatabase } from "../../../db/client.ts";
import { DependencyUnavailableError } from "../../../worker/errors.ts";
import { userLedger } from "../../../worker/services/ledger/client.ts";
import { OrderDesk } from "../../../worker/services/trading/desk.ts";
import type { OrderRequest } from "../../../worker/services/trading/model.ts";
import type { ExecutionVenue, RestingCheck, RestingOrder } from "../../../worker/services/trading/venue.ts";
import { constantGbpValuations, referenceGbpValuation } from "../../../worker/services/valuation/gbp.ts";
import { errorCode } from "../../support/api-client.ts";
import { database } from "../ledger/support.ts";
import { fundedTrader } from "../trading/support.ts";
import { rows } from "./support.ts";

/**
 * Defect 2: a failed placement must never leave held funds with nothing to resume them, one
 * failing order must not stop the others, and a broken invariant must stop its order for an
 * operator instead of looping as a retryable 503.
 */

type Script = (order: RestingOrder, untilMs: number) => RestingCheck | Promise<RestingCheck>;

/** An exchange-like venue on the paper book: submit rests the order; checks follow a script. */
function scriptedVenue(script: Script): ExecutionVenue {
  return {
    venue: "simulated",
    book: "paper",
    simulated: false,
    estimateBuyValue: async () => 0n,
    submit: async (order) => ({ slices: [], rests: order.type === "limit", atMs: Date.now() }),
    check: async (order, untilMs) => script(order, untilMs),
    cancel: async () => undefined,
  };
}

function deskFor(
  userId: string,
  venue: ExecutionVenue,
  options: { failHoldsFor?: Set<string>; halts?: string[]; newId?: () => string } = {},
) {
  const ledger = userLedger(env, userId);
  return new OrderDesk(userId, {
    db: createDatabase(database()),
    ledger: {
      ...ledger,
      hold: async (input) => {
        if (options.failHoldsFor?.has(input.holdId)) {
          options.failHoldsFor.delete(input.holdId);
          throw new DependencyUnavailableError("ledger");
        }
        return ledger.hold(input);
      },
    },
    venueFor: () => venue,
    valuations: constantGbpValuations(referenceGbpValuation()),
    now: Date.now,
    newId: options.newId ?? (() => crypto.randomUUID()),
    reportHalt: async (halt) => {
      options.halts?.push(`${halt.flow}:${halt.id}:${halt.reason.split(":")[0]}`);
    },
  });
}

function limitBuy(userId: string, priceMinor: bigint, key = crypto.randomUUID()): OrderRequest {
  return {
    userId,
    clientKey: `test:${key}`,
    mode: "paper",
    symbol: "BTC-GBP",
    side: "buy",
    type: "limit",
    quantityMinor: 1_000_000n, // 0.01 BTC
    priceMinor,
  };
}

async function orderRow(id: string) {
  const [row] = await rows(
    database(),
    "SELECT status, pending, attempts, retry_at_ms, halted FROM orders WHERE id = ?",
    [id],
  );
  return row;
}

describe("order flow: record, act, resume", () => {
  it("a placement that fails after it was recorded is finished by the object's alarm, not by the client", async () => {
    const { user } = await fundedTrader("10000.00");
    const id = crypto.randomUUID();
    const venue = scriptedVenue((order) => ({ slices: [], checkedUntilMs: order.checkedUntilMs }));
    // The hold of this order fails: the placement answers 503 with its step recorded.
    const desk = deskFor(user.id, venue, { failHoldsFor: new Set([id]), newId: () => id });
    const outcome = { id, result: await desk.place(limitBuy(user.id, 6_000_000n)) };
    expect(outcome.result.ok).toBe(false);
    if (!outcome.result.ok) expect(outcome.result.error.status).toBe(503);
    const recorded = await orderRow(outcome.id);
    expect(recorded?.pending).not.toBeNull();
    expect(Number(recorded?.attempts)).toBe(1);

    // The user's object: any call arms its alarm before acting, and the alarm finishes the order.
    await database().execute({
      sql: "UPDATE orders SET retry_at_ms = NULL WHERE id = ?",
      args: [outcome.id],
    });
    const stub = env.USER_ORDERS.get(env.USER_ORDERS.idFromName(user.id));
    const cancelled = await stub.cancel(user.id, "no-such-order");
    expect(cancelled.ok).toBe(false);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const finished = await orderRow(outcome.id);
    expect(finished).toMatchObject({ status: "open", pending: null, attempts: 0n });
    const holds = await rows(database(), "SELECT status FROM ledger_holds WHERE user_id = ? AND id = ?", [
      user.id,
      outcome.id,
    ]);
    expect(holds).toEqual([{ status: "open" }]);
  });

  it("one failing order does not stop the others: it backs off alone while the rest fill", async () => {
    const { user } = await fundedTrader("10000.00");
    const broken = new Set<string>();
    const venue = scriptedVenue((order, untilMs) => {
      if (broken.has(order.id)) throw new Error("injected: venue check failed for this order");
      return {
        slices: [{ priceMinor: order.priceMinor, quantityMinor: order.remainingMinor, liquidity: "maker" }],
        checkedUntilMs: untilMs,
      };
    });
    const desk = deskFor(user.id, venue);
    const first = await desk.place(limitBuy(user.id, 6_000_000n));
    const second = await desk.place(limitBuy(user.id, 6_000_000n));
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    broken.add(first.value.id);
    const nowMs = Date.now();
    const result = await desk.checkResting(nowMs);
    expect(result).toMatchObject({ fills: 1, active: 1, halted: 0 });
    expect(await orderRow(second.value.id)).toMatchObject({ status: "filled", pending: null });
    const failed = await orderRow(first.value.id);
    expect(failed).toMatchObject({ status: "open", attempts: 1n });
    // The next wake is that order's own retry time (computed a moment earlier), not "every 5 s".
    expect(result.nextWakeMs).toBeGreaterThan(nowMs);
    expect(Math.abs((result.nextWakeMs ?? 0) - Number(failed?.retry_at_ms))).toBeLessThan(1_000);
  });

  it("a broken invariant halts that order, is reported once, is never retried and is a final answer", async () => {
    const { user, client } = await fundedTrader("10000.00");
    const halts: string[] = [];
    const venue = scriptedVenue((order, untilMs) => ({
      // Fills far more than was ordered: more than its hold can pay for.
      slices: [
        { priceMinor: order.priceMinor, quantityMinor: order.remainingMinor * 1000n, liquidity: "maker" },
      ],
      checkedUntilMs: untilMs,
    }));
    const desk = deskFor(user.id, venue, { halts });
    const placed = await desk.place(limitBuy(user.id, 6_000_000n));
    expect(placed.ok).toBe(true);
    if (!placed.ok) return;
    const first = await desk.checkResting(Date.now());
    expect(first).toMatchObject({ fills: 0, active: 0, halted: 1, nextWakeMs: null });
    const second = await desk.checkResting(Date.now());
    expect(second).toMatchObject({ fills: 0, active: 0, halted: 1, nextWakeMs: null });
    expect(halts).toEqual([`order:${placed.value.id}:invariant`]);
    expect(String((await orderRow(placed.value.id))?.halted)).toMatch(/fills would take/);
    // The owner's cancel gets a final 500 order_halted, never a retryable 503.
    const cancel = await client.delete(`/api/v1/orders/${placed.value.id}`);
    expect(cancel.status).toBe(500);
    expect(errorCode(cancel)).toBe("order_halted");
  });
});
