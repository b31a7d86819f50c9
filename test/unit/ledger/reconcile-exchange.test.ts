import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Client, createDatabaseClient } from "../../../db/client.ts";
import { migrateDatabase } from "../../../db/migrate.ts";
import { type LibsqlServer, startLibsqlServer } from "../../../db/server/server.ts";
import type { AssetCode } from "../../../worker/services/ledger/assets.ts";
import type { LedgerCommand } from "../../../worker/services/ledger/commands.ts";
import { UserLedgerEngine } from "../../../worker/services/ledger/engine.ts";
import { type ExchangeBalances, reconcileLedger } from "../../../worker/services/ledger/reconcile.ts";

/**
 * The exchange check: per asset the venue trades, the exchange account must hold what the
 * ledger says is held there — users' LIVE balances plus the platform's own, less the
 * commissions the exchange charged the platform — with dust, surplus and fills in flight told
 * apart from a shortfall. A LIVE trade is written through the real engine and the order row
 * records the exchange's commission, as the order desk does.
 *
 *   user deposits 20000 USDT; buys 0.1 BTC for 10000 USDT + 20 USDT platform fee;
 *   the exchange charged 0.0001 BTC commission
 *   ledger per asset:  USDT users 9980 + fee revenue 20 = 10000;  BTC 0.1 - 0.0001
 */

let directory: string;
let server: LibsqlServer;
let client: Client;
let engine: UserLedgerEngine;
const USER = "user-exchange-1";
const NOW_MS = 1_800_000_000_000;

async function run(command: LedgerCommand) {
  const outcome = await engine.submit(command);
  if (!outcome.ok) throw new Error(`${command.kind}: ${outcome.error.code}`);
}

async function insertLiveOrder(
  id: string,
  status: "open" | "filled",
  commission: { asset: AssetCode; amountMinor: bigint } | null,
) {
  await client.execute({
    sql: `INSERT INTO orders (id, user_id, client_key, request_hash, mode, venue, symbol, side, type, price,
            quantity, quote_amount, hold_asset, hold_amount, maker_rate, taker_rate, fee_asset, status, reason,
            filled_quantity, filled_quote, quote_remainder, maker_quote, taker_quote, fee, fill_count,
            checked_until_ms, pending, created_at_ms, updated_at_ms, venue_order_id, venue_commission_asset,
            venue_commission)
          VALUES (?, ?, ?, 'hash', 'live', 'binance', 'BTC-USDT', 'buy', 'limit', 100000000000,
            100000, NULL, 'USDT', 100200000, '0.0010', '0.0020', 'USDT', ?, NULL,
            0, 0, 0, 0, 0, 0, 0, ?, NULL, ?, ?, '1000001', ?, ?)`,
    args: [
      id,
      USER,
      `key-${id}`,
      status,
      BigInt(NOW_MS),
      BigInt(NOW_MS),
      BigInt(NOW_MS),
      commission?.asset ?? null,
      commission?.amountMinor ?? 0n,
    ],
  });
}

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), "ledger-reconcile-exchange-"));
  server = await startLibsqlServer({
    host: "127.0.0.1",
    port: 0,
    databasePath: join(directory, "ledger.db"),
  });
  client = createDatabaseClient({ url: server.url, timeoutMs: 10_000 });
  await migrateDatabase(client);
  await client.execute({
    sql: `INSERT INTO users (id, email, password_hash, referral_code, created_at_ms) VALUES (?, 'x@example.com', 'x', 'EXCH1', 0)`,
    args: [USER],
  });
  engine = new UserLedgerEngine({ database: client, config: { paperDepositDailyCapGbpMinor: 10_000_000n } });
  const base = { userId: USER };
  await run({
    ...base,
    kind: "ops_deposit",
    idempotencyKey: "ops-usdt",
    asset: "USDT",
    amountMinor: 20_000_000_000n,
    reference: "bank-1",
    audit: { actor: "test", requestId: null, ipAddress: null },
  });
  await run({
    ...base,
    kind: "order_hold",
    idempotencyKey: "order:o-1:hold",
    book: "live",
    holdId: "o-1",
    asset: "USDT",
    amountMinor: 10_020_000_000n,
  });
  await run({
    ...base,
    kind: "fill",
    idempotencyKey: "order:o-1:fill:1",
    holdId: "o-1",
    venue: "binance",
    spentMinor: 10_000_000_000n,
    received: { asset: "BTC", amountMinor: 10_000_000n },
    fee: { asset: "USDT", amountMinor: 20_000_000n },
    reference: "order:o-1:fill:1",
  });
  await insertLiveOrder("o-1", "filled", { asset: "BTC", amountMinor: 10_000n });
});

afterEach(async () => {
  client.close();
  await server.close();
  rmSync(directory, { recursive: true, force: true });
});

