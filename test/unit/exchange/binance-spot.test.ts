import { createHmac } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, onTestFinished as onFinished } from "vitest";
import {
  BinanceSpot,
  ExchangeError,
  ExchangeFilterError,
  ExchangeRateLimitError,
  ExchangeStatusUnknownError,
  WeightBudgetError,
} from "../../../worker/services/exchange/index.ts";
import { createHmacSigner, encodeParams, signParams } from "../../../worker/services/exchange/signing.ts";
import type { FetchLike } from "../../../worker/services/markets/http.ts";
import { type BinanceStandin, startBinanceStandin } from "../../support/binance-standin/server.ts";
import { adapterOn, dropBeforeSending, loseAnswers, timeoutError, transcript } from "./support.ts";

/**
 * The Binance Spot adapter: signing (Binance's own known answers), error mapping (each code
 * driven through the stand-in), unknown-status recovery (lost answers, requests that never
 * arrived, requests that arrive too late) and the request-weight budget.
 */

// Binance's published example keys and payloads (REST API docs, "SIGNED Endpoint Examples for
// POST /api/v3/order", HMAC keys); illustrative only.
const DOCS_API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
const DOCS_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
const DOCS_PARAMS = [
  ["symbol", "LTCBTC"],
  ["side", "BUY"],
  ["type", "LIMIT"],
  ["timeInForce", "GTC"],
  ["quantity", "1"],
  ["price", "0.1"],
  ["recvWindow", "5000"],
  ["timestamp", "1499827319559"],
] as const;

const BTC = 100_000_000n; // base minor units per BTC
const USDT = 1_000_000n; // quote minor units per USDT

let standin: BinanceStandin;

beforeAll(async () => {
  standin = await startBinanceStandin({ port: 0 });
});

afterAll(async () => {
  await standin.close();
});

/** A BTC-USDT bid at half the market price: accepted, and never filled while the test runs. */
function farBidMinor(): bigint {
  const spec = standin.exchange.symbols.get("BTCUSDT");
  if (!spec) throw new Error("BTCUSDT missing");
  const lastMinor = standin.exchange.lastPrice(spec, standin.now()) / 100n; // E8 -> USDT micro-units
  return (lastMinor / 2n / 10_000n) * 10_000n;
}

function ordersWithClientId(apiKey: string, clientOrderId: string) {
  return standin.orders(apiKey).filter((order) => order.clientOrderId === clientOrderId);
}

