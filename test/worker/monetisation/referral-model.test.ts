import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDatabase } from "../../../db/client.ts";
import { getConfig } from "../../../worker/env.ts";
import { userLedger } from "../../../worker/services/ledger/client.ts";
import { OrderDesk } from "../../../worker/services/trading/desk.ts";
import type { ExecutionVenue } from "../../../worker/services/trading/venue.ts";
import { gbpValuationProvider } from "../../../worker/services/valuation/gbp.ts";
import { ApiClient, STRONG_PASSWORD, uniqueEmail } from "../../support/api-client.ts";
import { mulberry32 } from "../flows/chaos-support.ts";
import { depositLive, OPS, ORIGIN, rows } from "../flows/support.ts";
import { database } from "../ledger/support.ts";
import { judged } from "./support.ts";

/**
 * The property test: referrers and referees trade at random over simulated months, PAPER
 * and LIVE, with one referee on the Pro plan and one whale who reaches a higher fee tier and the
 * reward cap. An independent model in this file — written from the published terms, not from
 * the fee module — says what every order must pay, what its discount waives and what its
 * referrer earns; the records, the ledger and reconciliation must agree to the minor unit.
 *
 * Time: each trader's OrderDesk runs on a simulated clock that starts at sign-up and advances
 * by hours to days per step, so the 30-day referee discount, the 30-day volume window and the
 * one-year reward window all pass inside the test. The venue fills every market order at once
 * at the step's price (a LIVE one as the exchange would, on the live book).
 *
 * Reproduce a run: `MONETISATION_SEED=<seed> npx vitest run --project worker test/worker/monetisation`.
 */

const SEED = Number((env as { MONETISATION_SEED?: string }).MONETISATION_SEED || 20_261_202);
if (!Number.isSafeInteger(SEED)) throw new Error("MONETISATION_SEED must be an integer");

const DAY = 86_400_000;
const E8 = 100_000_000n;

// ---- The published terms, restated (API.md, README decision record 033) -------------------
const TIERS = [
  { minPence: 0n, maker: 100_000n, taker: 200_000n }, // 0.10 % / 0.20 %
  { minPence: 5_000_000n, maker: 80_000n, taker: 160_000n }, // £50k
  { minPence: 25_000_000n, maker: 60_000n, taker: 120_000n }, // £250k
  { minPence: 100_000_000n, maker: 40_000n, taker: 80_000n }, // £1M
];
const PRO_DISCOUNT = 10_000_000n; // 10 %
const REFEREE_DISCOUNT = 10_000_000n; // 10 % for 30 days
const REFERRER_SHARE_BPS = 2_000n;
const GBP_CAP = 25_000n; // £250 per referee, per book
const BTC_CAP = 500_000n;

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

interface Trade {
  atMs: number;
  mode: "live" | "paper";
  quotePence: bigint;
}

interface ModelTrader {
  name: string;
  id: string;
  email: string;
  client: ApiClient;
  referrer: ModelTrader | null;
  pro: boolean;
  signupMs: number;
  trades: Trade[];
  btc: { live: bigint; paper: bigint };
  gbp: { live: bigint; paper: bigint };
  desk: OrderDesk;
}

interface Expected {
  fee: bigint;
  discount: bigint;
  reward: bigint;
}

/** What an order must cost, from the terms alone. */
function expectedFee(
  trader: ModelTrader,
  nowMs: number,
  quotePence: bigint,
): { fee: bigint; discount: bigint } {
  const volume = trader.trades
    .filter((trade) => trade.mode === "live" && trade.atMs >= nowMs - 30 * DAY)
    .reduce((sum, trade) => sum + trade.quotePence, 0n);
  const tier = [...TIERS].reverse().find((candidate) => volume >= candidate.minPence) ?? TIERS[0];
  if (!tier) throw new Error("no tier");
  const discounts: bigint[] = [];
  if (trader.pro) discounts.push(PRO_DISCOUNT);
  if (trader.referrer && nowMs < trader.signupMs + 30 * DAY) discounts.push(REFEREE_DISCOUNT);
  let kept = E8;
  for (const discount of discounts) kept = (kept * (E8 - discount)) / E8;
  const list = ceilDiv(quotePence * tier.taker, E8);
  const discount = (list * (E8 - kept)) / E8;
  return { fee: list - discount, discount };
}

async function signUp(name: string, referralCode: string | null, ip: string) {
  const client = new ApiClient((input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("CF-Connecting-IP", ip);
    return SELF.fetch(input, { ...init, headers });
  }, ORIGIN);
  const email = uniqueEmail(name);
  const response = await client.post<{ user: { id: string } }>("/api/v1/auth/signup", {
    email,
    password: STRONG_PASSWORD,
    ...(referralCode ? { referralCode } : {}),
  });
  expect(response.status).toBe(201);
  return { client, id: response.body.user.id, email };
}

