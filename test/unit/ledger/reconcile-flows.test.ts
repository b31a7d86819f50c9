import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Client, createDatabaseClient } from "../../../db/client.ts";
import { migrateDatabase } from "../../../db/migrate.ts";
import { type LibsqlServer, startLibsqlServer } from "../../../db/server/server.ts";
import type { LedgerCommand } from "../../../worker/services/ledger/commands.ts";
import { UserLedgerEngine } from "../../../worker/services/ledger/engine.ts";
import {
  FLOW_CHECKS,
  type ReconcileReport,
  reconcileLedger,
} from "../../../worker/services/ledger/reconcile.ts";

/**
 * Reconciliation proves the money flows against the ledger: every open hold belongs to exactly
 * one live order or withdrawal, no finished one still holds money, and no recorded step is left
 * in flight or halted. Each test gets its own database with a healthy set of flows written
 * through the real engine, then breaks one thing the way a crash or a bug would.
 */

let directory: string;
let server: LibsqlServer;
let client: Client;
let engine: UserLedgerEngine;
const USER = "user-flows-1";
const OTHER_USER = "user-flows-2";
const NOW_MS = 1_800_000_000_000;
const FRESH_MS = NOW_MS - 60_000;

async function run(command: LedgerCommand) {
  const outcome = await engine.submit(command);
  if (!outcome.ok) throw new Error(`${command.kind}: ${outcome.error.code}`);
}

async function insertOrder(
  id: string,
  status: "open" | "partially_filled" | "filled" | "cancelled" | "rejected",
  options: { userId?: string; pending?: string | null; updatedAtMs?: number } = {},
) {
  await client.execute({
    sql: `INSERT INTO orders (id, user_id, client_key, request_hash, mode, venue, symbol, side, type, price,
            quantity, quote_amount, hold_asset, hold_amount, maker_rate, taker_rate, fee_asset, status, reason,
            filled_quantity, filled_quote, quote_remainder, maker_quote, taker_quote, fee, fill_count,
            checked_until_ms, pending, created_at_ms, updated_at_ms)
          VALUES (?, ?, ?, 'hash', 'paper', 'simulated', 'BTC-GBP', 'buy', 'limit', 5000000,
            1000, NULL, 'GBP', 20000, '0.0010', '0.0020', 'GBP', ?, NULL,
            0, 0, 0, 0, 0, 0, 0, ?, ?, ?, ?)`,
    args: [
      id,
      options.userId ?? USER,
      `key-${id}`,
      status,
      BigInt(FRESH_MS),
      options.pending ?? null,
      BigInt(FRESH_MS),
      BigInt(options.updatedAtMs ?? FRESH_MS),
    ],
  });
}

