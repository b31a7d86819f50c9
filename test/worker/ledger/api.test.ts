import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ASSET_CODES } from "../../../worker/services/ledger/assets.ts";
import { isFlowCheck } from "../../../worker/services/ledger/reconcile.ts";
import { type ApiResponse, errorCode } from "../../support/api-client.ts";
import {
  database,
  key,
  OPS_TOKEN,
  opsClient,
  opsHeaders,
  signedUpClient,
  walletIn,
  walletsOf,
} from "./support.ts";

type ErrorBody = {
  error: { code: string; message: string; requestId: string; fields?: Record<string, string> };
};
type DepositBody = {
  entryId: string;
  wallet: { asset: string; mode: string; available: string; locked: string };
};
type EntriesBody = {
  entries: {
    id: string;
    type: string;
    mode: string;
    createdAt: string;
    postings: { asset: string; amount: string; account: string }[];
  }[];
  nextCursor: string | null;
};

const fields = (response: ApiResponse) => (response.body as unknown as ErrorBody).error.fields ?? {};

describe("GET /wallets", () => {
  it("needs a session", async () => {
    const response = await SELF.fetch("http://example.com/api/v1/wallets");
    expect(response.status).toBe(401);
    expect(((await response.json()) as ErrorBody).error.code).toBe("unauthenticated");
  });

  it("lists every asset in both books at zero from the first request on", async () => {
    const { client } = await signedUpClient();
    const wallets = await walletsOf(client);
    expect(wallets).toHaveLength(ASSET_CODES.length * 2);
    for (const mode of ["live", "paper"] as const) {
      for (const asset of ASSET_CODES) {
        const wallet = walletIn(wallets, mode, asset);
        const zero = asset === "GBP" ? "0.00" : asset === "USDT" ? "0.000000" : "0.00000000";
        expect(wallet).toMatchObject({ available: zero, locked: zero });
      }
    }
  });
});

