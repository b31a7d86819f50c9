import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BinanceSpot,
  ExchangeRateLimitError,
  ExchangeStatusUnknownError,
} from "../../../worker/services/exchange/index.ts";
import { SimulatedMarket } from "../../../worker/services/markets/sim/market.ts";
import { BinanceVenue, LIVE_POLL_INTERVAL_MS } from "../../../worker/services/trading/binance-venue.ts";
import type { VenueOrder } from "../../../worker/services/trading/venue.ts";
import { VenueRefusedError } from "../../../worker/services/trading/venue.ts";
import { type BinanceStandin, startBinanceStandin } from "../../support/binance-standin/server.ts";

/**
 * The Binance venue against the stand-in, in Node: how each exchange outcome reaches the order
 * desk (a refusal it rejects on, or an error that keeps the step pending), that a resumed
 * submit finds the order instead of placing it again, and that resting orders are asked about
 * at most once per poll interval. The desk and the ledger around it: test/worker/live/.
 */

let standin: BinanceStandin;
let exchange: BinanceSpot;
let venue: BinanceVenue;
const market = new SimulatedMarket();

beforeAll(async () => {
  standin = await startBinanceStandin({ port: 0 });
  const account = standin.addAccount();
  exchange = new BinanceSpot({ apiKey: account.apiKey, apiSecret: account.secretKey, baseUrl: standin.url });
  venue = new BinanceVenue(exchange, market);
});

afterAll(async () => {
  await standin.close();
});

function limitBuy(priceMinor: bigint, quantityMinor = 20_000n): VenueOrder {
  return {
    id: crypto.randomUUID(),
    symbol: "BTC-USDT",
    side: "buy",
    type: "limit",
    quantityMinor,
    priceMinor,
  };
}

async function farBelow(): Promise<bigint> {
  const last = (await market.ticker("BTC-USDT")).lastMinor;
  return ((last * 6n) / 10n / 10_000n) * 10_000n;
}