async function insertWithdrawal(
  id: string,
  holdId: string,
  status:
    | "requested"
    | "held"
    | "approved"
    | "processing"
    | "completed"
    | "rejected"
    | "cancelled"
    | "failed",
  options: { pending?: string | null } = {},
) {
  await client.execute({
    sql: `INSERT INTO withdrawals (id, user_id, idempotency_key, request_hash, asset, amount, amount_gbp,
            address_id, address, status, hold_id, pending, created_at_ms, updated_at_ms)
          VALUES (?, ?, ?, 'hash', 'BTC', 1000000, 50000, 'address-1', 'bc1qexample', ?, ?, ?, ?, ?)`,
    args: [
      id,
      USER,
      `key-${id}`,
      status,
      holdId,
      options.pending ?? null,
      BigInt(FRESH_MS),
      BigInt(FRESH_MS),
    ],
  });
}

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), "ledger-reconcile-flows-"));
  server = await startLibsqlServer({
    host: "127.0.0.1",
    port: 0,
    databasePath: join(directory, "ledger.db"),
  });
  client = createDatabaseClient({ url: server.url, timeoutMs: 10_000 });
  await migrateDatabase(client);
  for (const [id, code] of [
    [USER, "FLOWS1"],
    [OTHER_USER, "FLOWS2"],
  ] as const) {
    await client.execute({
      sql: `INSERT INTO users (id, email, password_hash, referral_code, created_at_ms) VALUES (?, ?, 'x', ?, 0)`,
      args: [id, `${code.toLowerCase()}@example.com`, code],
    });
  }
  engine = new UserLedgerEngine({
    database: client,
    config: { paperDepositDailyCapGbpMinor: 10_000_000n },
  });
  const base = { userId: USER };
  await run({ ...base, kind: "paper_deposit", idempotencyKey: "d1", asset: "GBP", amountMinor: 100_000n });
  await run({
    ...base,
    kind: "ops_deposit",
    idempotencyKey: "ops-1",
    asset: "BTC",
    amountMinor: 50_000_000n,
    reference: "chain-1",
    audit: { actor: "test", requestId: null, ipAddress: null },
  });
  const orderHold = (holdId: string, amountMinor: bigint): LedgerCommand => ({
    ...base,
    kind: "order_hold",
    idempotencyKey: `order:${holdId}:hold`,
    book: "paper",
    holdId,
    asset: "GBP",
    amountMinor,
  });
  const withdrawalHold = (holdId: string): LedgerCommand => ({
    ...base,
    kind: "withdrawal_hold",
    idempotencyKey: `${holdId}:hold`,
    book: "live",
    holdId,
    asset: "BTC",
    amountMinor: 1_000_000n,
  });

  // A filled order: held, filled, the rest released.
  await run(orderHold("o-filled", 40_000n));
  await run({
    ...base,
    kind: "fill",
    idempotencyKey: "trade:o-filled.1",
    holdId: "o-filled",
    venue: "simulated",
    spentMinor: 10_000n,
    received: { asset: "BTC", amountMinor: 20_000n },
    fee: { asset: "GBP", amountMinor: 10n },
    reference: "o-filled.1",
  });
  await run({ ...base, kind: "order_release", idempotencyKey: "order:o-filled:release", holdId: "o-filled" });
  await insertOrder("o-filled", "filled");
  // A resting order and its open hold.
  await run(orderHold("o-open", 20_000n));
  await insertOrder("o-open", "open");
  // An order recorded with its hold step in flight (the ledger not yet called): live, no hold.
  await insertOrder("o-recorded", "open", { pending: '{"stage":"hold"}' });
  // A cancelled order whose hold step crashed after the ledger answered: still pending, so live.
  await run(orderHold("o-cancelling", 5_000n));
  await insertOrder("o-cancelling", "cancelled", { pending: '{"stage":"settle"}' });

  // Withdrawals: one held, one requested with its hold step in flight (hold already taken),
  // one cancelled (released), one completed (settled).
  await run(withdrawalHold("hold_wd-held"));
  await insertWithdrawal("wd-held", "hold_wd-held", "held");
  await run(withdrawalHold("hold_wd-requested"));
  await insertWithdrawal("wd-requested", "hold_wd-requested", "requested", { pending: '{"stage":"hold"}' });
  await run(withdrawalHold("hold_wd-cancelled"));
  await run({
    ...base,
    kind: "withdrawal_release",
    idempotencyKey: "hold_wd-cancelled:release",
    holdId: "hold_wd-cancelled",
  });
  await insertWithdrawal("wd-cancelled", "hold_wd-cancelled", "cancelled");
  await run(withdrawalHold("hold_wd-completed"));
  await run({
    ...base,
    kind: "withdrawal_settle",
    idempotencyKey: "hold_wd-completed:settle",
    holdId: "hold_wd-completed",
  });
  await insertWithdrawal("wd-completed", "hold_wd-completed", "completed");
});

afterEach(async () => {
  client.close();
  await server.close();
  rmSync(directory, { recursive: true, force: true });
});

function failed(report: ReconcileReport): Record<string, string> {
  return Object.fromEntries(
    report.checks.filter((check) => !check.ok).map((check) => [check.name, check.detail]),
  );
}

async function reconcile(options: { stuckAfterMs?: number } = {}) {
  return reconcileLedger(client, { nowMs: NOW_MS, ...options });
}