describe("POST /wallets/paper-deposit", () => {
  it("credits the paper book only and answers 201 with the entry and the wallet", async () => {
    const { client } = await signedUpClient();
    const response = await client.post<DepositBody>(
      "/api/v1/wallets/paper-deposit",
      { asset: "GBP", amount: "250" },
      { "Idempotency-Key": key() },
    );
    expect(response.status).toBe(201);
    expect(response.body.entryId).toMatch(/^[0-9a-f]{32}$/);
    expect(response.body.wallet).toMatchObject({
      asset: "GBP",
      mode: "paper",
      available: "250.00",
      locked: "0.00",
    });
    const btc = await client.post<DepositBody>(
      "/api/v1/wallets/paper-deposit",
      { asset: "BTC", amount: "0.0015" },
      { "Idempotency-Key": key() },
    );
    expect(btc.body.wallet.available).toBe("0.00150000");
    const wallets = await walletsOf(client);
    expect(walletIn(wallets, "paper", "GBP").available).toBe("250.00");
    expect(walletIn(wallets, "live", "GBP").available).toBe("0.00");
    expect(walletIn(wallets, "live", "BTC").available).toBe("0.00000000");
  });

  it("replays the first response for the same key and body, with one effect", async () => {
    const { client } = await signedUpClient();
    const headers = { "Idempotency-Key": key() };
    const first = await client.post<DepositBody>(
      "/api/v1/wallets/paper-deposit",
      { asset: "ETH", amount: "1.5" },
      headers,
    );
    const second = await client.post<DepositBody>(
      "/api/v1/wallets/paper-deposit",
      { amount: "1.50000000", asset: "ETH" },
      headers,
    );
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(walletIn(await walletsOf(client), "paper", "ETH").available).toBe("1.50000000");
  });

  it("answers 409 idempotency_conflict for the same key with another body, and changes nothing", async () => {
    const { client } = await signedUpClient();
    const headers = { "Idempotency-Key": key() };
    expect(
      (await client.post("/api/v1/wallets/paper-deposit", { asset: "GBP", amount: "10" }, headers)).status,
    ).toBe(201);
    const conflict = await client.post(
      "/api/v1/wallets/paper-deposit",
      { asset: "GBP", amount: "11" },
      headers,
    );
    expect(conflict.status).toBe(409);
    expect(errorCode(conflict)).toBe("idempotency_conflict");
    const otherAsset = await client.post(
      "/api/v1/wallets/paper-deposit",
      { asset: "SOL", amount: "10" },
      headers,
    );
    expect(errorCode(otherAsset)).toBe("idempotency_conflict");
    expect(walletIn(await walletsOf(client), "paper", "GBP").available).toBe("10.00");
    expect(walletIn(await walletsOf(client), "paper", "SOL").available).toBe("0.00000000");
  });

  it("scopes keys per user: two users may use the same key", async () => {
    const a = await signedUpClient();
    const b = await signedUpClient();
    const shared = { "Idempotency-Key": key("shared") };
    const first = await a.client.post<DepositBody>(
      "/api/v1/wallets/paper-deposit",
      { asset: "GBP", amount: "1" },
      shared,
    );
    const second = await b.client.post<DepositBody>(
      "/api/v1/wallets/paper-deposit",
      { asset: "GBP", amount: "2" },
      shared,
    );
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.entryId).not.toBe(first.body.entryId);
  });

  it("40 concurrent deposits, each of 20 keys sent twice: each key takes effect once", async () => {
    const { client, user } = await signedUpClient();
    const keys = Array.from({ length: 20 }, (_, index) => ({
      key: key(`c${index}`),
      amount: `${index + 1}.25`,
    }));
    const requests = [...keys, ...keys].map(({ key: idempotencyKey, amount }) =>
      client.post<DepositBody>(
        "/api/v1/wallets/paper-deposit",
        { asset: "GBP", amount },
        { "Idempotency-Key": idempotencyKey },
      ),
    );
    const responses = await Promise.all(requests);
    for (const response of responses) expect(response.status).toBe(201);
    for (let index = 0; index < keys.length; index++) {
      expect(responses[index]?.body.entryId).toBe(responses[index + keys.length]?.body.entryId);
    }
    // 1.25 + 2.25 + … + 20.25 = 210 + 20 * 0.25
    expect(walletIn(await walletsOf(client), "paper", "GBP").available).toBe("215.00");
    const client2 = database();
    const count = await client2.execute({
      sql: "SELECT COUNT(*) AS n FROM ledger_entries WHERE user_id = ? AND type = 'paper_deposit'",
      args: [user.id],
    });
    client2.close();
    expect(Number(count.rows[0]?.n)).toBe(20);
  });

  it.each([
    ["a JSON number", { asset: "GBP", amount: 250 }, "amount"],
    ["a negative amount", { asset: "GBP", amount: "-5.00" }, "amount"],
    ["zero", { asset: "GBP", amount: "0.00" }, "amount"],
    ["an exponent", { asset: "GBP", amount: "1e3" }, "amount"],
    ["too many decimals", { asset: "GBP", amount: "1.001" }, "amount"],
    ["too many BTC decimals", { asset: "BTC", amount: "0.000000001" }, "amount"],
    ["whitespace", { asset: "GBP", amount: " 5" }, "amount"],
    ["a leading plus", { asset: "GBP", amount: "+5" }, "amount"],
    ["an absurd length", { asset: "GBP", amount: "9".repeat(500) }, "amount"],
    ["above the asset's bound", { asset: "GBP", amount: "1000000000.01" }, "amount"],
    ["an unknown asset", { asset: "DOGE", amount: "5" }, "asset"],
    ["a missing asset", { amount: "5" }, "asset"],
    ["a missing amount", { asset: "GBP" }, "amount"],
  ])("refuses %s with 400 invalid_request naming the field", async (_label, body, field) => {
    const { client } = await signedUpClient();
    const response = await client.post("/api/v1/wallets/paper-deposit", body, { "Idempotency-Key": key() });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe("invalid_request");
    expect(fields(response)[field]).toBeDefined();
    const wallets = await walletsOf(client);
    expect(wallets.every((wallet) => /^0\.0+$/.test(wallet.available))).toBe(true);
  });

  it("requires an Idempotency-Key of 1 to 255 characters", async () => {
    const { client } = await signedUpClient();
    const missing = await client.post("/api/v1/wallets/paper-deposit", { asset: "GBP", amount: "5" });
    expect(missing.status).toBe(400);
    expect(fields(missing)["Idempotency-Key"]).toBeDefined();
    const tooLong = await client.post(
      "/api/v1/wallets/paper-deposit",
      { asset: "GBP", amount: "5" },
      { "Idempotency-Key": "k".repeat(256) },
    );
    expect(tooLong.status).toBe(400);
    const longest = await client.post(
      "/api/v1/wallets/paper-deposit",
      { asset: "GBP", amount: "5" },
      { "Idempotency-Key": "k".repeat(255) },
    );
    expect(longest.status).toBe(201);
  });

  it("is capped per user per day (GBP-equivalent at the market's prices)", async () => {
    const { client } = await signedUpClient();
    const big = await client.post(
      "/api/v1/wallets/paper-deposit",
      { asset: "GBP", amount: "600000" },
      { "Idempotency-Key": key() },
    );
    expect(big.status).toBe(201);
    // 100 BTC: over the 400,000 GBP-equivalent left at any BTC price above 4,000 GBP.
    const over = await client.post(
      "/api/v1/wallets/paper-deposit",
      { asset: "BTC", amount: "100" },
      { "Idempotency-Key": key() },
    );
    expect(over.status).toBe(403);
    expect(errorCode(over)).toBe("paper_deposit_limit_exceeded");
    const within = await client.post(
      "/api/v1/wallets/paper-deposit",
      { asset: "GBP", amount: "400000" },
      { "Idempotency-Key": key() },
    );
    expect(within.status).toBe(201);
    const wallets = await walletsOf(client);
    expect(walletIn(wallets, "paper", "GBP").available).toBe("1000000.00");
    expect(walletIn(wallets, "paper", "BTC").available).toBe("0.00000000");
  });

  it("refuses a cross-site request that carries the session cookie", async () => {
    const { client } = await signedUpClient();
    const response = await SELF.fetch("http://example.com/api/v1/wallets/paper-deposit", {
      method: "POST",
      headers: {
        Cookie: client.cookie ?? "",
        Origin: "https://evil.example",
        "Content-Type": "application/json",
        "Idempotency-Key": key(),
      },
      body: JSON.stringify({ asset: "GBP", amount: "5" }),
    });
    expect(response.status).toBe(403);
    expect(walletIn(await walletsOf(client), "paper", "GBP").available).toBe("0.00");
  });
});