describe("BinanceVenue", () => {
  it("places a limit order that rests, with the exchange's order id in its receipt", async () => {
    const order = limitBuy(await farBelow());
    const execution = await venue.submit(order);
    expect(execution).toMatchObject({ slices: [], rests: true, bookExhausted: false });
    expect(execution.venue).toMatchObject({ lastTradeId: null, commission: null });
    expect(Number(execution.venue?.exchangeOrderId)).toBeGreaterThan(0);
  });

  it("a resumed submit (mayExist) finds the order the first attempt placed: nothing is sent twice", async () => {
    const order = limitBuy(await farBelow());
    const first = await venue.submit(order);
    const posts = standin.requestCounts.get("POST /api/v3/order") ?? 0;
    const again = await venue.submit(order, { mayExist: true });
    expect(again.venue?.exchangeOrderId).toBe(first.venue?.exchangeOrderId);
    expect(standin.requestCounts.get("POST /api/v3/order") ?? 0).toBe(posts);
    expect(
      standin
        .orders(exchangeKey())
        .filter((placed) => placed.clientOrderId.endsWith(order.id.replaceAll("-", ""))),
    ).toHaveLength(1);
  });

  it("a filter failure and the account's balance are refusals: the desk rejects and releases", async () => {
    const priceMinor = await farBelow();
    // 0.000001 BTC is below the lot size: refused by the cached rules before sending.
    await expect(venue.submit(limitBuy(priceMinor, 100n))).rejects.toMatchObject({
      name: "VenueRefusedError",
      reason: "exchange_filter_failure",
      detail: expect.objectContaining({ filter: "LOT_SIZE", refusedLocally: "true" }),
    });
    // 100 BTC at 60 % of the price is far more USDT than a testnet account holds: -2010.
    const refusal = await venue
      .submit(limitBuy(priceMinor, 10_000_000_000n))
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(VenueRefusedError);
    expect(refusal).toMatchObject({
      reason: "exchange_insufficient_balance",
      detail: expect.objectContaining({ exchangeCode: -2010 }),
    });
  });

  it("a rate limit is not a refusal: passed on with its wait, so the step stays pending", async () => {
    standin.injectFault({ method: "POST", path: "/api/v3/order", answerStatus: 429, beforeExecute: true });
    // Its own adapter: after a 429 the adapter sends nothing until the wait is over.
    const limited = new BinanceVenue(
      new BinanceSpot({ apiKey: exchangeKey(), apiSecret: exchangeSecret(), baseUrl: standin.url }),
      market,
    );
    const error = await limited.submit(limitBuy(await farBelow())).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExchangeRateLimitError);
    expect(error).not.toBeInstanceOf(VenueRefusedError);
    expect((error as ExchangeRateLimitError).retryAfterMs).toBeGreaterThan(0);
    expect((error as ExchangeRateLimitError).status).toBe(503);
  });

  it("an unknown outcome whose look-ups fail too is passed on, never turned into a refusal", async () => {
    const unknownVenue = new BinanceVenue(
      new BinanceSpot({
        apiKey: standin.addAccount().apiKey,
        apiSecret: "x".repeat(64),
        baseUrl: standin.url,
        sleep: async () => undefined,
      }),
      market,
    );
    // A wrong secret is a definite refusal (-1022) ...
    await expect(unknownVenue.submit(limitBuy(await farBelow()))).rejects.toMatchObject({
      reason: "exchange_signature",
    });
    // ... while an answer lost after executing, with the look-up failing, stays unknown.
    standin.injectFault({ method: "POST", path: "/api/v3/order", hangUp: true });
    standin.injectFault({ method: "GET", path: "/api/v3/order", answerStatus: 503, beforeExecute: true });
    standin.injectFault({ method: "GET", path: "/api/v3/order", answerStatus: 503, beforeExecute: true });
    const fast = new BinanceVenue(
      new BinanceSpot({
        apiKey: exchangeKey(),
        apiSecret: exchangeSecret(),
        baseUrl: standin.url,
        sleep: async () => undefined,
      }),
      market,
    );
    const error = await fast.submit(limitBuy(await farBelow())).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExchangeStatusUnknownError);
  });

  it("a resting order is asked about at most once per poll interval", async () => {
    const order = limitBuy(await farBelow());
    const execution = await venue.submit(order);
    const resting = {
      id: order.id,
      symbol: order.symbol,
      side: order.side,
      priceMinor: order.priceMinor ?? 0n,
      remainingMinor: order.quantityMinor ?? 0n,
      checkedUntilMs: Date.now(),
      venueTradeId: execution.venue?.lastTradeId ?? null,
    };
    const queries = () => standin.requestCounts.get("GET /api/v3/order") ?? 0;
    const before = queries();
    const early = await venue.check(resting, resting.checkedUntilMs + LIVE_POLL_INTERVAL_MS - 1);
    expect(early).toEqual({ slices: [], checkedUntilMs: resting.checkedUntilMs });
    expect(queries()).toBe(before);
    const due = await venue.check(resting, resting.checkedUntilMs + LIVE_POLL_INTERVAL_MS);
    expect(due).toMatchObject({
      slices: [],
      closed: false,
      checkedUntilMs: resting.checkedUntilMs + LIVE_POLL_INTERVAL_MS,
    });
    expect(queries()).toBe(before + 1);
    const cancelled = await venue.cancel(resting);
    expect(cancelled).toMatchObject({ slices: [], closed: true });
  });
});

let account: { apiKey: string; secretKey: string } | undefined;
function exchangeKey(): string {
  return firstAccount().apiKey;
}
function exchangeSecret(): string {
  return firstAccount().secretKey;
}
function firstAccount(): { apiKey: string; secretKey: string } {
  if (!account) {
    const first = standin.exchange.accounts.values().next().value;
    if (!first) throw new Error("no stand-in account");
    account = { apiKey: first.apiKey, secretKey: first.secretKey };
  }
  return account;
}
