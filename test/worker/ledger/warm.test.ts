import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../../worker/errors.ts";
import { amountMinorOf } from "../../../worker/services/ledger/amount.ts";
import { userLedger } from "../../../worker/services/ledger/client.ts";
import type { LedgerTiming } from "../../../worker/services/ledger/commands.ts";
import { database, insertUser, key } from "./support.ts";

/**
 * The one writer keeps its user's state after a committed write (README decision record 034):
 * the next movement costs one write batch, not a read and a write. These tests show it is only
 * a shortcut: every answer stays what the records would say.
 */

const gbp = (text: string) => amountMinorOf("GBP", text);

async function withTiming(userId: string) {
  const timings: (LedgerTiming & { rpcMs: number })[] = [];
  return { ledger: userLedger(env, userId, { onTiming: (timing) => timings.push(timing) }), timings };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("the ledger's warm state", () => {
  it("answers a retry from memory with the first receipt, and from the records after a restart", async () => {
    const user = await insertUser(database());
    const { ledger, timings } = await withTiming(user.id);
    const idempotencyKey = key();
    const first = await ledger.paperDeposit({ idempotencyKey, asset: "GBP", amountMinor: gbp("10") });
    const again = await ledger.paperDeposit({ idempotencyKey, asset: "GBP", amountMinor: gbp("10") });
    expect(again).toEqual(first);
    const second = await ledger.paperDeposit({ idempotencyKey: key(), asset: "GBP", amountMinor: gbp("5") });
    expect(second.wallets[0]?.available).toBe("15.00");
    // The second movement was planned from memory: no read batch.
    expect(timings.at(-1)?.readMs).toBeLessThan(timings[0]?.readMs ?? 0);
    await evictDurableObject(env.USER_LEDGER.get(env.USER_LEDGER.idFromName(user.id)));
    expect(await ledger.paperDeposit({ idempotencyKey, asset: "GBP", amountMinor: gbp("10") })).toEqual(
      first,
    );
    expect(await refusal(ledger.paperDeposit({ idempotencyKey, asset: "GBP", amountMinor: gbp("11") }))).toBe(
      "idempotency_conflict",
    );
  });

  it("a hold written behind its back makes the optimistic write fail, and the answer comes from the records", async () => {
    const user = await insertUser(database());
    const ledger = userLedger(env, user.id);
    await ledger.paperDeposit({ idempotencyKey: key(), asset: "GBP", amountMinor: gbp("100") });
    // Another writer (there is none in production: the database still guards it) leaves a
    // resolved hold with the id the next order will use.
    await database().execute({
      sql: `INSERT INTO ledger_holds (user_id, id, book, asset, kind, source_account, amount, remaining, status, created_entry_id, created_at_ms)
            VALUES (?, 'warm-h1', 'paper', 'GBP', 'order', ?, 100, 0, 'released', 'none', 0)`,
      args: [user.id, `user:${user.id}:paper:available`],
    });
    const code = await refusal(
      ledger.hold({
        idempotencyKey: key(),
        book: "paper",
        holdId: "warm-h1",
        asset: "GBP",
        amountMinor: gbp("1"),
      }),
    );
    expect(code).toBe("hold_exists");
    const wallets = await ledger.wallets();
    expect(wallets.find((wallet) => wallet.mode === "paper" && wallet.asset === "GBP")).toMatchObject({
      available: "100.00",
      locked: "0.00",
    });
  });

  it("a refusal decided from memory is checked against the records: a key used before is a replay", async () => {
    const user = await insertUser(database());
    const ledger = userLedger(env, user.id);
    await ledger.paperDeposit({ idempotencyKey: key(), asset: "GBP", amountMinor: gbp("50") });
    const holdKey = key();
    const held = await ledger.hold({
      idempotencyKey: holdKey,
      book: "paper",
      holdId: "warm-h2",
      asset: "GBP",
      amountMinor: gbp("50"),
    });
    // Forget the receipts (a restart), then warm up again with another movement.
    await evictDurableObject(env.USER_LEDGER.get(env.USER_LEDGER.idFromName(user.id)));
    await ledger.paperDeposit({ idempotencyKey: key(), asset: "GBP", amountMinor: gbp("1") });
    // From memory this looks like a second hold of 50 with 1 available (insufficient funds);
    // the records say it is the same request again.
    const replayed = await ledger.hold({
      idempotencyKey: holdKey,
      book: "paper",
      holdId: "warm-h2",
      asset: "GBP",
      amountMinor: gbp("50"),
    });
    expect(replayed.entryId).toBe(held.entryId);
  });
});
