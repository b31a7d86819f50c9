import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDatabase } from "../../../db/client.ts";
import { sweepPlans } from "../../../worker/services/monetisation/plans.ts";
import { ApiClient, errorCode, STRONG_PASSWORD, uniqueEmail } from "../../support/api-client.ts";
import { dcaBot } from "../bots/support.ts";
import { depositLive, OPS, ORIGIN, rows, signUp, type Trader } from "../flows/support.ts";
import { database, walletIn, walletsOf } from "../ledger/support.ts";
import { judged } from "./support.ts";

/** API.md "Fees, plans and referrals", driven as a script would. */

interface PlanBody {
  plan: {
    name: string;
    maxActiveBots: number;
    liveBotsAllowed: number;
    maxBudgetPerBot: string;
    monthlyPrice: string;
  };
  renewsAt: string | null;
  scheduledPlan: string | null;
  notice: { message: string } | null;
}

const key = () => ({ "Idempotency-Key": crypto.randomUUID() });

async function planCharges(userId: string): Promise<{ amount: string; reference: string }[]> {
  const found = await rows(
    database(),
    `SELECT p.amount, e.reference FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id
     WHERE e.user_id = ? AND e.type = 'plan_charge' AND p.account = 'system:live:plan_revenue' ORDER BY e.sequence`,
    [userId],
  );
  return found.map((row) => ({ amount: String(row.amount), reference: String(row.reference) }));
}

async function liveGbp(trader: Trader): Promise<string> {
  return walletIn(await walletsOf(trader.client), "live", "GBP").available;
}

async function reconcileOk() {
  const response = await SELF.fetch(`${ORIGIN}/api/v1/ops/reconcile`, { headers: OPS });
  const body = (await response.json()) as { checks: { name: string; ok: boolean; detail: string }[] };
  return body.checks.filter((check) => !check.ok && judged(check.name));
}

describe("GET /account/fees", () => {
  it("answers the bottom tier for a new trader, with the next tier and rates as decimal strings", async () => {
    const trader = await signUp("fees");
    const fees = await trader.client.get("/api/v1/account/fees");
    expect(fees.status).toBe(200);
    expect(fees.headers.get("Cache-Control")).toContain("no-store");
    expect(fees.body).toMatchObject({
      tier: "standard",
      volume30d: "0.00",
      volumeAsset: "GBP",
      makerRate: "0.0010",
      takerRate: "0.0020",
      nextTier: { tier: "silver", volumeRequired: "50000.00" },
      discounts: [],
    });
    const anonymous = await new ApiClient((input, init) => SELF.fetch(input, init), ORIGIN).get(
      "/api/v1/account/fees",
    );
    expect(anonymous.status).toBe(401);
  });
});

