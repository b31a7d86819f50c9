import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client, InStatement } from "../../../db/client.ts";
import { MAX_BALANCE_MINOR, SQLITE_INTEGER_MAX } from "../../../worker/services/ledger/assets.ts";
import { userLedger } from "../../../worker/services/ledger/client.ts";
import { database, insertUser, key } from "./support.ts";

/**
 * The database refuses what the code already refuses, so that a bug (or a hand-written
 * statement) cannot break the ledger either. Every write here is expected to FAIL: the test
 * database is shared, and reconciliation must stay green for everyone.
 */
let db: Client;
let userId: string;
let entryId: string;

beforeAll(async () => {
  db = database();
  userId = (await insertUser(db)).id;
  const receipt = await userLedger(env, userId).paperDeposit({
    idempotencyKey: key(),
    asset: "GBP",
    amountMinor: 10_000n,
  });
  entryId = receipt.entryId;
});
afterAll(() => db.close());

async function refused(statements: InStatement[]): Promise<string> {
  try {
    await db.batch(statements, "write");
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`the database accepted: ${JSON.stringify(statements)}`);
}

const entryInsert = (id: string, book: "live" | "paper"): InStatement => ({
  sql: `INSERT INTO ledger_entries (id, user_id, book, type, request_hash, result, created_at_ms)
        VALUES (?, ?, ?, 'correction', 'x', '{}', 0)`,
  args: [id, userId, book],
});

describe("ledger tables", () => {
  it("never store a negative user balance", async () => {
    expect(
      await refused([
        {
          sql: "UPDATE ledger_balances SET balance = balance - 10001 WHERE account = ? AND asset = 'GBP'",
          args: [`user:${userId}:paper:available`],
        },
      ]),
    ).toMatch(/ledger_balances_user_non_negative/);
  });

  it("never let a sum overflow into a float, nor pass the balance bound", async () => {
    // SQLite turns an overflowing integer `+` into REAL; the CHECK on typeof() refuses it.
    expect(
      await refused([
        {
          sql: "UPDATE ledger_balances SET balance = balance + ? WHERE account = 'system:paper:faucet' AND asset = 'GBP'",
          args: [SQLITE_INTEGER_MAX],
        },
      ]),
    ).toMatch(/ledger_balances_bounded_integer/);
    expect(
      await refused([
        {
          sql: "UPDATE ledger_balances SET balance = balance - ? WHERE account = 'system:paper:faucet' AND asset = 'GBP'",
          args: [MAX_BALANCE_MINOR],
        },
      ]),
    ).toMatch(/ledger_balances_bounded_integer/);
  });

  it("keep entries and postings append-only", async () => {
    expect(
      await refused([{ sql: "UPDATE ledger_entries SET type = 'x' WHERE id = ?", args: [entryId] }]),
    ).toMatch(/append-only/);
    expect(await refused([{ sql: "DELETE FROM ledger_entries WHERE id = ?", args: [entryId] }])).toMatch(
      /append-only/,
    );
    expect(
      await refused([{ sql: "UPDATE ledger_postings SET amount = 1 WHERE entry_id = ?", args: [entryId] }]),
    ).toMatch(/append-only/);
    expect(
      await refused([{ sql: "DELETE FROM ledger_postings WHERE entry_id = ?", args: [entryId] }]),
    ).toMatch(/append-only/);
  });

  it("refuse a posting outside its entry's book or user, even written by hand", async () => {
    const id = `manual-${crypto.randomUUID()}`;
    const posting = (account: string, book: string): InStatement => ({
      sql: "INSERT INTO ledger_postings (entry_id, posting_index, account, book, asset, amount) VALUES (?, 0, ?, ?, 'GBP', 5)",
      args: [id, account, book],
    });
    // Paper entry, live account: the trigger refuses it (and the whole batch rolls back).
    expect(
      await refused([entryInsert(id, "paper"), posting(`user:${userId}:live:available`, "live")]),
    ).toMatch(/its entry's book and user/);
    // Account and book column disagree: the CHECK refuses it.
    expect(
      await refused([entryInsert(id, "paper"), posting(`user:${userId}:live:available`, "paper")]),
    ).toMatch(/ledger_postings_account_in_book/);
    // Another user's account in this user's entry.
    expect(
      await refused([entryInsert(id, "paper"), posting("user:someone-else:paper:available", "paper")]),
    ).toMatch(/its entry's book and user/);
    const left = await db.execute({
      sql: "SELECT COUNT(*) AS n FROM ledger_entries WHERE id = ?",
      args: [id],
    });
    expect(Number(left.rows[0]?.n)).toBe(0);
  });

  it("let a hold resolve only once", async () => {
    const ledger = userLedger(env, userId);
    await ledger.hold({
      idempotencyKey: key(),
      book: "paper",
      holdId: "schema-h1",
      asset: "GBP",
      amountMinor: 100n,
    });
    await ledger.release({ idempotencyKey: key(), holdId: "schema-h1" });
    expect(
      await refused([
        {
          sql: "UPDATE ledger_holds SET status = 'open', remaining = 100 WHERE user_id = ? AND id = 'schema-h1'",
          args: [userId],
        },
      ]),
    ).toMatch(/resolved hold never changes/);
    expect(
      await refused([
        { sql: "DELETE FROM ledger_holds WHERE user_id = ? AND id = 'schema-h1'", args: [userId] },
      ]),
    ).toMatch(/never deleted/);
  });
});
