import { generate } from "otplib";
import { createDatabaseClient } from "../db/client.ts";
import { ApiClient, type ApiResponse, STRONG_PASSWORD, uniqueEmail } from "../test/support/api-client.ts";
import { startBinanceStandin, TESTNET_FUNDING } from "../test/support/binance-standin/server.ts";
import { type RunningStack, startStack } from "../test/support/stack.ts";
import { BINANCE_TESTNET_BASE_URL, BinanceSpot } from "../worker/services/exchange/index.ts";

/**
 * `npm run testnet:dry-run`: the product owner's first ask for LIVE trading — a LIVE bot places
 * a LIMIT order far from the market on the exchange and it is cancelled, with raw proof that
 * the ledger, the audit log and the balances match the exchange.
 *
 * Exchange: the local Binance stand-in, started here on a free loopback port with a funded
 * testnet-like account (default); or the real Spot testnet when BINANCE_TESTNET_API_KEY and
 * BINANCE_TESTNET_API_SECRET are set (BINANCE_TESTNET_BASE_URL overrides its address; the
 * platform then prices markets from Binance's public market data, MARKET_SOURCE=binance).
 * Platform: the whole stack as `npm start` runs it (local libSQL + `wrangler dev`) on a fresh
 * database and free ports, with the exchange's URL and keys as its bindings (expects build/).
 *
 * As a user with 2FA (codes from otplib, each used once): sign up, enable 2FA, get 100 USDT in
 * the LIVE book (the operators' deposit), create a LIVE Grid bot on BTC-USDT whose two levels
 * are 50 % and 55 % of the price (one interval, below the price: exactly one LIMIT buy, far
 * from the market), confirm it and start it with fresh codes, wait for its order, then stop
 * the bot (which cancels the order and returns the allocation).
 *
 * The raw HTTP between platform and exchange comes from the Worker's own log: the UserOrders
 * object logs every adapter request and answer at debug level as "exchange transcript" (method,
 * path, parameters without the signature, status line, JSON body; never a key), and this
 * script runs the Worker with LOG_LEVEL=debug and reads them from wrangler's output. The
 * ledger entries and audit rows are read from the platform's database (an operator's view);
 * the exchange's balances with the adapter, as the platform's account. Exit 0 and
 * `reconciliation: ok` only when every check holds; 1 when one does not; 2 when the run could
 * not be set up.
 */

const USDT_DEPOSIT = "100.000000";
const BOT_BUDGET = "30.000000";
const WAIT_FOR_ORDER_MS = 60_000;
const MAX_BODY_SHOWN = 1_500;

interface TranscriptRecord {
  method: string;
  path: string;
  params: Record<string, string>;
  status: number | null;
  statusText: string;
  body: unknown;
}

interface Check {
  ok: boolean;
  what: string;
}

const checks: Check[] = [];
function check(ok: boolean, what: string): void {
  checks.push({ ok, what });
  console.log(`  ${ok ? "ok  " : "FAIL"}  ${what}`);
}

function section(title: string): void {
  console.log(`\n== ${title} ${"=".repeat(Math.max(0, 86 - title.length))}`);
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > MAX_BODY_SHOWN ? `${text.slice(0, MAX_BODY_SHOWN)}… (${text.length} bytes)` : text;
}

/** Prints a platform API call as it happened, secrets masked. */
function printed<T>(method: string, path: string, response: ApiResponse<T>): ApiResponse<T> {
  const body = JSON.parse(
    JSON.stringify(response.body, (key, value) =>
      ["secret", "otpauthUrl", "uri", "qrSvg", "recoveryCodes"].includes(key) ? "[hidden]" : value,
    ),
  ) as unknown;
  console.log(`${method} ${path} -> ${response.status}\n  ${show(body)}`);
  return response;
}

/** TOTP codes, each for a later step than the last one used (the platform refuses a replay). */
class Authenticator {
  #lastStep = -1;
  constructor(readonly secret: string) {}