describe("signing", () => {
  it("matches Binance's known answer for the ASCII example", async () => {
    const payload = encodeParams(DOCS_PARAMS);
    expect(payload).toBe(
      "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
    );
    expect(await createHmacSigner(DOCS_SECRET).sign(payload)).toBe(
      "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71",
    );
    expect(await signParams(createHmacSigner(DOCS_SECRET), DOCS_PARAMS)).toBe(
      `${payload}&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71`,
    );
  });

  it("percent-encodes before signing, as Binance's non-ASCII example requires", async () => {
    const params = DOCS_PARAMS.map(
      ([name, value]) => [name, name === "symbol" ? "１２３４５６" : value] as const,
    );
    const payload = encodeParams(params);
    expect(payload).toBe(
      "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
    );
    expect(await createHmacSigner(DOCS_SECRET).sign(payload)).toBe(
      "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3",
    );
  });

  it("signs exactly the bytes it sends: any parameters round-trip and verify with an independent HMAC", async () => {
    const signer = createHmacSigner(DOCS_SECRET);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 24 })), {
          maxLength: 8,
        }),
        async (params) => {
          const signed = await signParams(signer, params);
          const at = signed.lastIndexOf("&signature=");
          const payload = at === -1 ? "" : signed.slice(0, at);
          const signature = signed.slice(signed.lastIndexOf("signature=") + "signature=".length);
          expect(signature).toBe(createHmac("sha256", DOCS_SECRET).update(payload).digest("hex"));
          const decoded = [...new URLSearchParams(signed)].slice(0, -1);
          expect(decoded).toEqual(params);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("puts the whole signed payload in the body of a POST, and the key only in X-MBX-APIKEY", async () => {
    const requests: { url: string; init: RequestInit | undefined }[] = [];
    const capture: FetchLike = async (input, init) => {
      requests.push({ url: input, init });
      if (new URL(input).pathname === "/api/v3/time") return Response.json({ serverTime: 1_499_827_319_000 });
      if (new URL(input).pathname === "/api/v3/exchangeInfo")
        return fetch(`${standin.url}/api/v3/exchangeInfo`);
      return Response.json({ code: -1013, msg: "Filter failure: NOTIONAL" }, { status: 400 });
    };
    const adapter = new BinanceSpot({
      apiKey: DOCS_API_KEY,
      apiSecret: DOCS_SECRET,
      baseUrl: "https://api.binance.invalid",
      fetch: capture,
      now: () => 1_499_827_319_000,
    });
    await expect(
      adapter.placeOrder({
        orderId: "0b8c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3",
        symbol: "BTC-USDT",
        side: "buy",
        type: "limit",
        quantityMinor: BTC / 1_000n,
        priceMinor: 50_000n * USDT,
      }),
    ).rejects.toBeInstanceOf(ExchangeFilterError);
    const order = requests.find((request) => new URL(request.url).pathname === "/api/v3/order");
    expect(order?.url).toBe("https://api.binance.invalid/api/v3/order");
    expect(order?.init?.method).toBe("POST");
    const headers = new Headers(order?.init?.headers);
    expect(headers.get("X-MBX-APIKEY")).toBe(DOCS_API_KEY);
    expect(headers.get("Content-Type")).toBe("application/x-www-form-urlencoded");
    const body = String(order?.init?.body);
    const expectedPayload =
      "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000" +
      "&newClientOrderId=chx0b8c1d2e3f404a5b8c6d7e8f90a1b2c3&newOrderRespType=FULL&recvWindow=5000&timestamp=1499827319000";
    expect(body).toBe(
      `${expectedPayload}&signature=${createHmac("sha256", DOCS_SECRET).update(expectedPayload).digest("hex")}`,
    );
    expect(body).not.toContain(DOCS_API_KEY);
    expect(body).not.toContain(DOCS_SECRET);
  });
});

