import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { type ApiResponse, errorCode, STRONG_PASSWORD } from "../support/api-client.ts";
import {
  addActiveAddress,
  BTC_ADDRESS,
  depositLive,
  freshCode,
  OPS,
  ORIGIN,
  signUp,
  type Trader,
  withTwoFactor,
} from "./flows/support.ts";

async function wallet(trader: Trader, asset: string, mode = "live") {
  const response = await trader.client.get<{
    wallets: { asset: string; mode: string; available: string; locked: string }[];
  }>("/api/v1/wallets");
  return response.body.wallets.find((entry) => entry.asset === asset && entry.mode === mode);
}

async function withdraw(
  trader: Trader,
  body: Record<string, unknown>,
  key = crypto.randomUUID(),
): Promise<ApiResponse> {
  return trader.client.post(
    "/api/v1/withdrawals",
    { ...body, totp: body.totp ?? (await freshCode(trader)) },
    { "Idempotency-Key": key },
  );
}

async function ops(path: string, body: unknown = {}) {
  const response = await SELF.fetch(`${ORIGIN}/api/v1/ops${path}`, {
    method: "POST",
    headers: { ...OPS, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { withdrawal: { status: string } } };
}

describe("withdrawal addresses", () => {
  it("whitelisting needs 2FA on: two_factor_not_enabled", async () => {
    const trader = await signUp();
    const response = await trader.client.post("/api/v1/withdrawal-addresses", {
      asset: "BTC",
      address: BTC_ADDRESS,
      label: "x",
    });
    expect(response.status).toBe(403);
    expect(errorCode(response)).toBe("two_factor_not_enabled");
  });

  it("a bech32 address with a bad checksum is invalid_address; a missing code is totp_required", async () => {
    const trader = await withTwoFactor();
    const bad = await trader.client.post("/api/v1/withdrawal-addresses", {
      asset: "BTC",
      address: "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
      label: "typo",
      totp: "123456",
    });
    expect(bad.status).toBe(400);
    expect(errorCode(bad)).toBe("invalid_address");
    const noCode = await trader.client.post("/api/v1/withdrawal-addresses", {
      asset: "BTC",
      address: BTC_ADDRESS,
      label: "x",
    });
    expect(noCode.status).toBe(403);
    expect(errorCode(noCode)).toBe("totp_required");
  });

  it("a new address is pending for 24 h; a withdrawal to it is address_not_active; removal is immediate", async () => {
    const trader = await withTwoFactor();
    await depositLive(trader, "BTC", "1.00000000");
    const added = await trader.client.post<{ id: string; status: string; activeAt: string }>(
      "/api/v1/withdrawal-addresses",
      {
        asset: "BTC",
        address: BTC_ADDRESS,
        label: "new",
        totp: await freshCode(trader),
      },
    );
    expect(added.status).toBe(201);
    expect(added.body.status).toBe("pending");
    const hours = (Date.parse(added.body.activeAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    const refused = await withdraw(trader, { asset: "BTC", amount: "0.10000000", addressId: added.body.id });
    expect(refused.status).toBe(403);
    expect(errorCode(refused)).toBe("address_not_active");
    expect((await wallet(trader, "BTC"))?.available).toBe("1.00000000");
    expect((await trader.client.delete(`/api/v1/withdrawal-addresses/${added.body.id}`)).status).toBe(204);
    const list = await trader.client.get<{ addresses: unknown[] }>("/api/v1/withdrawal-addresses");
    expect(list.body.addresses).toEqual([]);
  });
});

describe("withdrawals", () => {
  let trader: Trader;
  let addressId: string;
  beforeEach(async () => {
    trader = await withTwoFactor();
    addressId = await addActiveAddress(trader);
    await depositLive(trader, "BTC", "3.00000000");
  });

  it("holds funds from the live book, answers a retry the same, and refuses a changed body", async () => {
    const key = crypto.randomUUID();
    // 0.05 BTC stays under the 10,000 GBP approval threshold at any BTC price below 200,000 GBP.
    const first = await withdraw(trader, { asset: "BTC", amount: "0.05000000", addressId }, key);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: "approved" });
    expect(await wallet(trader, "BTC")).toMatchObject({ available: "2.95000000", locked: "0.05000000" });
    const retry = await trader.client.post(
      "/api/v1/withdrawals",
      { asset: "BTC", amount: "0.05000000", addressId },
      { "Idempotency-Key": key },
    );
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    const changed = await trader.client.post(
      "/api/v1/withdrawals",
      { asset: "BTC", amount: "0.20000000", addressId },
      { "Idempotency-Key": key },
    );
    expect(changed.status).toBe(409);
    expect(errorCode(changed)).toBe("idempotency_conflict");
    expect(await wallet(trader, "BTC")).toMatchObject({ available: "2.95000000", locked: "0.05000000" });
  });

  it("needs a fresh code, and never takes paper money", async () => {
    const missing = await trader.client.post(
      "/api/v1/withdrawals",
      { asset: "BTC", amount: "0.1", addressId },
      { "Idempotency-Key": crypto.randomUUID() },
    );
    expect(missing.status).toBe(403);
    expect(errorCode(missing)).toBe("totp_required");
    // 5 paper ETH and no live ETH: the withdrawal finds nothing to take.
    const paper = await trader.client.post(
      "/api/v1/wallets/paper-deposit",
      { asset: "ETH", amount: "5.00000000" },
      { "Idempotency-Key": crypto.randomUUID() },
    );
    expect(paper.body).toMatchObject({ wallet: { asset: "ETH" } });
    const ethAddress = await addActiveAddress(trader, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "ETH");
    const tooMuch = await withdraw(trader, { asset: "ETH", amount: "1.00000000", addressId: ethAddress });
    expect(tooMuch.status).toBe(409);
    expect(errorCode(tooMuch)).toBe("insufficient_funds");
    expect(await wallet(trader, "ETH")).toMatchObject({ available: "0.00000000", locked: "0.00000000" });
    expect((await wallet(trader, "ETH", "paper"))?.available).toBe("5.00000000");
    // The refused request reserved nothing: a BTC withdrawal within limits still goes through.
    const within = await withdraw(trader, { asset: "BTC", amount: "0.05000000", addressId });
    expect(within.body).toMatchObject({ status: "approved" });
  });

  it("velocity: 2 BTC per 24 h at most (0.19 + 1.9 BTC)", async () => {
    const first = await withdraw(trader, { asset: "BTC", amount: "0.19000000", addressId });
    expect(first.status).toBe(201);
    const second = await withdraw(trader, { asset: "BTC", amount: "1.90000000", addressId });
    expect(second.status).toBe(403);
    expect(errorCode(second)).toBe("velocity_limit_exceeded");
    expect((second.body as { error: { message: string } }).error.message).toContain("BTC per 24 h");
    expect(await wallet(trader, "BTC")).toMatchObject({ available: "2.81000000", locked: "0.19000000" });
  });

  it("large withdrawals wait for an operator: approve, process, complete settles the hold exactly", async () => {
    // 0.3 BTC at the market's price: above the 10,000 GBP threshold at any BTC price above
    // 33,334 GBP, and within the 50,000 GBP-per-24 h velocity limit below 166,666 GBP.
    const created = await withdraw(trader, { asset: "BTC", amount: "0.30000000", addressId });
    expect(created.body).toMatchObject({ status: "held" });
    const id = (created.body as { id: string }).id;
    const anonymous = await SELF.fetch(`${ORIGIN}/api/v1/ops/withdrawals/${id}/approve`, { method: "POST" });
    expect(anonymous.status).toBe(401);
    const pending = await SELF.fetch(`${ORIGIN}/api/v1/ops/withdrawals`, { headers: OPS });
    const pendingIds = ((await pending.json()) as { withdrawals: { id: string }[] }).withdrawals.map(
      (entry) => entry.id,
    );
    expect(pendingIds).toContain(id);
    expect((await ops(`/withdrawals/${id}/complete`, { transactionReference: "tx" })).status).toBe(409);
    expect((await ops(`/withdrawals/${id}/approve`)).body.withdrawal.status).toBe("approved");
    expect((await ops(`/withdrawals/${id}/process`)).body.withdrawal.status).toBe("processing");
    const done = await ops(`/withdrawals/${id}/complete`, {
      transactionReference: "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16",
    });
    expect(done.body.withdrawal.status).toBe("completed");
    expect(await wallet(trader, "BTC")).toMatchObject({ available: "2.70000000", locked: "0.00000000" });
    expect((await ops(`/withdrawals/${id}/fail`)).status).toBe(409);
  });

  it("rejecting or cancelling releases exactly what was held", async () => {
    const large = await withdraw(trader, { asset: "BTC", amount: "0.30000000", addressId });
    const small = await withdraw(trader, { asset: "BTC", amount: "0.05000000", addressId });
    expect(await wallet(trader, "BTC")).toMatchObject({ available: "2.65000000", locked: "0.35000000" });
    expect(
      (await ops(`/withdrawals/${(large.body as { id: string }).id}/reject`, { reason: "unusual" })).body
        .withdrawal.status,
    ).toBe("rejected");
    const cancelled = await trader.client.post(
      `/api/v1/withdrawals/${(small.body as { id: string }).id}/cancel`,
      {},
    );
    expect(cancelled.status).toBe(200);
    expect(await wallet(trader, "BTC")).toMatchObject({ available: "3.00000000", locked: "0.00000000" });
    const list = await trader.client.get<{ withdrawals: { status: string }[] }>("/api/v1/withdrawals");
    expect(list.body.withdrawals.map((entry) => entry.status).sort()).toEqual(["cancelled", "rejected"]);
  });

  it("changing the password locks withdrawals for 24 hours", async () => {
    const change = await trader.client.post("/api/v1/auth/password", {
      currentPassword: STRONG_PASSWORD,
      newPassword: "a-new-and-long-passphrase-9",
      totp: await freshCode(trader),
    });
    expect(change.status).toBe(204);
    const refused = await withdraw(trader, { asset: "BTC", amount: "0.10000000", addressId });
    expect(refused.status).toBe(403);
    expect(errorCode(refused)).toBe("withdrawals_locked");
  });
});
