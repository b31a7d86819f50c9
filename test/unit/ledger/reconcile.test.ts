import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Client, createDatabaseClient } from "../../../db/client.ts";
import { migrateDatabase } from "../../../db/migrate.ts";
import { type LibsqlServer, startLibsqlServer } from "../../../db/server/server.ts";
import type { LedgerCommand } from "../../../worker/services/ledger/commands.ts";
import { UserLedgerEngine } from "../../../worker/services/ledger/engine.ts";
import { type ReconcileReport, reconcileLedger } from "../../../worker/services/ledger/reconcile.ts";

/**
 * Reconciliation must notice every kind of damage and say where. Each test gets its own
 * database (a private local libSQL server), fills it through the real engine, then breaks one
 * thing the way a bug or a hand-written statement would.
 */

let directory: string;
let server: LibsqlServer;
let client: Client;
const USER = "user-recon-1";

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), "ledger-reconcile-"));
  server = await startLibsqlServer({
    host: "127.0.0.1",
    port: 0,
    databasePath: join(directory, "ledger.db"),
  });
  client = createDatabaseClient({ url: server.url, timeoutMs: 10_000 });
  await migrateDatabase(client);
  await client.execute({
    sql: `INSERT INTO users (id, email, password_hash, referral_code, created_at_ms) VALUES (?, 'r@example.com', 'x', 'RECON1', 0)`,
    args: [USER],
  });
  const engine = new UserLedgerEngine({
    database: client,
    config: { paperDepositDailyCapGbpMinor: 10_000_000n },
  });
  const run = async (command: LedgerCommand) => {
    const outcome = await engine.submit(command);
    if (!outcome.ok) throw new Error(`${command.kind}: ${outcome.error.code}`);
  };
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
  await run({
    ...base,
    kind: "order_hold",
    idempotencyKey: "h",
    book: "paper",
    holdId: "o1",
    asset: "GBP",
    amountMinor: 40_000n,
  });
  await run({
    ...base,
    kind: "fill",
    idempotencyKey: "f",
    holdId: "o1",
    venue: "simulated",
    spentMinor: 10_000n,
    received: { asset: "BTC", amountMinor: 20_000n },
    fee: { asset: "GBP", amountMinor: 10n },
    reference: "t1",
  });
  await run({ ...base, kind: "order_release", idempotencyKey: "r", holdId: "o1" });
  await run({
    ...base,
    kind: "withdrawal_hold",
    idempotencyKey: "w",
    book: "live",
    holdId: "w1",
    asset: "BTC",
    amountMinor: 1_000_000n,
  });
  // The withdrawal that owns the open hold w1 (reconciliation proves every open hold has one).
  await client.execute({
    sql: `INSERT INTO withdrawals (id, user_id, idempotency_key, request_hash, asset, amount, amount_gbp,
            address_id, address, status, hold_id, created_at_ms, updated_at_ms)
          VALUES ('wd-1', ?, 'w', 'hash', 'BTC', 1000000, 50000, 'address-1', 'bc1qexample', 'held', 'w1', 0, 0)`,
    args: [USER],
  });
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

async function dropTrigger(name: string) {
  await client.execute(`DROP TRIGGER ${name}`);
}