describe("orders against the stand-in", () => {
  it("places a market order and answers exact fills in minor units", async () => {
    const account = standin.addAccount();
    const { adapter } = adapterOn(standin, account);
    const orderId = crypto.randomUUID();
    const { order, recovered } = await adapter.placeOrder({
      orderId,
      symbol: "BTC-USDT",
      side: "buy",
      type: "market",
      quantityMinor: 2n * (BTC / 1_000n),
    });
    expect(recovered).toBe(false);
    expect(order).toMatchObject({ orderId, status: "FILLED", side: "buy", type: "market" });
    expect(order.executedQuantityMinor).toBe(200_000n);
    expect(order.fills.reduce((sum, fill) => sum + fill.quantityMinor, 0n)).toBe(200_000n);
    for (const fill of order.fills) {
      expect(fill.commissionAsset).toBe("BTC");
      expect(fill.commissionMinor).toBe(fill.quantityMinor / 1_000n);
      expect(fill.liquidity).toBe("taker");
    }
    // The quote spent is exactly the sum of price x quantity of the fills (USDT here to 6 places).
    const spent = order.fills.reduce((sum, fill) => sum + (fill.priceMinor * fill.quantityMinor) / BTC, 0n);
    expect(order.cumulativeQuoteMinor).toBe(spent);
    const balances = await adapter.account();
    const usdt = balances.balances.find((balance) => balance.asset === "USDT");
    expect(usdt?.freeMinor).toBe(10_000n * USDT - spent);
    expect(balances.balances.find((balance) => balance.asset === "BNB")).toEqual({
      asset: "BNB",
      freeText: "1000.00000000",
      lockedText: "0.00000000",
    });
  });

  it("places a quote-sized market buy, and a limit order it finds, lists and cancels", async () => {
    const account = standin.addAccount();
    const { adapter } = adapterOn(standin, account);
    const quoteBuy = await adapter.placeOrder({
      orderId: crypto.randomUUID(),
      symbol: "ETH-USDT",
      side: "buy",
      type: "market",
      quoteAmountMinor: 25n * USDT,
    });
    expect(quoteBuy.order.status).toBe("FILLED");
    expect(quoteBuy.order.origQuoteAmountMinor).toBe(25n * USDT);
    expect(quoteBuy.order.cumulativeQuoteMinor).toBeLessThanOrEqual(25n * USDT);

    const orderId = crypto.randomUUID();
    const price = farBidMinor();
    const limit = await adapter.placeOrder({
      orderId,
      symbol: "BTC-USDT",
      side: "buy",
      type: "limit",
      quantityMinor: BTC / 1_000n,
      priceMinor: price,
    });
    expect(limit.order).toMatchObject({
      status: "NEW",
      priceMinor: price,
      executedQuantityMinor: 0n,
      fills: [],
    });
    expect(await adapter.queryOrder("BTC-USDT", orderId)).toMatchObject({ orderId, status: "NEW" });
    expect((await adapter.openOrders("BTC-USDT")).map((order) => order.orderId)).toEqual([orderId]);
    expect((await adapter.openOrders()).map((order) => order.orderId)).toEqual([orderId]);
    const canceled = await adapter.cancelOrder("BTC-USDT", orderId);
    expect(canceled).toMatchObject({ orderId, status: "CANCELED", executedQuantityMinor: 0n });
    expect(await adapter.openOrders("BTC-USDT")).toEqual([]);
    expect(standin.balances(account.apiKey).USDT).toEqual({
      free: usdtText(10_000n * USDT - quoteBuy.order.cumulativeQuoteMinor),
      locked: "0.00000000",
    });
  });

  it("picks up a resting limit order's fills once the market trades through it", async () => {
    // Its own stand-in: the test moves the exchange's clock an hour on.
    const standin = await startBinanceStandin({ port: 0 });
    onFinished(() => standin.close());
    const account = standin.addAccount();
    const { adapter } = adapterOn(standin, account);
    const spec = standin.exchange.symbols.get("BTCUSDT");
    if (!spec) throw new Error("BTCUSDT missing");
    // A bid under the book, halfway down to the lowest trade of the coming hours: it rests now,
    // and the simulated market (seeded: the same path every run) trades through it later.
    const now = standin.now();
    const bidMinor = (standin.exchange.book(spec, now, 1).bids[0]?.price ?? 0n) / 100n; // E8 -> micro-USDT
    let aheadMs = 0;
    let lowMinor = bidMinor;
    for (let hours = 1; hours <= 72 && lowMinor >= bidMinor - 20_000n; hours++) {
      aheadMs = hours * 3_600_000;
      lowMinor = standin.exchange.market.rangeBetween("BTC-USDT", now + 1_000, now + aheadMs).lowMinor;
    }
    const priceMinor = ((lowMinor + (bidMinor - lowMinor) / 2n) / 10_000n) * 10_000n;
    expect(priceMinor).toBeLessThan(bidMinor);
    expect(priceMinor).toBeGreaterThanOrEqual(lowMinor);
    const orderId = crypto.randomUUID();
    const placed = await adapter.placeOrder({
      orderId,
      symbol: "BTC-USDT",
      side: "buy",
      type: "limit",
      quantityMinor: BTC / 1_000n,
      priceMinor,
    });
    expect(placed.order.status).toBe("NEW");

    standin.advanceClock(aheadMs);
    await adapter.serverTime();
    const filled = await adapter.queryOrder("BTC-USDT", orderId);
    expect(filled?.status).toBe("FILLED");
    const trades = await adapter.myTrades("BTC-USDT", { exchangeOrderId: placed.order.exchangeOrderId });
    expect(trades.reduce((sum, trade) => sum + trade.quantityMinor, 0n)).toBe(BTC / 1_000n);
    for (const trade of trades) {
      expect(trade).toMatchObject({ priceMinor, liquidity: "maker", side: "buy", commissionAsset: "BTC" });
    }
    // Filled at its own price: exactly price x quantity left the account, nothing stays locked.
    expect(standin.balances(account.apiKey).USDT?.locked).toBe("0.00000000");
  });
});