  async next(): Promise<string> {
    const current = Math.floor(Date.now() / 30_000);
    // The platform accepts the current step ±1: use the oldest still accepted, else wait.
    let step = Math.max(this.#lastStep + 1, current - 1);
    while (step > Math.floor(Date.now() / 30_000) + 1) {
      await sleep(1_000);
      step = Math.max(this.#lastStep + 1, Math.floor(Date.now() / 30_000) - 1);
    }
    this.#lastStep = step;
    return generate({ secret: this.secret, epoch: step * 30 + 15 });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function minorOf(text: string, scale: number): bigint {
  const [whole = "0", fraction = ""] = text.split(".");
  return BigInt(whole) * 10n ** BigInt(scale) + BigInt(fraction.padEnd(scale, "0").slice(0, scale) || "0");
}

function textOf(minor: bigint, scale: number): string {
  const unit = 10n ** BigInt(scale);
  return `${minor / unit}.${(minor % unit).toString().padStart(scale, "0")}`;
}

function transcriptOf(output: string): TranscriptRecord[] {
  const records: TranscriptRecord[] = [];
  for (const line of output.split("\n")) {
    if (!line.includes('"exchange transcript"')) continue;
    try {
      const logged = JSON.parse(line.slice(line.indexOf("{"))) as { exchange?: string };
      if (typeof logged.exchange === "string") records.push(JSON.parse(logged.exchange) as TranscriptRecord);
    } catch {
      // not one of ours
    }
  }
  return records;
}

async function main(): Promise<number> {
  const testnetKey = process.env.BINANCE_TESTNET_API_KEY;
  const testnetSecret = process.env.BINANCE_TESTNET_API_SECRET;
  const onTestnet = Boolean(testnetKey && testnetSecret);
  const cleanups: (() => Promise<void>)[] = [];
  try {
    // ---- The exchange ------------------------------------------------------------------
    let exchange: { url: string; apiKey: string; apiSecret: string; label: string };
    if (onTestnet) {
      const url = process.env.BINANCE_TESTNET_BASE_URL ?? BINANCE_TESTNET_BASE_URL;
      exchange = {
        url,
        apiKey: testnetKey ?? "",
        apiSecret: testnetSecret ?? "",
        label: `Binance Spot testnet ${url}`,
      };
    } else {
      const standin = await startBinanceStandin({ port: 0 });
      cleanups.push(() => standin.close());
      const account = standin.addAccount({ balances: { ...TESTNET_FUNDING } });
      exchange = {
        url: standin.url,
        apiKey: account.apiKey,
        apiSecret: account.secretKey,
        label: `local Binance stand-in ${standin.url} (funded like a testnet account)`,
      };
    }
    const adapter = new BinanceSpot({
      apiKey: exchange.apiKey,
      apiSecret: exchange.apiSecret,
      baseUrl: exchange.url,
    });

    // ---- The platform ------------------------------------------------------------------
    console.log(`exchange: ${exchange.label}`);
    console.log("platform: starting libSQL and wrangler dev (build/ from npm run build) …");
    const stack: RunningStack = await startStack({
      vars: {
        BINANCE_BASE_URL: exchange.url,
        BINANCE_API_KEY: exchange.apiKey,
        BINANCE_API_SECRET: exchange.apiSecret,
        LOG_LEVEL: "debug",
        ...(onTestnet ? { MARKET_SOURCE: "binance" } : {}),
      },
    });
    cleanups.push(() => stack.stop());
    console.log(`platform: ${stack.baseUrl}`);
    const database = createDatabaseClient({
      url: stack.libsqlUrl,
      authToken: stack.libsqlAuthToken,
      timeoutMs: 10_000,
    });
    cleanups.push(async () => database.close());
    const api = new ApiClient((input, init) => fetch(input, init), stack.baseUrl);
    const ops = { Authorization: `Bearer ${stack.opsToken}` };

    section("platform API");
    const email = uniqueEmail("dry-run");
    const signup = printed(
      "POST",
      "/api/v1/auth/signup",
      await api.post<{ user: { id: string } }>("/api/v1/auth/signup", { email, password: STRONG_PASSWORD }),
    );
    if (signup.status !== 201) throw new Error("sign-up failed");
    const userId = signup.body.user.id;
    const setup = printed(
      "POST",
      "/api/v1/2fa/setup",
      await api.post<{ secret: string }>("/api/v1/2fa/setup"),
    );
    const authenticator = new Authenticator(setup.body.secret);
    const enabled = printed(
      "POST",
      "/api/v1/2fa/enable",
      await api.post("/api/v1/2fa/enable", { code: await authenticator.next() }),
    );
    if (enabled.status !== 200) throw new Error("2FA could not be enabled");
    const deposit = printed(
      "POST",
      "/api/v1/ops/deposits",
      await api.post(
        "/api/v1/ops/deposits",
        { email, asset: "USDT", amount: USDT_DEPOSIT, reference: `dry-run-${Date.now()}` },
        { ...ops, "Idempotency-Key": crypto.randomUUID() },
      ),
    );
    if (deposit.status !== 201) throw new Error("the operators' deposit failed");

    // One interval, both levels below the price (platform's and exchange's): one LIMIT buy.
    const ticker = printed(
      "GET",
      "/api/v1/markets/BTC-USDT/ticker",
      await api.get<Record<string, unknown>>("/api/v1/markets/BTC-USDT/ticker"),
    );
    const tickerBody = ticker.body as { last?: string; ticker?: { last?: string } };
    const platformPrice = minorOf(String(tickerBody.last ?? tickerBody.ticker?.last), 6);
    const exchangeAnswer = (await (
      await fetch(`${exchange.url}/api/v3/ticker/price?symbol=BTCUSDT`)
    ).json()) as { price?: string };
    const exchangePrice = minorOf(String(exchangeAnswer.price), 6);
    const reference = platformPrice < exchangePrice ? platformPrice : exchangePrice;
    const highest = platformPrice < exchangePrice ? exchangePrice : platformPrice;
    const tick = 10_000n;
    const lower = ((reference * 50n) / 100n / tick) * tick;
    const upper = ((reference * 55n) / 100n / tick) * tick;
    if (lower * 4n < highest) {
      throw new Error(
        `the platform (${textOf(platformPrice, 6)}) and the exchange (${textOf(exchangePrice, 6)}) disagree on BTCUSDT by more than 2x`,
      );
    }

    const before = await balancesNow(api, adapter);
    const created = printed(
      "POST",
      "/api/v1/bots",
      await api.post<{ bot: { id: string; status: string } }>("/api/v1/bots", {
        type: "grid",
        symbol: "BTC-USDT",
        mode: "live",
        budget: BOT_BUDGET,
        budgetAsset: "USDT",
        params: {
          lowerPrice: textOf(lower, 6),
          upperPrice: textOf(upper, 6),
          gridLevels: 2,
          spacing: "arithmetic",
        },
        totp: await authenticator.next(),
      }),
    );
    if (created.status !== 201) throw new Error("the LIVE bot was not created");
    const botId = created.body.bot.id;
    const confirmed = printed(
      "POST",
      `/api/v1/bots/${botId}/confirm`,
      await api.post(`/api/v1/bots/${botId}/confirm`, { totp: await authenticator.next() }),
    );
    if (confirmed.status !== 200) throw new Error("the LIVE bot was not confirmed");
    const started = printed(
      "POST",
      `/api/v1/bots/${botId}/start`,
      await api.post(`/api/v1/bots/${botId}/start`, { totp: await authenticator.next() }),
    );
    if (started.status !== 200) throw new Error("the LIVE bot did not start");

    // The bot's first tick places its order; wait for it (bounded).
    let orderId: string | null = null;
    const deadline = Date.now() + WAIT_FOR_ORDER_MS;
    while (!orderId && Date.now() < deadline) {
      const open = await api.get<{ orders: { id: string; status: string }[] }>("/api/v1/orders?status=open");
      orderId = open.body.orders?.[0]?.id ?? null;
      if (!orderId) await sleep(500);
    }
    if (!orderId) throw new Error(`the bot placed no order within ${WAIT_FOR_ORDER_MS / 1000} s`);
    const placed = printed(
      "GET",
      `/api/v1/orders/${orderId}`,
      await api.get<{ order: { status: string; price: string; quantity: string } }>(
        `/api/v1/orders/${orderId}`,
      ),
    );
    const during = await balancesNow(api, adapter);
    const stopped = printed(
      "POST",
      `/api/v1/bots/${botId}/stop`,
      await api.post(`/api/v1/bots/${botId}/stop`, {}),
    );
    const cancelled = printed(
      "GET",
      `/api/v1/orders/${orderId}`,
      await api.get<{ order: { status: string } }>(`/api/v1/orders/${orderId}`),
    );
    const after = await balancesNow(api, adapter);
    const report = printed(
      "GET",
      "/api/v1/ops/reconcile",
      await api.get<{ ok: boolean; checks: { name: string; ok: boolean; detail: string }[] }>(
        "/api/v1/ops/reconcile",
        ops,
      ),
    );

    // ---- Raw HTTP between platform and exchange -----------------------------------------
    section("raw HTTP: platform <-> exchange (from the Worker's log)");
    let transcript: TranscriptRecord[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      transcript = transcriptOf(stack.output());
      if (transcript.some((record) => record.method === "DELETE")) break;
      await sleep(250);
    }
    for (const record of transcript) {
      // Exactly what was sent but the signature: a query string, or a POST's form body.
      const query = new URLSearchParams(record.params).toString();
      if (record.method === "POST") console.log(`${record.method} ${record.path}\n  body: ${query}`);
      else console.log(`${record.method} ${record.path}${query ? `?${query}` : ""}`);
      console.log(`  HTTP ${record.status ?? "(no answer)"} ${record.statusText}`);
      console.log(`  ${show(record.body)}`);
    }
    const clientOrderId = `chx${orderId.replaceAll("-", "")}`;
    const newOrder = transcript.find(
      (record) =>
        record.method === "POST" &&
        record.path === "/api/v3/order" &&
        record.params.newClientOrderId === clientOrderId,
    );
    const cancel = transcript.find(
      (record) =>
        record.method === "DELETE" &&
        record.path === "/api/v3/order" &&
        record.params.origClientOrderId === clientOrderId,
    );
    const newBody = (newOrder?.body ?? {}) as Record<string, string>;
    const cancelBody = (cancel?.body ?? {}) as Record<string, string>;

    // ---- Reconciliation -----------------------------------------------------------------
    section("reconciliation");
    const entries = await database.execute({
      sql: `SELECT e.sequence, e.id, e.type, p.account, p.asset, p.amount FROM ledger_entries e
            JOIN ledger_postings p ON p.entry_id = e.id
            WHERE e.user_id = ? AND e.book = 'live' ORDER BY e.sequence, p.account`,
      args: [userId],
    });
    console.log("ledger entries (LIVE book of the user, every posting):");
    for (const row of entries.rows) {
      console.log(
        `  #${row.sequence} ${String(row.type).padEnd(14)} ${String(row.account).padEnd(70)} ${row.asset} ${row.amount}`,
      );
    }
    const holdEntries = await database.execute({
      sql: `SELECT e.type, p.amount FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id
            WHERE e.user_id = ? AND e.hold_id = ? AND p.account LIKE 'user:%:live:locked' ORDER BY e.sequence`,
      args: [userId, orderId],
    });
    const audit = await database.execute({
      sql: "SELECT sequence, event, outcome, actor, detail FROM audit_log WHERE user_id = ? ORDER BY sequence",
      args: [userId],
    });
    console.log("audit log (the user's rows):");
    for (const row of audit.rows) {
      console.log(
        `  #${row.sequence} ${String(row.event).padEnd(26)} ${String(row.outcome).padEnd(8)} ${row.actor} ${row.detail}`,
      );
    }
    console.log("balances (USDT): platform = the user's LIVE book; exchange = the platform's account");
    for (const [label, value] of [
      ["before", before],
      ["during", during],
      ["after", after],
    ] as const) {
      console.log(
        `  ${label.padEnd(7)} platform available ${value.platform.available} locked ${value.platform.locked} allocated ${value.platform.allocated} | exchange free ${textOf(value.exchange.freeE8, 8)} locked ${textOf(value.exchange.lockedE8, 8)}`,
      );
    }

    console.log("checks:");
    check(
      newOrder?.status === 200 && newBody.status === "NEW",
      `the exchange answered the placement HTTP 200, status NEW (order ${newBody.orderId ?? "?"})`,
    );
    check(
      newBody.type === "LIMIT" &&
        newBody.side === "BUY" &&
        minorOf(String(newBody.price ?? "0"), 6) === lower,
      `it is the bot's LIMIT BUY at ${textOf(lower, 6)}, ${percentBelow(lower, exchangePrice)} below the exchange's price`,
    );
    check(
      cancel?.status === 200 &&
        cancelBody.status === "CANCELED" &&
        minorOf(String(cancelBody.executedQty ?? "1"), 8) === 0n,
      "the exchange answered the cancel HTTP 200, status CANCELED, nothing executed",
    );
    check(
      placed.body.order?.status === "open" && cancelled.body.order?.status === "cancelled",
      "the platform's order went open -> cancelled",
    );
    check(stopped.status === 200, "the bot stopped (its order cancelled, its allocation returned)");
    const holds = holdEntries.rows.map((row) => ({
      type: String(row.type),
      amount: BigInt(row.amount as bigint),
    }));
    const hold = holds.find((entry) => entry.type === "order_hold");
    const release = holds.find((entry) => entry.type === "order_release");
    check(
      holds.length === 2 &&
        hold !== undefined &&
        release !== undefined &&
        hold.amount === -release.amount &&
        hold.amount > 0n,
      `the ledger held ${hold ? textOf(hold.amount, 6) : "?"} USDT for the order and released exactly that`,
    );
    const exchangeLockedDelta = during.exchange.lockedE8 - before.exchange.lockedE8;
    // What Binance locks for a bid: price x quantity, exactly (8 decimals).
    const notional =
      (minorOf(placed.body.order?.price ?? "0", 8) * minorOf(placed.body.order?.quantity ?? "0", 8) +
        99_999_999n) /
      100_000_000n;
    check(
      exchangeLockedDelta === notional,
      `while it rested the exchange locked ${textOf(exchangeLockedDelta, 8)} USDT, the order's value ${textOf(notional, 8)}`,
    );
    check(
      minorOf(during.platform.locked, 6) === (hold?.amount ?? -1n),
      `while it rested the platform locked ${during.platform.locked} USDT (the value plus the maximum fee)`,
    );
    const events = audit.rows.map((row) => String(row.event));
    const expected = [
      "bot.created",
      "bot.confirmed",
      "bot.started",
      "order.exchange_placed",
      "order.exchange_cancelled",
      "bot.stopped",
    ];
    check(
      expected.every((event) => events.includes(event)),
      `the audit log has ${expected.join(", ")}`,
    );
    const exchangePlaced = audit.rows.find((row) => row.event === "order.exchange_placed");
    check(
      exchangePlaced !== undefined &&
        String(exchangePlaced.detail).includes(`"exchangeOrderId":"${newBody.orderId}"`),
      "the audit row of the placement names the exchange's order id",
    );
    check(
      JSON.stringify(after.platform) === JSON.stringify(before.platform),
      `platform balances after = before (${after.platform.available} USDT available, nothing locked or allocated)`,
    );
    check(
      after.exchange.freeE8 === before.exchange.freeE8 &&
        after.exchange.lockedE8 === before.exchange.lockedE8,
      `exchange balances after = before (${textOf(after.exchange.freeE8, 8)} USDT free, ${textOf(after.exchange.lockedE8, 8)} locked)`,
    );
    const exchangeCheck = report.body.checks?.find((entry) => entry.name === "exchange_holds_users_funds");
    check(
      report.body.ok === true && exchangeCheck?.ok === true,
      `the platform's reconciliation passes every check, the exchange's included (${exchangeCheck?.detail.slice(0, 160) ?? "missing"}…)`,
    );
    const ok = checks.every((entry) => entry.ok);
    console.log(ok ? "reconciliation: ok" : "reconciliation: FAILED");
    return ok ? 0 : 1;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

async function balancesNow(api: ApiClient, adapter: BinanceSpot) {
  const wallets = await api.get<{
    wallets: { mode: string; asset: string; available: string; locked: string; allocated: string }[];
  }>("/api/v1/wallets");
  const usdt = wallets.body.wallets.find((wallet) => wallet.mode === "live" && wallet.asset === "USDT");
  const account = await adapter.account();
  // Binance's own text, exactly (8 decimals): a lock of 29.73697440 is not rounded away.
  const balance = account.balances.find((entry) => entry.asset === "USDT");
  return {
    platform: {
      available: usdt?.available ?? "0.000000",
      locked: usdt?.locked ?? "0.000000",
      allocated: usdt?.allocated ?? "0.000000",
    },
    exchange: {
      freeE8: minorOf(balance?.freeText ?? "0", 8),
      lockedE8: minorOf(balance?.lockedText ?? "0", 8),
    },
  };
}

function percentBelow(price: bigint, market: bigint): string {
  const basisPoints = ((market - price) * 10_000n) / market;
  return `${basisPoints / 100n}.${(basisPoints % 100n).toString().padStart(2, "0")} %`;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`dry run could not run: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
