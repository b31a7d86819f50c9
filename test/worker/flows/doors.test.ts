import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { checkExact, identityKey } from "../../../worker/services/rate-limit/exact.ts";
import { EXACT_POLICIES } from "../../../worker/services/rate-limit/policies.ts";
import { errorCode } from "../../support/api-client.ts";
import { database } from "../ledger/support.ts";
import { BTC_ADDRESS, freshCode, postForm, readyToWithdraw, rows, signUp } from "./support.ts";

/**
 * Every policy of a withdrawal holds through both doors, the JSON API and the Withdraw page,
 * because both call the same use case (worker/use-cases/withdrawals.ts). Defect 3: the page
 * used to orchestrate the steps itself and skipped the per-user withdrawal limit.
 */

async function withdrawalCount(userId: string): Promise<number> {
  const [row] = await rows(database(), "SELECT COUNT(*) AS n FROM withdrawals WHERE user_id = ?", [userId]);
  return Number(row?.n ?? 0);
}

/** Uses up the user's withdrawal allowance in the exact limiter, as ten requests would. */
async function exhaustWithdrawalLimit(userId: string) {
  const policy = EXACT_POLICIES.withdrawalsPerUser;
  const identity = await identityKey("user", userId);
  for (let used = 0; used < policy.limit; used++) {
    expect((await checkExact(env, identity, policy)).allowed).toBe(true);
  }
}

describe("one use case, two doors", () => {
  it("defect 3: the per-user withdrawal limit stops the API and the page alike", async () => {
    const { trader, addressId } = await readyToWithdraw("limit");
    await exhaustWithdrawalLimit(trader.id);

    const api = await trader.client.post(
      "/api/v1/withdrawals",
      { asset: "BTC", amount: "0.01000000", addressId, totp: await freshCode(trader) },
      { "Idempotency-Key": crypto.randomUUID() },
    );
    expect(api.status).toBe(429);
    expect(api.headers.get("Retry-After")).toMatch(/^\d+$/);

    const page = await postForm(trader, "/withdraw", {
      intent: "withdraw",
      addressId,
      amount: "0.01000000",
      totp: await freshCode(trader),
      idempotencyKey: crypto.randomUUID(),
    });
    expect(page.status).toBe(200);
    expect(page.html).toContain("Too many withdrawal requests");
    expect(await withdrawalCount(trader.id)).toBe(0);
  });

  it("a fresh code is needed at both doors, and a wrong one moves nothing", async () => {
    const { trader, addressId } = await readyToWithdraw("code");
    const api = await trader.client.post(
      "/api/v1/withdrawals",
      { asset: "BTC", amount: "0.01000000", addressId },
      { "Idempotency-Key": crypto.randomUUID() },
    );
    expect(api.status).toBe(403);
    expect(errorCode(api)).toBe("totp_required");
    const page = await postForm(trader, "/withdraw", {
      intent: "withdraw",
      addressId,
      amount: "0.01000000",
      totp: "000000",
      idempotencyKey: crypto.randomUUID(),
    });
    expect(page.html).toMatch(/not valid|already used/);
    expect(await withdrawalCount(trader.id)).toBe(0);
  });

  it("a retry with the same key is the same withdrawal at both doors, without a new code", async () => {
    const { trader, addressId } = await readyToWithdraw("replay");
    const key = crypto.randomUUID();
    const body = { asset: "BTC", amount: "0.01000000", addressId };
    const first = await trader.client.post(
      "/api/v1/withdrawals",
      { ...body, totp: await freshCode(trader) },
      { "Idempotency-Key": key },
    );
    const second = await trader.client.post("/api/v1/withdrawals", body, { "Idempotency-Key": key });
    expect(first.status).toBe(201);
    expect(second.body).toEqual(first.body);

    const pageKey = crypto.randomUUID();
    const form = { intent: "withdraw", addressId, amount: "0.01000000", idempotencyKey: pageKey };
    const pageFirst = await postForm(trader, "/withdraw", { ...form, totp: await freshCode(trader) });
    expect(pageFirst.html).toContain("Requested.");
    // The browser sends the same form again (a double click, a reload after a timeout).
    const pageSecond = await postForm(trader, "/withdraw", { ...form, totp: "" });
    expect(pageSecond.html).toContain("Requested.");
    expect(await withdrawalCount(trader.id)).toBe(2);
  });

  it("whitelisting needs 2FA on at both doors", async () => {
    const trader = await signUp("no2fa");
    const api = await trader.client.post("/api/v1/withdrawal-addresses", {
      asset: "BTC",
      address: BTC_ADDRESS,
      label: "x",
      totp: "123456",
    });
    expect(api.status).toBe(403);
    expect(errorCode(api)).toBe("two_factor_not_enabled");
    const page = await postForm(trader, "/withdraw", {
      intent: "add-address",
      asset: "BTC",
      address: BTC_ADDRESS,
      label: "x",
      totp: "123456",
    });
    expect(page.html).toContain("Turn on two-factor authentication first.");
    const [row] = await rows(database(), "SELECT COUNT(*) AS n FROM withdrawal_addresses WHERE user_id = ?", [
      trader.id,
    ]);
    expect(Number(row?.n)).toBe(0);
  });

  it("operator actions refuse a trader at the API (the Ops page hides itself from traders)", async () => {
    const { trader, addressId } = await readyToWithdraw("notops");
    const requested = await trader.client.post<{ id: string }>(
      "/api/v1/withdrawals",
      { asset: "BTC", amount: "0.01000000", addressId, totp: await freshCode(trader) },
      { "Idempotency-Key": crypto.randomUUID() },
    );
    expect(requested.status).toBe(201);
    const api = await trader.client.post(`/api/v1/ops/withdrawals/${requested.body.id}/reject`, {});
    expect(api.status).toBe(403);
    const page = await postForm(trader, "/ops", { transition: "reject", withdrawalId: requested.body.id });
    expect(page.status).toBe(404);
    const [row] = await rows(database(), "SELECT status FROM withdrawals WHERE id = ?", [requested.body.id]);
    expect(row?.status).toBe("approved");
  });
});