describe("errors mapped from Binance's {code, msg}", () => {
  it("-1022: a wrong secret", async () => {
    const account = standin.addAccount();
    const { adapter } = adapterOn(standin, { apiKey: account.apiKey, secretKey: `${account.secretKey}x` });
    const error = await adapter.account().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExchangeError);
    expect(error).toMatchObject({ kind: "signature", exchangeCode: -1022, httpStatus: 400, definite: true });
  });

  it("-2015 / -2014: an unknown or malformed key", async () => {
    const { adapter } = adapterOn(standin, { apiKey: "A".repeat(64), secretKey: "B".repeat(64) });
    await expect(adapter.account()).rejects.toMatchObject({
      kind: "invalid_key",
      exchangeCode: -2015,
      httpStatus: 401,
    });
    const { adapter: malformed } = adapterOn(standin, { apiKey: "not-a-key!", secretKey: "B".repeat(64) });
    await expect(malformed.account()).rejects.toMatchObject({ kind: "invalid_key", exchangeCode: -2014 });
  });

  it("-1021: a stale timestamp resyncs the clock and retries once", async () => {
    const standin = await startBinanceStandin({ port: 0 });
    onFinished(() => standin.close());
    const account = standin.addAccount();
    const { adapter, records } = adapterOn(standin, account);
    await adapter.serverTime();
    standin.advanceClock(10_000); // the exchange's clock jumps: our offset is now 10 s stale
    const answer = await adapter.account();
    expect(answer.canTrade).toBe(true);
    expect(transcript(records).slice(-3)).toEqual([
      "GET /api/v3/account 400",
      "GET /api/v3/time 200",
      "GET /api/v3/account 200",
    ]);
    expect(records.at(-3)?.body).toEqual({
      code: -1021,
      msg: "Timestamp for this request is outside of the recvWindow.",
    });
    expect(adapter.clockOffsetMs).toBeGreaterThan(9_000);
  });

  it("-1021 that a resync cannot fix is answered as a timestamp error, after exactly one retry", async () => {
    const account = standin.addAccount();
    // The time endpoint lies by 30 s (a broken proxy), so every signed request is stale.
    const lyingClock: FetchLike = async (input, init) => {
      const response = await fetch(input, init);
      if (new URL(input).pathname !== "/api/v3/time") return response;
      const { serverTime } = (await response.json()) as { serverTime: number };
      return Response.json({ serverTime: serverTime - 30_000 });
    };
    const { adapter, records } = adapterOn(standin, account, { fetch: lyingClock });
    await expect(adapter.account()).rejects.toMatchObject({
      kind: "timestamp",
      exchangeCode: -1021,
      httpStatus: 400,
    });
    expect(transcript(records)).toEqual([
      "GET /api/v3/time 200",
      "GET /api/v3/account 400",
      "GET /api/v3/time 200",
      "GET /api/v3/account 400",
    ]);
  });

  it("-1013: a filter failure, refused locally from the cached rules or by the exchange", async () => {
    const account = standin.addAccount();
    const { adapter, records } = adapterOn(standin, account);
    const local = await adapter
      .placeOrder({
        orderId: crypto.randomUUID(),
        symbol: "BTC-USDT",
        side: "buy",
        type: "limit",
        quantityMinor: 1_500n, // 0.000015 BTC: not on the 0.00001 step
        priceMinor: farBidMinor(),
      })
      .catch((caught: unknown) => caught);
    expect(local).toBeInstanceOf(ExchangeFilterError);
    expect(local).toMatchObject({ filter: "LOT_SIZE", local: true, kind: "filter_failure", status: 400 });
    expect(transcript(records).some((line) => line.startsWith("POST"))).toBe(false);

    // PERCENT_PRICE_BY_SIDE needs the exchange's average price: only the exchange can refuse it.
    const remote = await adapter
      .placeOrder({
        orderId: crypto.randomUUID(),
        symbol: "BTC-USDT",
        side: "buy",
        type: "limit",
        quantityMinor: BTC / 1_000n,
        priceMinor: (farBidMinor() / 5n / 10_000n) * 10_000n, // a tenth of the market: below 0.2x
      })
      .catch((caught: unknown) => caught);
    expect(remote).toMatchObject({
      filter: "PERCENT_PRICE_BY_SIDE",
      local: false,
      exchangeCode: -1013,
      httpStatus: 400,
      definite: true,
    });
  });

  it("-2010: insufficient balance on the exchange account", async () => {
    const account = standin.addAccount({ balances: { USDT: "10" } });
    const { adapter } = adapterOn(standin, account);
    const error = await adapter
      .placeOrder({
        orderId: crypto.randomUUID(),
        symbol: "BTC-USDT",
        side: "buy",
        type: "limit",
        quantityMinor: BTC / 1_000n,
        priceMinor: farBidMinor(),
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      kind: "insufficient_balance",
      exchangeCode: -2010,
      httpStatus: 400,
      definite: true,
      message: "Binance /api/v3/order: Account has insufficient balance for requested action. (-2010)",
    });
    expect(standin.orders(account.apiKey)).toEqual([]);
  });

  it("-2011 / -2013: an unknown order", async () => {
    const account = standin.addAccount();
    const { adapter } = adapterOn(standin, account);
    const orderId = crypto.randomUUID();
    expect(await adapter.queryOrder("BTC-USDT", orderId)).toBeNull();
    await expect(adapter.cancelOrder("BTC-USDT", orderId)).rejects.toMatchObject({
      kind: "unknown_order",
      exchangeCode: -2011,
      status: 404,
    });
  });

  it("a cancel that arrives after the fill answers the order's final state", async () => {
    const account = standin.addAccount();
    const { adapter } = adapterOn(standin, account);
    const orderId = crypto.randomUUID();
    await adapter.placeOrder({
      orderId,
      symbol: "SOL-USDT",
      side: "buy",
      type: "market",
      quantityMinor: BTC / 10n,
    });
    expect(await adapter.cancelOrder("SOL-USDT", orderId)).toMatchObject({ orderId, status: "FILLED" });
  });

  it("-1003 / 429 with Retry-After: typed, and nothing more is sent until the wait is over", async () => {
    const limited = await startBinanceStandin({ port: 0, weightLimitPerMinute: 30 });
    try {
      const account = limited.addAccount();
      const { adapter, records } = adapterOn(limited, account, { weightCeilingPerMinute: 6_000 });
      await adapter.account(); // time (1) + account (20)
      const refused = await adapter.account().catch((caught: unknown) => caught);
      expect(refused).toBeInstanceOf(ExchangeRateLimitError);
      expect(refused).toMatchObject({
        kind: "rate_limited",
        exchangeCode: -1003,
        httpStatus: 429,
        banned: false,
      });
      const retryAfterMs = (refused as ExchangeRateLimitError).retryAfterMs ?? 0;
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(retryAfterMs).toBeLessThanOrEqual(60_000);
      const sent = records.length;
      await expect(adapter.account()).rejects.toBeInstanceOf(WeightBudgetError);
      await expect(adapter.ping()).rejects.toMatchObject({ kind: "weight_budget" });
      expect(records.length).toBe(sent); // never hammer: refused locally
    } finally {
      await limited.close();
    }
  });

  it("-1015: too many new orders holds back orders only; reads and cancels go on", async () => {
    const slow = await startBinanceStandin({ port: 0, ordersPer10s: 1 });
    onFinished(() => slow.close());
    const account = slow.addAccount();
    const { adapter, records } = adapterOn(slow, account);
    const market = {
      symbol: "BTC-USDT" as const,
      side: "buy" as const,
      type: "market" as const,
      quantityMinor: BTC / 1_000n,
    };
    await adapter.placeOrder({ ...market, orderId: crypto.randomUUID() });
    const refused = await adapter
      .placeOrder({ ...market, orderId: crypto.randomUUID() })
      .catch((caught: unknown) => caught);
    expect(refused).toMatchObject({
      kind: "rate_limited",
      exchangeCode: -1015,
      httpStatus: 429,
      retryAfterMs: 10_000,
    });
    const posts = transcript(records).filter((line) => line.startsWith("POST")).length;
    await expect(adapter.placeOrder({ ...market, orderId: crypto.randomUUID() })).rejects.toBeInstanceOf(
      ExchangeRateLimitError,
    );
    expect(transcript(records).filter((line) => line.startsWith("POST")).length).toBe(posts);
    expect((await adapter.account()).canTrade).toBe(true);
  });

  it("418: a client that keeps going is banned; the ban's Retry-After is honoured", async () => {
    const strict = await startBinanceStandin({ port: 0, weightLimitPerMinute: 20, banAfterRefusals: 0 });
    try {
      const account = strict.addAccount();
      const { adapter } = adapterOn(strict, account, { weightCeilingPerMinute: 6_000 });
      const error = await adapter.account().catch((caught: unknown) => caught);
      expect(error).toMatchObject({
        kind: "rate_limited",
        httpStatus: 418,
        banned: true,
        retryAfterMs: 120_000,
      });
      expect((error as ExchangeError).headers).toEqual({ "Retry-After": "120" });
    } finally {
      await strict.close();
    }
  });
});