describe("bot plans", () => {
  it("an upgrade without funds is 409 insufficient_funds and charges nothing", async () => {
    const trader = await signUp("plan-poor");
    const refused = await trader.client.post("/api/v1/account/plan", { plan: "pro" }, key());
    expect(refused.status).toBe(409);
    expect(errorCode(refused)).toBe("insufficient_funds");
    expect(await planCharges(trader.id)).toEqual([]);
    const plan = await trader.client.get<PlanBody>("/api/v1/account/plan");
    expect(plan.body.plan.name).toBe("free");
    expect(plan.body.renewsAt).toBeNull();
  });

  it("refuses an unknown plan and a missing Idempotency-Key, and a key reused for another plan", async () => {
    const trader = await signUp("plan-bad");
    const unknown = await trader.client.post("/api/v1/account/plan", { plan: "platinum" }, key());
    expect(unknown.status).toBe(400);
    expect(errorCode(unknown)).toBe("invalid_request");
    const noKey = await trader.client.post("/api/v1/account/plan", { plan: "pro" });
    expect(noKey.status).toBe(400);
    await depositLive(trader, "GBP", "100.00");
    const headers = key();
    expect((await trader.client.post("/api/v1/account/plan", { plan: "pro" }, headers)).status).toBe(200);
    const conflict = await trader.client.post("/api/v1/account/plan", { plan: "elite" }, headers);
    expect(conflict.status).toBe(409);
    expect(errorCode(conflict)).toBe("idempotency_conflict");
  });

  it("upgrading charges the live GBP wallet once per period, however often it is retried", async () => {
    const trader = await signUp("plan-pro");
    await depositLive(trader, "GBP", "100.00");
    const headers = key();
    const first = await trader.client.post<PlanBody>("/api/v1/account/plan", { plan: "pro" }, headers);
    expect(first.status).toBe(200);
    expect(first.body.plan).toMatchObject({ name: "pro", monthlyPrice: "14.99", maxActiveBots: 20 });
    const renewsIn = Date.parse(first.body.renewsAt ?? "") - Date.now();
    expect(renewsIn).toBeGreaterThan(29.9 * 86_400_000);
    expect(renewsIn).toBeLessThanOrEqual(30 * 86_400_000);
    // The same request again, and the same plan under a new key: nothing more is charged.
    const again = await trader.client.post<PlanBody>("/api/v1/account/plan", { plan: "pro" }, headers);
    expect(again.status).toBe(200);
    expect(again.body.renewsAt).toBe(first.body.renewsAt);
    expect((await trader.client.post("/api/v1/account/plan", { plan: "pro" }, key())).status).toBe(200);
    expect(await planCharges(trader.id)).toHaveLength(1);
    expect(await liveGbp(trader)).toBe("85.01");
    // The charge is an entry the trader can see, balanced against the plan revenue account.
    const entries = await trader.client.get<{
      entries: { type: string; postings: { account: string; amount: string }[] }[];
    }>("/api/v1/ledger/entries?mode=live");
    const charge = entries.body.entries.find((entry) => entry.type === "plan_charge");
    expect(charge?.postings.map((posting) => posting.amount).sort()).toEqual(["-14.99", "14.99"]);
    expect(await reconcileOk()).toEqual([]);
  });

  it("pro to elite mid-period charges the difference for the days left, rounded down", async () => {
    const trader = await signUp("plan-elite");
    await depositLive(trader, "GBP", "100.00");
    expect((await trader.client.post("/api/v1/account/plan", { plan: "pro" }, key())).status).toBe(200);
    // Half the period has passed.
    const halfMs = 15 * 86_400_000;
    await database().execute({
      sql: "UPDATE subscriptions SET period_start_ms = period_start_ms - ?, renews_at_ms = renews_at_ms - ? WHERE user_id = ?",
      args: [halfMs, halfMs, trader.id],
    });
    const [before] = await rows(database(), "SELECT renews_at_ms FROM subscriptions WHERE user_id = ?", [
      trader.id,
    ]);
    const elite = await trader.client.post<PlanBody>("/api/v1/account/plan", { plan: "elite" }, key());
    expect(elite.status).toBe(200);
    expect(elite.body.plan.name).toBe("elite");
    expect(Date.parse(elite.body.renewsAt ?? "")).toBe(Number(before?.renews_at_ms));
    const charges = await planCharges(trader.id);
    expect(charges).toHaveLength(2);
    // (49.99 - 14.99) x just under half a period = just under 17.50, rounded down.
    const second = BigInt(charges[1]?.amount ?? "0");
    expect(second).toBeGreaterThanOrEqual(1_749n);
    expect(second).toBeLessThanOrEqual(1_750n);
  });

  it("a downgrade waits for the period's end; a renewal charges once per period; a failed one moves to free and pauses bots beyond the limit", async () => {
    const trader = await signUp("plan-renew");
    await depositLive(trader, "GBP", "10000.00");
    const paper = await trader.client.post(
      "/api/v1/wallets/paper-deposit",
      { asset: "GBP", amount: "5000.00" },
      key(),
    );
    expect(paper.status).toBe(201);
    expect((await trader.client.post("/api/v1/account/plan", { plan: "pro" }, key())).status).toBe(200);
    // Seven running bots: more than free allows.
    const ids: string[] = [];
    for (let index = 0; index < 7; index++) {
      const created = await trader.client.post<{ bot: { id: string } }>("/api/v1/bots", dcaBot(), key());
      expect(created.status).toBe(201);
      const started = await trader.client.post(`/api/v1/bots/${created.body.bot.id}/start`, {});
      expect(started.status).toBe(200);
      ids.push(created.body.bot.id);
    }
    // Free allows five: the downgrade is refused until bots are stopped; nothing changes.
    const tooMany = await trader.client.post("/api/v1/account/plan", { plan: "free" }, key());
    expect(tooMany.status).toBe(403);
    expect(errorCode(tooMany)).toBe("plan_limit_reached");

    // The period ends with enough GBP: renewed, charged once however often it is looked at.
    await database().execute({
      sql: "UPDATE subscriptions SET renews_at_ms = ? WHERE user_id = ?",
      args: [Date.now() - 1_000, trader.id],
    });
    const renewed = await trader.client.get<PlanBody>("/api/v1/account/plan");
    expect(renewed.body.plan.name).toBe("pro");
    expect(Date.parse(renewed.body.renewsAt ?? "")).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    await trader.client.get("/api/v1/account/plan");
    await sweepPlans({ db: createDatabase(database()), client: database(), env }, Date.now());
    expect(await planCharges(trader.id)).toHaveLength(2);

    // Next period: the live GBP is gone, so the renewal fails: free, with a notice, two bots paused.
    const balance = await liveGbp(trader);
    const [user] = await rows(database(), "SELECT email FROM users WHERE id = ?", [trader.id]);
    expect(user?.email).toBe(trader.email);
    await drainLiveGbp(trader, balance);
    await database().execute({
      sql: "UPDATE subscriptions SET renews_at_ms = ? WHERE user_id = ?",
      args: [Date.now() - 1_000, trader.id],
    });
    await sweepPlans({ db: createDatabase(database()), client: database(), env }, Date.now());
    const lapsed = await trader.client.get<PlanBody>("/api/v1/account/plan");
    expect(lapsed.body.plan.name).toBe("free");
    expect(lapsed.body.renewsAt).toBeNull();
    expect(lapsed.body.notice?.message).toMatch(/could not be renewed.*2 bots were paused/s);
    expect(await planCharges(trader.id)).toHaveLength(2);
    const bots = await trader.client.get<{ bots: { id: string; status: string }[] }>("/api/v1/bots");
    const statuses = bots.body.bots.map((bot) => bot.status).sort();
    expect(statuses).toEqual(["paused", "paused", "running", "running", "running", "running", "running"]);
    // A paused bot cannot be started again past the limit.
    const paused = bots.body.bots.find((bot) => bot.status === "paused");
    const restart = await trader.client.post(`/api/v1/bots/${paused?.id}/start`, {});
    expect(restart.status).toBe(403);
    expect(errorCode(restart)).toBe("plan_limit_reached");
    expect(await reconcileOk()).toEqual([]);
  });

  it("a downgrade within the limits is scheduled for the period's end and can be taken back", async () => {
    const trader = await signUp("plan-down");
    await depositLive(trader, "GBP", "100.00");
    expect((await trader.client.post("/api/v1/account/plan", { plan: "elite" }, key())).status).toBe(200);
    const down = await trader.client.post<PlanBody>("/api/v1/account/plan", { plan: "pro" }, key());
    expect(down.status).toBe(200);
    expect(down.body.plan.name).toBe("elite");
    expect(down.body.scheduledPlan).toBe("pro");
    const stay = await trader.client.post<PlanBody>("/api/v1/account/plan", { plan: "elite" }, key());
    expect(stay.body.scheduledPlan).toBeNull();
    expect(await planCharges(trader.id)).toHaveLength(1);
    // Scheduled again, then the period ends: pro is charged for the new period.
    expect((await trader.client.post("/api/v1/account/plan", { plan: "pro" }, key())).status).toBe(200);
    await database().execute({
      sql: "UPDATE subscriptions SET renews_at_ms = ? WHERE user_id = ?",
      args: [Date.now() - 1_000, trader.id],
    });
    const after = await trader.client.get<PlanBody>("/api/v1/account/plan");
    expect(after.body.plan.name).toBe("pro");
    expect(after.body.scheduledPlan).toBeNull();
    expect((await planCharges(trader.id)).map((charge) => charge.amount)).toEqual(["4999", "1499"]);
  });
});