describe("reconciliation of the money flows", () => {
  it("is green on healthy orders, withdrawals and their holds, and says what it checked", async () => {
    const report = await reconcile();
    expect(failed(report)).toEqual({});
    expect(report.ok).toBe(true);
    const details = Object.fromEntries(report.checks.map((check) => [check.name, check.detail]));
    expect(Object.keys(details)).toEqual(expect.arrayContaining([...FLOW_CHECKS]));
    expect(details.holds_owned).toBe("4 open holds, each owned by exactly one live order or withdrawal");
    expect(details.finished_flows_released).toBe(
      "4 orders and 4 withdrawals: none finished still holds money",
    );
    expect(details.no_stuck_steps).toBe("3 steps in flight, none older than 300 s; nothing halted");
  });

  it("finds a bot allocation that no running bot owns: a stopped bot's, or a bot that does not exist", async () => {
    const allocate = (botId: string) =>
      run({
        userId: USER,
        kind: "bot_allocate",
        idempotencyKey: `bot:${botId}:allocate`,
        book: "paper",
        botId,
        asset: "GBP",
        amountMinor: 1_000n,
      });
    const insertBot = (id: string, status: string, pending: string | null = null) =>
      client.execute({
        sql: `INSERT INTO bots (id, user_id, client_key, request_hash, type, symbol, mode, status, budget_asset, budget,
                params, pending, created_at_ms, updated_at_ms)
              VALUES (?, ?, ?, 'hash', 'dca', 'BTC-GBP', 'paper', ?, 'GBP', 1000, '{}', ?, ?, ?)`,
        args: [id, USER, `key-${id}`, status, pending, BigInt(FRESH_MS), BigInt(FRESH_MS)],
      });
    await allocate("bot-running");
    await insertBot("bot-running", "running");
    await allocate("bot-stopping");
    await insertBot("bot-stopping", "running", '{"stage":"stop"}');
    expect(failed(await reconcile())).toEqual({});

    await allocate("bot-stopped");
    await insertBot("bot-stopped", "stopped");
    await allocate("bot-ghost");
    const problems = failed(await reconcile());
    expect(Object.keys(problems)).toEqual(["bot_allocations_owned"]);
    expect(problems.bot_allocations_owned).toContain(
      `bot ${USER}/bot-stopped is stopped but its allocation holds 1000 GBP`,
    );
    expect(problems.bot_allocations_owned).toContain(
      `user:${USER}:paper:bot:bot-ghost holds 1000 GBP minor units but no such bot exists`,
    );
  });

  it("finds a halted bot", async () => {
    await client.execute({
      sql: `INSERT INTO bots (id, user_id, client_key, request_hash, type, symbol, mode, status, budget_asset, budget,
              params, halted, created_at_ms, updated_at_ms)
            VALUES ('bot-halted', ?, 'key-h', 'hash', 'dca', 'BTC-GBP', 'paper', 'error', 'GBP', 1000, '{}',
              'invariant: strategy failed', ?, ?)`,
      args: [USER, BigInt(FRESH_MS), BigInt(FRESH_MS)],
    });
    const problems = failed(await reconcile());
    expect(Object.keys(problems)).toEqual(["no_stuck_steps"]);
    expect(problems.no_stuck_steps).toContain(`bot ${USER}/bot-halted halted: invariant: strategy failed`);
  });

  it("finds an open hold that no order owns", async () => {
    await run({
      userId: USER,
      kind: "order_hold",
      idempotencyKey: "order:o-orphan:hold",
      book: "paper",
      holdId: "o-orphan",
      asset: "GBP",
      amountMinor: 1_000n,
    });
    const problems = failed(await reconcile());
    expect(problems).toEqual({
      holds_owned: `open order hold ${USER}/o-orphan has no order of that user`,
    });
  });

  it("finds an open hold whose order belongs to another user", async () => {
    await run({
      userId: USER,
      kind: "order_hold",
      idempotencyKey: "order:o-elsewhere:hold",
      book: "paper",
      holdId: "o-elsewhere",
      asset: "GBP",
      amountMinor: 1_000n,
    });
    await insertOrder("o-elsewhere", "open", { userId: OTHER_USER });
    const problems = failed(await reconcile());
    expect(problems.holds_owned).toBe(`open order hold ${USER}/o-elsewhere has no order of that user`);
  });

  it("finds an open hold whose order is filled", async () => {
    await client.execute("UPDATE orders SET status = 'filled' WHERE id = 'o-open'");
    const problems = failed(await reconcile());
    expect(Object.keys(problems).sort()).toEqual(["finished_flows_released", "holds_owned"]);
    expect(problems.holds_owned).toBe(
      `open order hold ${USER}/o-open belongs to order o-open filled, which is finished`,
    );
    expect(problems.finished_flows_released).toBe(
      `order ${USER}/o-open is filled but its hold o-open is open with 20000 GBP minor units`,
    );
  });

  it("finds a cancelled withdrawal whose hold is still open", async () => {
    await client.execute("UPDATE withdrawals SET status = 'cancelled' WHERE id = 'wd-held'");
    const problems = failed(await reconcile());
    expect(problems.finished_flows_released).toBe(
      `withdrawal ${USER}/wd-held is cancelled but its hold hold_wd-held is open with 1000000 BTC minor units`,
    );
    expect(problems.holds_owned).toContain(`open withdrawal hold ${USER}/hold_wd-held belongs to withdrawal`);
  });

  it("finds an open hold claimed by two withdrawals", async () => {
    await insertWithdrawal("wd-twin", "hold_wd-held", "held");
    const problems = failed(await reconcile());
    expect(problems).toEqual({
      holds_owned: expect.stringContaining(
        `open withdrawal hold ${USER}/hold_wd-held is claimed by 2 withdrawals`,
      ),
    });
    expect(problems.holds_owned).toContain("wd-held held");
    expect(problems.holds_owned).toContain("wd-twin held");
  });

  it("finds an open hold of a kind no flow owns yet", async () => {
    await client.execute({
      sql: `INSERT INTO ledger_holds (user_id, id, book, asset, kind, source_account, amount, remaining, status,
              created_entry_id, created_at_ms)
            VALUES (?, 'b-1', 'paper', 'GBP', 'bot', ?, 100, 100, 'open', 'none', 0)`,
      args: [USER, `user:${USER}:paper:available`],
    });
    const problems = failed(await reconcile());
    expect(problems.holds_owned).toBe(`open bot hold ${USER}/b-1: no flow owns holds of this kind`);
  });

  it("finds a step pending longer than the threshold, and only then", async () => {
    await client.execute({
      sql: `UPDATE orders SET pending = '{"stage":"settle","plan":{}}', updated_at_ms = ? WHERE id = 'o-open'`,
      args: [BigInt(NOW_MS - 6 * 60_000)],
    });
    await client.execute({
      sql: "UPDATE withdrawals SET pending = 'not json', updated_at_ms = ? WHERE id = 'wd-held'",
      args: [BigInt(NOW_MS - 10 * 60_000)],
    });
    const problems = failed(await reconcile());
    expect(problems).toEqual({
      no_stuck_steps:
        `withdrawal ${USER}/wd-held: step 'not json' pending for 600 s; ` +
        `order ${USER}/o-open: step 'settle' pending for 360 s`,
    });
    // The 1-minute-old steps of the healthy set count as stuck only with a shorter threshold.
    expect(failed(await reconcile({ stuckAfterMs: 7 * 60_000 })).no_stuck_steps).toBe(
      `withdrawal ${USER}/wd-held: step 'not json' pending for 600 s`,
    );
    const strict = failed(await reconcile({ stuckAfterMs: 30_000 })).no_stuck_steps ?? "";
    expect(strict).toContain(`order ${USER}/o-recorded: step 'hold' pending for 60 s`);
  });

  it("finds a halted order and names the reason, before any stuck step", async () => {
    await client.execute(
      "UPDATE orders SET halted = 'fill would exceed the hold by 5 GBP minor units' WHERE id = 'o-filled'",
    );
    await client.execute({
      sql: "UPDATE orders SET updated_at_ms = ? WHERE id = 'o-recorded'",
      args: [BigInt(NOW_MS - 60 * 60_000)],
    });
    const problems = failed(await reconcile());
    expect(problems).toEqual({
      no_stuck_steps:
        `order ${USER}/o-filled halted: fill would exceed the hold by 5 GBP minor units; ` +
        `order ${USER}/o-recorded: step 'hold' pending for 3600 s`,
    });
  });

  it("names at most five offenders however many there are", async () => {
    for (let index = 0; index < 8; index++) {
      await run({
        userId: USER,
        kind: "order_hold",
        idempotencyKey: `order:o-orphan-${index}:hold`,
        book: "paper",
        holdId: `o-orphan-${index}`,
        asset: "GBP",
        amountMinor: 100n,
      });
    }
    const problems = failed(await reconcile());
    expect(problems.holds_owned?.split("; ")).toHaveLength(5);
  });
});