describe("unknown status: the order is asked for by its client order id", () => {
  it("a timeout after the exchange accepted a market order: found, with its real fills", async () => {
    const account = standin.addAccount();
    const { adapter, records } = adapterOn(standin, account, { fetch: loseAnswers("POST", "/api/v3/order") });
    const orderId = crypto.randomUUID();
    const placed = await adapter.placeOrder({
      orderId,
      symbol: "BTC-USDT",
      side: "buy",
      type: "market",
      quantityMinor: BTC / 1_000n,
    });
    expect(placed.recovered).toBe(true);
    expect(placed.order).toMatchObject({ orderId, status: "FILLED", executedQuantityMinor: BTC / 1_000n });
    const onExchange = ordersWithClientId(account.apiKey, placed.order.clientOrderId);
    expect(onExchange).toHaveLength(1);
    expect(placed.order.fills.map((fill) => fill.tradeId)).toEqual(
      standin.exchange.accounts.get(account.apiKey)?.trades.map((trade) => trade.id),
    );
    expect(
      transcript(records).filter((line) => !line.includes("/time") && !line.includes("exchangeInfo")),
    ).toEqual(["POST /api/v3/order no answer", "GET /api/v3/order 200", "GET /api/v3/myTrades 200"]);
  });

  it("a real timeout (the answer stalls) on a resting limit order: found NEW", async () => {
    const account = standin.addAccount();
    const { adapter } = adapterOn(standin, account, { timeoutMs: 400 });
    standin.injectFault({ method: "POST", path: "/api/v3/order", stallAfterMs: 1_000 });
    const orderId = crypto.randomUUID();
    const placed = await adapter.placeOrder({
      orderId,
      symbol: "BTC-USDT",
      side: "buy",
      type: "limit",
      quantityMinor: BTC / 1_000n,
      priceMinor: farBidMinor(),
    });
    expect(placed).toMatchObject({ recovered: true, order: { orderId, status: "NEW", fills: [] } });
    await standin.idle();
    expect(standin.orders(account.apiKey)).toHaveLength(1);
  });

  it("a timeout before the order reached the exchange: not found, so one more send places it exactly once", async () => {
    const account = standin.addAccount();
    const { adapter, records } = adapterOn(standin, account, {
      fetch: dropBeforeSending("POST", "/api/v3/order"),
    });
    const orderId = crypto.randomUUID();
    const placed = await adapter.placeOrder({
      orderId,
      symbol: "BTC-USDT",
      side: "sell",
      type: "market",
      quantityMinor: BTC / 1_000n,
    });
    expect(placed).toMatchObject({ recovered: false, order: { orderId, status: "FILLED" } });
    expect(standin.orders(account.apiKey)).toHaveLength(1);
    expect(
      transcript(records).filter((line) => !line.includes("/time") && !line.includes("exchangeInfo")),
    ).toEqual(["POST /api/v3/order no answer", "GET /api/v3/order 400", "POST /api/v3/order 200"]);
  });

  it("a request that reaches the engine after its recvWindow is refused there, so the second send is the only order", async () => {
    const account = standin.addAccount();
    const { adapter } = adapterOn(standin, account, { timeoutMs: 400, recvWindowMs: 800 });
    // The first send arrives, then stalls past its recvWindow before the engine sees it.
    standin.injectFault({ method: "POST", path: "/api/v3/order", stallBeforeMs: 1_600 });
    const orderId = crypto.randomUUID();
    const placed = await adapter.placeOrder({
      orderId,
      symbol: "BTC-USDT",
      side: "buy",
      type: "market",
      quantityMinor: BTC / 1_000n,
    });
    expect(placed.order.status).toBe("FILLED");
    await standin.idle(); // the stalled first send has now met the engine, and been refused
    expect(standin.orders(account.apiKey)).toHaveLength(1);
  });

  it("a request that reaches the engine late but inside its recvWindow is found, not sent twice", async () => {
    const account = standin.addAccount();
    const { adapter } = adapterOn(standin, account, { timeoutMs: 400, recvWindowMs: 1_500 });
    // Executed 800 ms after it was sent: after our timeout, before its recvWindow ends. Asking
    // at once would miss it and a second send would buy twice; the adapter asks after the window.
    standin.injectFault({ method: "POST", path: "/api/v3/order", stallBeforeMs: 800 });
    const placed = await adapter.placeOrder({
      orderId: crypto.randomUUID(),
      symbol: "BTC-USDT",
      side: "buy",
      type: "market",
      quantityMinor: BTC / 1_000n,
    });
    expect(placed).toMatchObject({ recovered: true, order: { status: "FILLED" } });
    await standin.idle();
    expect(standin.orders(account.apiKey)).toHaveLength(1);
  });

  it("a 5xx after the exchange acted is unknown, not failed: found", async () => {
    const account = standin.addAccount();
    const { adapter } = adapterOn(standin, account);
    standin.injectFault({ method: "POST", path: "/api/v3/order", answerStatus: 503 });
    const placed = await adapter.placeOrder({
      orderId: crypto.randomUUID(),
      symbol: "ETH-BTC",
      side: "buy",
      type: "market",
      quantityMinor: BTC / 100n,
    });
    expect(placed).toMatchObject({ recovered: true, order: { status: "FILLED", symbol: "ETH-BTC" } });
    expect(standin.orders(account.apiKey)).toHaveLength(1);
  });

  it("a 5xx before the exchange acted: not found, placed by the second send", async () => {
    const account = standin.addAccount();
    const { adapter } = adapterOn(standin, account);
    standin.injectFault({ method: "POST", path: "/api/v3/order", answerStatus: 502, beforeExecute: true });
    const placed = await adapter.placeOrder({
      orderId: crypto.randomUUID(),
      symbol: "BTC-USDT",
      side: "buy",
      type: "market",
      quantityMinor: BTC / 1_000n,
    });
    expect(placed.recovered).toBe(false);
    expect(standin.orders(account.apiKey)).toHaveLength(1);
  });

  it("when every send is lost before arriving: not_placed, definite, safe to retry later", async () => {
    const account = standin.addAccount();
    const { adapter } = adapterOn(standin, account, { fetch: dropBeforeSending("POST", "/api/v3/order", 5) });
    const error = await adapter
      .placeOrder({
        orderId: crypto.randomUUID(),
        symbol: "BTC-USDT",
        side: "buy",
        type: "market",
        quantityMinor: BTC / 1_000n,
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: "not_placed", definite: true, retryable: true });
    expect(standin.orders(account.apiKey)).toEqual([]);
  });

  it("when the question cannot be asked either, the status stays unknown (the caller resumes later)", async () => {
    const account = standin.addAccount();
    let down = false;
    const flaky: FetchLike = async (input, init) => {
      if (down) throw timeoutError();
      if ((init?.method ?? "GET") === "POST") {
        const response = await fetch(input, init);
        await response.body?.cancel();
        down = true; // accepted, then the network goes away
        throw timeoutError();
      }
      return fetch(input, init);
    };
    const { adapter } = adapterOn(standin, account, { fetch: flaky });
    const orderId = crypto.randomUUID();
    const error = await adapter
      .placeOrder({ orderId, symbol: "BTC-USDT", side: "buy", type: "market", quantityMinor: BTC / 1_000n })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExchangeStatusUnknownError);
    expect(error).toMatchObject({ definite: false });

    // The resumed step says the order may exist: it is found, not placed again.
    down = false;
    const resumed = await adapter.placeOrder(
      { orderId, symbol: "BTC-USDT", side: "buy", type: "market", quantityMinor: BTC / 1_000n },
      { mayExist: true },
    );
    expect(resumed).toMatchObject({ recovered: true, order: { orderId, status: "FILLED" } });
    expect(standin.orders(account.apiKey)).toHaveLength(1);
  });

  it("a repeated placement of an open order is answered from the exchange (Duplicate order sent.)", async () => {
    const account = standin.addAccount();
    const { adapter } = adapterOn(standin, account);
    const request = {
      orderId: crypto.randomUUID(),
      symbol: "BTC-USDT" as const,
      side: "buy" as const,
      type: "limit" as const,
      quantityMinor: BTC / 1_000n,
      priceMinor: farBidMinor(),
    };
    const first = await adapter.placeOrder(request);
    const again = await adapter.placeOrder(request);
    expect(again).toMatchObject({ recovered: true, order: { exchangeOrderId: first.order.exchangeOrderId } });
    expect(standin.orders(account.apiKey)).toHaveLength(1);
  });

  it("a cancel whose answer is lost is resolved by asking: CANCELED", async () => {
    const account = standin.addAccount();
    const { adapter } = adapterOn(standin, account, { fetch: loseAnswers("DELETE", "/api/v3/order") });
    const orderId = crypto.randomUUID();
    await adapter.placeOrder({
      orderId,
      symbol: "BTC-USDT",
      side: "buy",
      type: "limit",
      quantityMinor: BTC / 1_000n,
      priceMinor: farBidMinor(),
    });
    expect(await adapter.cancelOrder("BTC-USDT", orderId)).toMatchObject({ orderId, status: "CANCELED" });
    expect(standin.balances(account.apiKey).USDT).toEqual({ free: "10000.00000000", locked: "0.00000000" });
  });
});