/** What the exchange holds when it did exactly what the ledger says, plus `extra` per asset. */
function exchangeHolding(extra: Partial<Record<AssetCode, bigint>> = {}): ExchangeBalances {
  return {
    venue: "binance",
    balances: {
      USDT: 10_000_000_000n + (extra.USDT ?? 0n),
      BTC: 9_990_000n + (extra.BTC ?? 0n),
      ETH: extra.ETH ?? 0n,
      SOL: extra.SOL ?? 0n,
    },
  };
}

async function exchangeCheck(exchangeBalances: ExchangeBalances) {
  const report = await reconcileLedger(client, { nowMs: NOW_MS, exchangeBalances });
  const check = report.checks.find((candidate) => candidate.name === "exchange_holds_users_funds");
  expect(check).toBeDefined();
  expect(report.ok).toBe(report.checks.every((candidate) => candidate.ok));
  return check as { ok: boolean; detail: string };
}

describe("reconciliation against the exchange account", () => {
  it("is not run without the exchange's balances; every other check is unchanged", async () => {
    const report = await reconcileLedger(client, { nowMs: NOW_MS });
    expect(report.checks.map((check) => check.name)).not.toContain("exchange_holds_users_funds");
    expect(report.ok).toBe(true);
  });

  it("equal per asset when the exchange did what the ledger says, commission counted", async () => {
    const check = await exchangeCheck(exchangeHolding());
    expect(check.ok).toBe(true);
    expect(check.detail).toContain(
      "USDT: exchange 10000.000000, ledger 10000.000000 (users 9980.000000, platform 20.000000, commissions paid 0.000000); equal",
    );
    expect(check.detail).toContain(
      "BTC: exchange 0.09990000, ledger 0.09990000 (users 0.10000000, platform 0.00000000, commissions paid 0.00010000); equal",
    );
    expect(check.detail).not.toContain("GBP");
  });

  it("lists dust within the tolerance either way, and a surplus (the account's own float) without failing", async () => {
    const dusty = await exchangeCheck(exchangeHolding({ USDT: -100n, BTC: 7n }));
    expect(dusty.ok).toBe(true);
    expect(dusty.detail).toContain("USDT: exchange 9999.999900");
    expect(dusty.detail).toContain("dust -0.000100");
    expect(dusty.detail).toContain("dust 0.00000007");
    const float = await exchangeCheck(exchangeHolding({ USDT: 10_000_000_000n }));
    expect(float.ok).toBe(true);
    expect(float.detail).toContain("surplus 10000.000000 (not in the ledger: the account's own float)");
  });

  it("fails when the exchange holds less than the ledger owes, naming the asset and the amount", async () => {
    const short = await exchangeCheck(exchangeHolding({ BTC: -101n }));
    expect(short.ok).toBe(false);
    expect(short.detail).toBe(
      "BTC: exchange 0.09989899, ledger 0.09990000 (users 0.10000000, platform 0.00000000, commissions paid 0.00010000); the exchange holds 0.00000101 less than the ledger owes",
    );
    // A commission the order desk did not record is a shortfall too (the exchange kept it).
    await client.execute("UPDATE orders SET venue_commission = 0, venue_commission_asset = NULL");
    const unrecorded = await exchangeCheck(exchangeHolding());
    expect(unrecorded.ok).toBe(false);
    expect(unrecorded.detail).toContain("BTC: exchange 0.09990000, ledger 0.10000000");
  });

  it("a shortfall within what open LIVE orders hold is a fill in flight, beyond it a failure", async () => {
    await run({
      userId: USER,
      kind: "order_hold",
      idempotencyKey: "order:o-2:hold",
      book: "live",
      holdId: "o-2",
      asset: "USDT",
      amountMinor: 50_000_000n,
    });
    await insertLiveOrder("o-2", "open", null);
    // The exchange filled o-2 for 30 USDT; the platform's next poll has not settled it yet.
    const inFlight = await exchangeCheck(exchangeHolding({ USDT: -30_000_000n }));
    expect(inFlight.ok).toBe(true);
    expect(inFlight.detail).toContain(
      "short 30.000000, within 50.000000 held by open LIVE orders (fills in flight)",
    );
    const beyond = await exchangeCheck(exchangeHolding({ USDT: -60_000_000n }));
    expect(beyond.ok).toBe(false);
    expect(beyond.detail).toContain("the exchange holds 60.000000 less than the ledger owes");
  });

  it("fails, saying why, when the exchange account could not be read", async () => {
    const check = await exchangeCheck({
      venue: "binance",
      balances: null,
      error: "Binance /api/v3/account: no answer (timed out).",
    });
    expect(check).toEqual({
      name: "exchange_holds_users_funds",
      ok: false,
      detail: "could not read the binance account: Binance /api/v3/account: no answer (timed out).",
    });
  });
});