describe("reconciliation", () => {
  it("is green on a ledger written by the engine, and says what it checked", async () => {
    const report = await reconcileLedger(client);
    expect(failed(report)).toEqual({});
    expect(report.ok).toBe(true);
    expect(report.checks.map((check) => check.name)).toEqual([
      "entries_balance",
      "books_never_mix",
      "balances_match_journal",
      "user_balances_non_negative",
      "accounts_sum_to_zero",
      "holds_consistent",
      "journal_append_only",
      "holds_owned",
      "finished_flows_released",
      "bot_allocations_owned",
      "no_stuck_steps",
      "referral_rewards_paid",
      "plan_charges_recorded",
      "audit_chain_intact",
    ]);
    expect(report.checks[0]?.detail).toMatch(/^6 entries/);
  });

  it("finds a stored balance that is not the fold of its postings", async () => {
    await client.execute({
      sql: "UPDATE ledger_balances SET balance = balance + 1 WHERE account = ? AND asset = 'GBP'",
      args: [`user:${USER}:paper:available`],
    });
    const problems = failed(await reconcileLedger(client));
    expect(Object.keys(problems).sort()).toEqual(["accounts_sum_to_zero", "balances_match_journal"]);
    expect(problems.balances_match_journal).toContain(
      `user:${USER}:paper:available GBP: stored 89991, postings fold to 89990`,
    );
    expect(problems.accounts_sum_to_zero).toContain("paper GBP: accounts sum to 1");
  });

  it("finds an entry whose postings do not balance", async () => {
    await client.batch(
      [
        `INSERT INTO ledger_entries (id, user_id, book, type, request_hash, result, created_at_ms)
         VALUES ('bad-entry', '${USER}', 'paper', 'paper_deposit', 'h', '{}', 0)`,
        `INSERT INTO ledger_postings (entry_id, posting_index, account, book, asset, amount)
         VALUES ('bad-entry', 0, 'user:${USER}:paper:available', 'paper', 'GBP', 5)`,
        `UPDATE ledger_balances SET balance = balance + 5 WHERE account = 'user:${USER}:paper:available' AND asset = 'GBP'`,
      ],
      "write",
    );
    const problems = failed(await reconcileLedger(client));
    expect(problems.entries_balance).toContain("entry bad-entry: GBP postings sum to 5");
    expect(problems.accounts_sum_to_zero).toBeDefined();
    expect(problems.balances_match_journal).toBeUndefined();
  });

  it("finds paper money posted in the live book", async () => {
    await dropTrigger("ledger_postings_belong_to_entry");
    await client.batch(
      [
        `INSERT INTO ledger_entries (id, user_id, book, type, request_hash, result, created_at_ms)
         VALUES ('smuggle', '${USER}', 'paper', 'bot_allocate', 'h', '{}', 0)`,
        `INSERT INTO ledger_postings (entry_id, posting_index, account, book, asset, amount) VALUES
           ('smuggle', 0, 'user:${USER}:paper:available', 'paper', 'GBP', -100),
           ('smuggle', 1, 'user:${USER}:live:available', 'live', 'GBP', 100)`,
        `UPDATE ledger_balances SET balance = balance - 100 WHERE account = 'user:${USER}:paper:available' AND asset = 'GBP'`,
        `INSERT INTO ledger_balances (account, asset, user_id, book, balance, updated_at_ms)
         VALUES ('user:${USER}:live:available', 'GBP', '${USER}', 'live', 100, 0)`,
      ],
      "write",
    );
    const problems = failed(await reconcileLedger(client));
    expect(problems.books_never_mix).toContain(`entry smuggle posts to user:${USER}:live:available`);
    expect(problems.accounts_sum_to_zero).toContain("live GBP: accounts sum to 100");
    expect(problems.journal_append_only).toContain("ledger_postings_belong_to_entry is missing");
  });

  it("finds a negative user balance", async () => {
    await client.batch(
      [
        "PRAGMA ignore_check_constraints = ON",
        `UPDATE ledger_balances SET balance = -1 WHERE account = 'user:${USER}:paper:locked' AND asset = 'GBP'`,
      ],
      "write",
    );
    const problems = failed(await reconcileLedger(client));
    expect(problems.user_balances_non_negative).toContain(`user:${USER}:paper:locked GBP is -1`);
  });

  it("finds a hold resolved twice", async () => {
    await dropTrigger("ledger_holds_resolve_once");
    await client.batch(
      [
        `INSERT INTO ledger_entries (id, user_id, book, type, hold_id, request_hash, result, created_at_ms)
         VALUES ('second-release', '${USER}', 'paper', 'order_release', 'o1', 'h', '{}', 0)`,
        `INSERT INTO ledger_postings (entry_id, posting_index, account, book, asset, amount) VALUES
           ('second-release', 0, 'user:${USER}:paper:locked', 'paper', 'GBP', -10),
           ('second-release', 1, 'system:paper:faucet', 'paper', 'GBP', 10)`,
        "PRAGMA ignore_check_constraints = ON",
        `UPDATE ledger_balances SET balance = balance - 10 WHERE account = 'user:${USER}:paper:locked' AND asset = 'GBP'`,
        `UPDATE ledger_balances SET balance = balance + 10 WHERE account = 'system:paper:faucet' AND asset = 'GBP'`,
      ],
      "write",
    );
    const problems = failed(await reconcileLedger(client));
    expect(problems.holds_consistent).toContain(`hold ${USER}/o1 resolved 2 times`);
    expect(problems.holds_consistent).toContain("its entries leave -10 locked");
    expect(problems.balances_match_journal).toBeUndefined();
  });

  it("finds a locked balance that no open hold explains", async () => {
    await client.batch(
      [
        "PRAGMA ignore_check_constraints = ON",
        `UPDATE ledger_holds SET remaining = remaining - 1 WHERE user_id = '${USER}' AND id = 'w1'`,
      ],
      "write",
    );
    const problems = failed(await reconcileLedger(client));
    expect(problems.holds_consistent).toContain(`${USER} live BTC: locked 1000000, open holds 999999`);
  });

  it("finds an edited audit row and a missing append-only trigger", async () => {
    await client.execute('UPDATE audit_log SET detail = \'{"amount":"999"}\' WHERE sequence = 1');
    await dropTrigger("ledger_entries_no_update");
    const problems = failed(await reconcileLedger(client));
    expect(problems.audit_chain_intact).toContain("chain breaks at sequence 1");
    expect(problems.journal_append_only).toContain("ledger_entries_no_update is missing");
  });
});