describe("request weight", () => {
  it("refuses locally before the ceiling would be passed, until the minute rolls over", async () => {
    // Its own stand-in: weight is counted per IP, and the other tests share this one's.
    const standin = await startBinanceStandin({ port: 0 });
    onFinished(() => standin.close());
    const account = standin.addAccount();
    let localNow = Date.now();
    const { adapter, records } = adapterOn(standin, account, {
      weightCeilingPerMinute: 50,
      now: () => localNow,
    });
    // Keep the test away from a minute boundary: the budget is per minute of exchange time.
    const intoMinute = standin.now() % 60_000;
    if (intoMinute > 50_000) {
      standin.advanceClock(60_000 - intoMinute + 100);
      localNow += 60_000 - intoMinute + 100;
    }
    await adapter.account(); // time 1 + account 20
    await adapter.exchangeInfo(); // 20: 41 used
    expect(adapter.usedWeight()).toBe(41);
    const sent = records.length;
    const refused = await adapter.account().catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(WeightBudgetError);
    const wait = (refused as WeightBudgetError).retryAfterMs ?? 0;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60_000);
    expect(records.length).toBe(sent);
    await adapter.ping(); // weight 1 still fits: 42

    standin.advanceClock(wait);
    localNow += wait;
    expect((await adapter.account()).canTrade).toBe(true);
  });

  it("takes the exchange's count when it is higher (others share the IP's weight)", async () => {
    const shared = await startBinanceStandin({ port: 0 });
    try {
      const ours = adapterOn(shared, shared.addAccount(), { weightCeilingPerMinute: 100 });
      const theirs = adapterOn(shared, shared.addAccount(), { weightCeilingPerMinute: 6_000 });
      const intoMinute = shared.now() % 60_000;
      if (intoMinute > 50_000) shared.advanceClock(60_000 - intoMinute + 100);
      for (let index = 0; index < 3; index++) await theirs.adapter.account(); // 1 + 60 on the exchange
      await ours.adapter.ping(); // the answer reports 62
      expect(ours.adapter.usedWeight()).toBe(62);
      await ours.adapter.account(); // time 1 + account 20: 83
      await expect(ours.adapter.account()).rejects.toBeInstanceOf(WeightBudgetError); // 83 + 20 > 100
    } finally {
      await shared.close();
    }
  });
});

/** USDT minor units (6 decimals) as the stand-in prints them (8 decimals), exactly. */
function usdtText(minor: bigint): string {
  return `${minor / 1_000_000n}.${(minor % 1_000_000n).toString().padStart(6, "0")}00`;
}