/** Sends the trader's live GBP out (a withdrawal, straight through their ledger object). */
async function drainLiveGbp(trader: Trader, balance: string) {
  const [pounds = "0", pence = "00"] = balance.split(".");
  const amountMinor = BigInt(pounds) * 100n + BigInt(pence.padEnd(2, "0"));
  if (amountMinor === 0n) return;
  const stub = env.USER_LEDGER.get(env.USER_LEDGER.idFromName(trader.id));
  const holdId = `drain-${crypto.randomUUID()}`;
  const held = await stub.withdrawalHold({
    userId: trader.id,
    idempotencyKey: `${holdId}:hold`,
    book: "live",
    holdId,
    asset: "GBP",
    amountMinor,
  });
  expect(held.ok).toBe(true);
  const settled = await stub.withdrawalSettle({
    userId: trader.id,
    idempotencyKey: `${holdId}:settle`,
    holdId,
  });
  expect(settled.ok).toBe(true);
}

describe("plan limits on bots", () => {
  it("the free plan's limits: bots at once, budget per bot; 403 plan_limit_reached with the limit in the message", async () => {
    const trader = await signUp("plan-limits");
    const paper = await trader.client.post(
      "/api/v1/wallets/paper-deposit",
      { asset: "GBP", amount: "20000.00" },
      key(),
    );
    expect(paper.status).toBe(201);
    const tooBig = await trader.client.post("/api/v1/bots", dcaBot({ budget: "10000.01" }), key());
    expect(tooBig.status).toBe(403);
    expect(errorCode(tooBig)).toBe("plan_limit_reached");
    expect(JSON.stringify(tooBig.body)).toContain("10000.00");
    for (let index = 0; index < 5; index++) {
      expect((await trader.client.post("/api/v1/bots", dcaBot(), key())).status).toBe(201);
    }
    const sixth = await trader.client.post("/api/v1/bots", dcaBot(), key());
    expect(sixth.status).toBe(403);
    expect(errorCode(sixth)).toBe("plan_limit_reached");
    expect(JSON.stringify(sixth.body)).toContain("5 bots");
    const [count] = await rows(database(), "SELECT COUNT(*) AS n FROM bots WHERE user_id = ?", [trader.id]);
    expect(Number(count?.n)).toBe(5);
  });
});