describe("GET /ledger/entries", () => {
  it("lists own entries newest first with every posting, paged by an opaque cursor", async () => {
    const { client, user } = await signedUpClient();
    for (const amount of ["1", "2", "3", "4", "5"]) {
      const response = await client.post(
        "/api/v1/wallets/paper-deposit",
        { asset: "GBP", amount },
        { "Idempotency-Key": key() },
      );
      expect(response.status).toBe(201);
    }
    const ops = await opsClient().post(
      "/api/v1/ops/deposits",
      { email: user.email, asset: "BTC", amount: "0.5", reference: "bank-123" },
      opsHeaders(key("ops")),
    );
    expect(ops.status).toBe(201);

    const page1 = await client.get<EntriesBody>("/api/v1/ledger/entries?limit=4");
    expect(page1.status).toBe(200);
    expect(page1.body.entries).toHaveLength(4);
    expect(page1.body.entries[0]).toMatchObject({ type: "ops_deposit", mode: "live" });
    expect(page1.body.entries[0]?.postings).toEqual([
      { asset: "BTC", amount: "-0.50000000", account: "system:live:deposit_gateway" },
      { asset: "BTC", amount: "0.50000000", account: `user:${user.id}:live:available` },
    ]);
    expect(page1.body.entries[1]?.postings.map((posting) => posting.amount)).toEqual(["-5.00", "5.00"]);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await client.get<EntriesBody>(
      `/api/v1/ledger/entries?limit=4&cursor=${page1.body.nextCursor}`,
    );
    expect(page2.body.entries.map((entry) => entry.postings[1]?.amount)).toEqual(["2.00", "1.00"]);
    expect(page2.body.nextCursor).toBeNull();
    const ids = [...page1.body.entries, ...page2.body.entries].map((entry) => entry.id);
    expect(new Set(ids).size).toBe(6);
    for (const entry of [...page1.body.entries, ...page2.body.entries]) {
      expect(new Date(entry.createdAt).toISOString()).toBe(entry.createdAt);
    }

    const paper = await client.get<EntriesBody>("/api/v1/ledger/entries?mode=paper");
    expect(paper.body.entries).toHaveLength(5);
    const btc = await client.get<EntriesBody>("/api/v1/ledger/entries?asset=BTC");
    expect(btc.body.entries.map((entry) => entry.type)).toEqual(["ops_deposit"]);
    const livePaperBtc = await client.get<EntriesBody>("/api/v1/ledger/entries?mode=paper&asset=BTC");
    expect(livePaperBtc.body.entries).toEqual([]);
  });

  it("never shows another user's entries", async () => {
    const a = await signedUpClient();
    const b = await signedUpClient();
    await a.client.post(
      "/api/v1/wallets/paper-deposit",
      { asset: "GBP", amount: "7" },
      { "Idempotency-Key": key() },
    );
    const seen = await b.client.get<EntriesBody>("/api/v1/ledger/entries");
    expect(seen.body.entries).toEqual([]);
  });

  it.each([
    ["mode=demo", "mode"],
    ["asset=DOGE", "asset"],
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["limit=ten", "limit"],
    ["cursor=not-a-cursor", "cursor"],
  ])("refuses %s with 400 naming the field", async (query, field) => {
    const { client } = await signedUpClient();
    const response = await client.get(`/api/v1/ledger/entries?${query}`);
    expect(response.status).toBe(400);
    expect(fields(response)[field]).toBeDefined();
  });
});