function instantVenue(mode: "live" | "paper", priceOf: () => bigint): ExecutionVenue {
  return {
    venue: mode === "live" ? "binance" : "simulated",
    book: mode,
    simulated: true,
    estimateBuyValue: async (_symbol, quantityMinor) => quantityMinor * priceOf(),
    submit: async (order) => ({
      slices: [{ priceMinor: priceOf(), quantityMinor: order.quantityMinor ?? 0n, liquidity: "taker" }],
      rests: false,
      atMs: Date.now(),
    }),
    check: async (order) => ({ slices: [], checkedUntilMs: order.checkedUntilMs }),
    cancel: async () => undefined,
  };
}

describe("fees, discounts and referral rewards over simulated months", () => {
  it("equal an independent model to the minor unit, and reconciliation stays ok", {
    timeout: 240_000,
  }, async () => {
    const random = mulberry32(SEED);
    const pick = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
    let nowMs = Date.now();
    let priceMinor = 6_000_000n;
    const db = createDatabase(database());
    const valuations = gbpValuationProvider(getConfig(env));

    const traders: ModelTrader[] = [];
    const addTrader = async (name: string, referrer: ModelTrader | null, index: number) => {
      const code = referrer
        ? ((await referrer.client.get<{ code: string }>("/api/v1/referrals")).body.code as string)
        : null;
      const { client, id, email } = await signUp(name, code, `198.51.${100 + index}.7`);
      const [row] = await rows(database(), "SELECT created_at_ms FROM users WHERE id = ?", [id]);
      const live = instantVenue("live", () => priceMinor);
      const paper = instantVenue("paper", () => priceMinor);
      const trader: ModelTrader = {
        name,
        id,
        email,
        client,
        referrer,
        pro: false,
        signupMs: Number(row?.created_at_ms),
        trades: [],
        btc: { live: 0n, paper: 0n },
        gbp: { live: 0n, paper: 0n },
        desk: new OrderDesk(id, {
          db,
          ledger: userLedger(env, id),
          venueFor: (mode) => (mode === "live" ? live : paper),
          valuations,
          rewards: { ledgerOf: (id) => userLedger(env, id) },
          now: () => nowMs,
          newId: () => crypto.randomUUID(),
        }),
      };
      traders.push(trader);
      return trader;
    };

    const alice = await addTrader("ref-alice", null, 0);
    const bob = await addTrader("ref-bob", null, 1);
    await addTrader("ref-carol", alice, 2);
    const dave = await addTrader("ref-dave", alice, 3);
    const whale = await addTrader("ref-whale", bob, 4);
    await addTrader("ref-erin", bob, 5);
    // Everyone gets paper and live GBP; Dave also buys the Pro plan (10 % off, compounding).
    for (const trader of traders) {
      const big = trader === whale;
      trader.gbp = big ? { live: 90_000_000n, paper: 90_000_000n } : { live: 2_000_000n, paper: 2_000_000n };
      await depositLive(trader, "GBP", big ? "900000.00" : "20000.00");
      const paper = await trader.client.post(
        "/api/v1/wallets/paper-deposit",
        { asset: "GBP", amount: big ? "900000.00" : "20000.00" },
        { "Idempotency-Key": crypto.randomUUID() },
      );
      expect(paper.status).toBe(201);
    }
    const upgrade = await dave.client.post(
      "/api/v1/account/plan",
      { plan: "pro" },
      { "Idempotency-Key": crypto.randomUUID() },
    );
    expect(upgrade.status).toBe(200);
    dave.pro = true;
    dave.gbp.live -= 1_499n;

    const expected = new Map<string, Expected>();
    const earned = new Map<string, bigint>(); // referee|book|asset -> rewards so far
    const steps = 70;
    for (let step = 0; step < steps; step++) {
      nowMs += pick(2, 60) * 3_600_000; // 2 hours to 2.5 days: about 3.5 months in all
      priceMinor = BigInt(pick(5_000, 9_000)) * 1_000n; // £50,000.00 to £90,000.00, to the tick
      for (const trader of traders) {
        if (random() < 0.35) continue;
        const mode = random() < 0.5 ? "live" : "paper";
        const big = trader === whale && mode === "live";
        const lots = BigInt(big ? pick(500, 1_500) : pick(1, 20)); // 0.001 BTC lots
        // Buy while the model's GBP covers it with room for the hold's margin, else sell all.
        const affordable = ((lots * 100_000n * priceMinor) / E8) * 11n <= trader.gbp[mode] * 10n;
        const selling = trader.btc[mode] >= 100_000n && (!affordable || random() < 0.4);
        if (!selling && !affordable) continue;
        const quantityMinor = selling ? (trader.btc[mode] / 100_000n) * 100_000n : lots * 100_000n;
        const quotePence = selling
          ? (quantityMinor * priceMinor) / E8
          : ceilDiv(quantityMinor * priceMinor, E8);
        const model = expectedFee(trader, nowMs, quotePence);
        const outcome = await trader.desk.place({
          userId: trader.id,
          clientKey: `model:${step}:${trader.name}`,
          mode,
          symbol: "BTC-GBP",
          side: selling ? "sell" : "buy",
          type: "market",
          quantityMinor,
        });
        if (!outcome.ok) throw new Error(`${trader.name} ${mode} step ${step}: ${outcome.error.message}`);
        expect(outcome.value.status).toBe("filled");
        trader.btc[mode] += selling ? -quantityMinor : quantityMinor;
        trader.gbp[mode] += selling ? quotePence - model.fee : -(quotePence + model.fee);
        trader.trades.push({ atMs: nowMs, mode, quotePence });
        let reward = 0n;
        if (trader.referrer && model.fee > 0n && nowMs < trader.signupMs + 365 * DAY) {
          const key = `${trader.id}|${mode}|GBP`;
          const so = earned.get(key) ?? 0n;
          const share = (model.fee * REFERRER_SHARE_BPS) / 10_000n;
          reward = share < GBP_CAP - so ? share : GBP_CAP - so;
          earned.set(key, so + reward);
        }
        expected.set(outcome.value.id, { ...model, reward });
      }
    }
    expect(BTC_CAP).toBeGreaterThan(0n); // BTC fees only arise on ETH-BTC, not traded here

    // Every order: fee and discount as the model says, and the reward recorded with it.
    const ids = [...expected.keys()];
    const recorded = new Map<string, { fee: bigint; discount: bigint; reward: bigint }>();
    for (let index = 0; index < ids.length; index += 50) {
      const chunk = ids.slice(index, index + 50);
      const found = await rows(
        database(),
        `SELECT o.id, o.fee, o.fee_discount, COALESCE(r.reward, 0) AS reward FROM orders o
         LEFT JOIN referral_rewards r ON r.order_id = o.id WHERE o.id IN (${chunk.map(() => "?").join(", ")})`,
        chunk,
      );
      for (const row of found) {
        recorded.set(String(row.id), {
          fee: BigInt(row.fee as bigint),
          discount: BigInt(row.fee_discount as bigint),
          reward: BigInt(row.reward as bigint),
        });
      }
    }
    const mismatches = ids.filter((id) => {
      const want = expected.get(id);
      const got = recorded.get(id);
      return !got || got.fee !== want?.fee || got.discount !== want.discount || got.reward !== want.reward;
    });
    expect(mismatches.map((id) => ({ id, want: expected.get(id), got: recorded.get(id) }))).toEqual([]);

    // The run reached what it was meant to exercise: a higher tier, the cap, the ended discount.
    const whaleLive = whale.trades.filter((trade) => trade.mode === "live");
    expect(whaleLive.reduce((sum, trade) => sum + trade.quotePence, 0n)).toBeGreaterThan(5_000_000n);
    expect(earned.get(`${whale.id}|live|GBP`)).toBe(GBP_CAP);
    expect(
      traders.some((trader) => trader.trades.some((trade) => trade.atMs > trader.signupMs + 30 * DAY)),
    ).toBe(true);

    // Every reward was paid into its referrer's ledger, from the referral expense account.
    const unpaid = await rows(
      database(),
      `SELECT COUNT(*) AS n FROM referral_rewards WHERE referee_id IN (${traders.map(() => "?").join(", ")}) AND status != 'paid'`,
      traders.map((trader) => trader.id),
    );
    expect(Number(unpaid[0]?.n)).toBe(0);
    for (const referrer of [alice, bob]) {
      for (const book of ["live", "paper"] as const) {
        const want = traders
          .filter((trader) => trader.referrer === referrer)
          .reduce((sum, trader) => sum + (earned.get(`${trader.id}|${book}|GBP`) ?? 0n), 0n);
        const [credited] = await rows(
          database(),
          `SELECT COALESCE(SUM(p.amount), 0) AS total FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id
           WHERE e.user_id = ? AND e.type = 'referral_reward' AND e.book = ? AND p.account LIKE 'user:%'`,
          [referrer.id, book],
        );
        expect(BigInt(credited?.total as bigint)).toBe(want);
      }
    }

    // The fill entries themselves show list fee, discount and what was paid.
    const [sums] = await rows(
      database(),
      `SELECT COALESCE(SUM(CASE WHEN p.account LIKE 'system:%:fee_discounts' THEN -p.amount END), 0) AS discounts
       FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id
       WHERE e.type = 'fill' AND e.user_id IN (${traders.map(() => "?").join(", ")})`,
      traders.map((trader) => trader.id),
    );
    const modelDiscounts = [...expected.values()].reduce((sum, item) => sum + item.discount, 0n);
    expect(BigInt(sums?.discounts as bigint)).toBe(modelDiscounts);

    const report = await SELF.fetch(`${ORIGIN}/api/v1/ops/reconcile`, { headers: OPS });
    const body = (await report.json()) as {
      ok: boolean;
      checks: { name: string; ok: boolean; detail: string }[];
    };
    expect(body.checks.filter((check) => !check.ok && judged(check.name))).toEqual([]);
  });
});