describe("referrals", () => {
  async function signUpWith(referralCode: string, email = uniqueEmail("referee"), ip = "192.0.2.10") {
    const client = new ApiClient((input, init) => {
      const headers = new Headers(init?.headers);
      headers.set("CF-Connecting-IP", ip);
      return SELF.fetch(input, { ...init, headers });
    }, ORIGIN);
    const response = await client.post<{ user: { id: string } }>("/api/v1/auth/signup", {
      email,
      password: STRONG_PASSWORD,
      referralCode,
    });
    return { client, response, email };
  }

  it("every user has a code and a link; a referee is counted", async () => {
    const referrer = await signUp("referrer");
    const mine = await referrer.client.get<{
      code: string;
      link: string;
      referees: number;
      rewards: unknown[];
    }>("/api/v1/referrals");
    expect(mine.status).toBe(200);
    expect(mine.body.code).toMatch(/^[A-Z0-9]{8}$/);
    expect(mine.body.link).toBe(`${ORIGIN}/signup?ref=${mine.body.code}`);
    expect(mine.body).toMatchObject({ referees: 0, rewards: [], totals: [] });
    const { response } = await signUpWith(mine.body.code.toLowerCase());
    expect(response.status).toBe(201);
    const after = await referrer.client.get<{ referees: number }>("/api/v1/referrals");
    expect(after.body.referees).toBe(1);
    const [row] = await rows(database(), "SELECT referred_by FROM users WHERE id = ?", [
      response.body.user.id,
    ]);
    expect(row?.referred_by).toBe(referrer.id);
  });

  it("refuses an unknown code, your own code under an alias, and farming from one network; nothing is created", async () => {
    const unknown = await signUpWith("NOSUCHCD");
    expect(unknown.response.status).toBe(400);
    expect(errorCode(unknown.response)).toBe("invalid_referral_code");
    const [none] = await rows(database(), "SELECT COUNT(*) AS n FROM users WHERE email = ?", [unknown.email]);
    expect(Number(none?.n)).toBe(0);

    const local = `jane.doe.${crypto.randomUUID().slice(0, 8)}`;
    const owner = new ApiClient((input, init) => SELF.fetch(input, init), ORIGIN);
    expect(
      (await owner.post("/api/v1/auth/signup", { email: `${local}@gmail.com`, password: STRONG_PASSWORD }))
        .status,
    ).toBe(201);
    const { code } = (await owner.get<{ code: string }>("/api/v1/referrals")).body;
    const alias = await signUpWith(code, `${local.replaceAll(".", "")}+second@googlemail.com`);
    expect(alias.response.status).toBe(400);
    expect(errorCode(alias.response)).toBe("invalid_referral_code");

    // Three referred sign-ups a day from one network are allowed; the fourth is farming.
    for (let index = 0; index < 3; index++) {
      expect((await signUpWith(code, undefined, `203.0.113.${20 + index}`)).response.status).toBe(201);
    }
    const farmed = await signUpWith(code, undefined, "203.0.113.99");
    expect(farmed.response.status).toBe(400);
    expect(errorCode(farmed.response)).toBe("invalid_referral_code");
    // Another network is a different person.
    expect((await signUpWith(code, undefined, "198.18.7.1")).response.status).toBe(201);
  });

  it("a referee's paper trade pays the referrer a paper reward, 20 % of a fee discounted by 10 %", async () => {
    const referrer = await signUp("referrer-paid");
    const { code } = (await referrer.client.get<{ code: string }>("/api/v1/referrals")).body;
    const referee = await signUpWith(code, undefined, "192.0.2.77");
    expect(referee.response.status).toBe(201);
    const fees = await referee.client.get<{ takerRate: string; discounts: { source: string }[] }>(
      "/api/v1/account/fees",
    );
    expect(fees.body.takerRate).toBe("0.0018");
    expect(fees.body.discounts.map((discount) => discount.source)).toEqual(["referral"]);
    expect(
      (await referee.client.post("/api/v1/wallets/paper-deposit", { asset: "GBP", amount: "5000.00" }, key()))
        .status,
    ).toBe(201);
    const order = await referee.client.post<{ order: { id: string; fee: string; status: string } }>(
      "/api/v1/orders",
      { symbol: "BTC-GBP", side: "buy", type: "market", quoteAmount: "1000.00" },
      key(),
    );
    expect(order.status).toBe(201);
    expect(order.body.order.status).toBe("filled");
    // 1000.00 at 0.20 % = 2.00 list, 10 % waived: 1.80 paid; 20 % of it = 0.36.
    expect(order.body.order.fee).toBe("1.80");
    const rewards = await referrer.client.get<{
      rewards: { asset: string; amount: string; mode: string }[];
      totals: { asset: string; amount: string; mode: string }[];
    }>("/api/v1/referrals");
    expect(rewards.body.rewards).toMatchObject([{ asset: "GBP", amount: "0.36", mode: "paper" }]);
    expect(rewards.body.totals).toEqual([{ asset: "GBP", amount: "0.36", mode: "paper" }]);
    expect(walletIn(await walletsOf(referrer.client), "paper", "GBP").available).toBe("0.36");
    expect(walletIn(await walletsOf(referrer.client), "live", "GBP").available).toBe("0.00");
    expect(await reconcileOk()).toEqual([]);
  });
});