describe("POST /api/v1/ops/deposits", () => {
  it("needs the operator token", async () => {
    const none = await opsClient().post(
      "/api/v1/ops/deposits",
      { email: "x@example.com", asset: "GBP", amount: "1", reference: "r" },
      {
        "Idempotency-Key": key(),
      },
    );
    expect(none.status).toBe(401);
    const wrong = await opsClient().post(
      "/api/v1/ops/deposits",
      { email: "x@example.com", asset: "GBP", amount: "1", reference: "r" },
      { Authorization: `Bearer ${"x".repeat(OPS_TOKEN.length)}`, "Idempotency-Key": key() },
    );
    expect(wrong.status).toBe(403);
    const trader = await signedUpClient();
    const asTrader = await trader.client.post(
      "/api/v1/ops/deposits",
      { email: trader.user.email, asset: "GBP", amount: "1", reference: "r" },
      { "Idempotency-Key": key() },
    );
    expect(asTrader.status).toBe(403);
    expect(walletIn(await walletsOf(trader.client), "live", "GBP").available).toBe("0.00");
  });

  it("credits the live book, is idempotent, audited, and reconciles", async () => {
    const { client, user } = await signedUpClient();
    const opsKey = key("ops");
    const body = {
      email: user.email.toUpperCase(),
      asset: "GBP",
      amount: "1500.50",
      reference: "FPS-778899",
    };
    const first = await opsClient().post<DepositBody & { userId: string }>(
      "/api/v1/ops/deposits",
      body,
      opsHeaders(opsKey),
    );
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      userId: user.id,
      wallet: { asset: "GBP", mode: "live", available: "1500.50" },
    });
    const again = await opsClient().post("/api/v1/ops/deposits", body, opsHeaders(opsKey));
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const changed = await opsClient().post(
      "/api/v1/ops/deposits",
      { ...body, amount: "1500.51" },
      opsHeaders(opsKey),
    );
    expect(changed.status).toBe(409);
    expect(errorCode(changed)).toBe("idempotency_conflict");
    // The same ops key for another user is the same mistake: refused, not executed twice.
    const other = await signedUpClient();
    const otherUser = await opsClient().post(
      "/api/v1/ops/deposits",
      { ...body, email: other.user.email },
      opsHeaders(opsKey),
    );
    expect(otherUser.status).toBe(409);
    expect(walletIn(await walletsOf(other.client), "live", "GBP").available).toBe("0.00");

    const wallets = await walletsOf(client);
    expect(walletIn(wallets, "live", "GBP").available).toBe("1500.50");
    expect(walletIn(wallets, "paper", "GBP").available).toBe("0.00");

    const db = database();
    const audit = await db.execute({
      sql: "SELECT actor, event, outcome, detail FROM audit_log WHERE user_id = ? AND event = 'ledger.ops_deposit'",
      args: [user.id],
    });
    db.close();
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]?.actor).toBe("ops-token");
    expect(JSON.parse(String(audit.rows[0]?.detail))).toMatchObject({
      entryId: first.body.entryId,
      asset: "GBP",
      amount: "1500.50",
      reference: "FPS-778899",
    });

    const reconcile = await opsClient().get<{
      ok: boolean;
      checks: { name: string; ok: boolean; detail: string }[];
    }>("/api/v1/ops/reconcile", { Authorization: `Bearer ${OPS_TOKEN}` });
    expect(reconcile.status).toBe(200);
    // The database is shared with tests that drive the ledger alone (holds with no order or
    // withdrawal behind them): the flow checks are proven in their own tests; here the ledger's
    // checks must pass.
    expect(reconcile.body.checks.filter((check) => !check.ok && !isFlowCheck(check.name))).toEqual([]);
    expect(reconcile.body.ok).toBe(reconcile.body.checks.every((check) => check.ok));
    expect(reconcile.body.checks.map((check) => check.name)).toEqual(
      expect.arrayContaining([
        "entries_balance",
        "balances_match_journal",
        "user_balances_non_negative",
        "accounts_sum_to_zero",
        "holds_consistent",
        "holds_owned",
        "finished_flows_released",
        "bot_allocations_owned",
        "no_stuck_steps",
        "audit_chain_intact",
      ]),
    );
  });

  it("refuses unknown users and bad bodies with stable codes", async () => {
    const unknown = await opsClient().post(
      "/api/v1/ops/deposits",
      { email: "nobody-here@example.com", asset: "GBP", amount: "1", reference: "r" },
      opsHeaders(key()),
    );
    expect(unknown.status).toBe(404);
    expect(errorCode(unknown)).toBe("user_not_found");
    const bad = await opsClient().post(
      "/api/v1/ops/deposits",
      { email: "nobody-here@example.com", asset: "GBP", amount: 1, reference: "" },
      opsHeaders(key()),
    );
    expect(bad.status).toBe(400);
    expect(Object.keys(fields(bad)).sort()).toEqual(["amount", "reference"]);
    const noKey = await opsClient().post(
      "/api/v1/ops/deposits",
      { email: "nobody-here@example.com", asset: "GBP", amount: "1", reference: "r" },
      opsHeaders(),
    );
    expect(noKey.status).toBe(400);
  });

  it("reconcile is for operators only", async () => {
    const anonymous = await SELF.fetch("http://example.com/api/v1/ops/reconcile");
    expect(anonymous.status).toBe(401);
    const { client } = await signedUpClient();
    expect((await client.get("/api/v1/ops/reconcile")).status).toBe(403);
  });
});
