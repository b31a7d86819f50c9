import { readFileSync } from "node:fs";
import { MainClient } from "binance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { E8, toE8 } from "../../support/binance-standin/exchange.ts";
import { type BinanceStandin, startBinanceStandin } from "../../support/binance-standin/server.ts";

/**
 * Faithfulness of the stand-in, judged by an independent, widely used client: the `binance`
 * npm package (sieblyio/binance), unchanged, with its own HMAC signing, parameter encoding and
 * error parsing, pointed at the stand-in with its documented `baseUrl` option. If the stand-in
 * drifted from Binance's API (paths, signature payload, parameter names, answer shapes), this
 * client would fail the way it would against the real exchange.
 */

type Row = Record<string, unknown>;

let standin: BinanceStandin;
let client: MainClient;
let apiKey: string;
let secretKey: string;

/** Balances as exact E8 integers, from the client's own account answer. */
async function balances(): Promise<Map<string, { free: bigint; locked: bigint }>> {
  const account = (await client.getAccountInformation()) as unknown as { balances: Row[] };
  return new Map(
    account.balances.map((balance) => [
      String(balance.asset),
      { free: toE8(String(balance.free)), locked: toE8(String(balance.locked)) },
    ]),
  );
}

function e8(value: unknown): bigint {
  expect(typeof value).toBe("string");
  expect(value).toMatch(/^[0-9]+\.[0-9]{8}$/);
  return toE8(String(value));
}

beforeAll(async () => {
  standin = await startBinanceStandin({ port: 0 });
  ({ apiKey, secretKey } = standin.addAccount());
  client = new MainClient({
    api_key: apiKey,
    api_secret: secretKey,
    baseUrl: standin.url,
    beautifyResponses: false,
  });
});

afterAll(async () => {
  await standin.close();
});

describe("the binance client library against the stand-in", () => {
  it("pings, reads the server time, exchangeInfo and the account", async () => {
    expect(await client.testConnectivity()).toEqual({});

    // Not getServerTime(): the library sends that one to its built-in host whatever `baseUrl` says.
    const before = standin.now();
    const { serverTime } = (await client.get("api/v3/time")) as { serverTime: number };
    expect(serverTime).toBeGreaterThanOrEqual(before);
    expect(serverTime).toBeLessThanOrEqual(standin.now());

    const info = (await client.getExchangeInfo({ symbol: "BTCUSDT" })) as unknown as {
      timezone: string;
      rateLimits: Row[];
      symbols: Row[];
    };
    expect(info.timezone).toBe("UTC");
    expect(info.rateLimits).toContainEqual({
      rateLimitType: "REQUEST_WEIGHT",
      interval: "MINUTE",
      intervalNum: 1,
      limit: 6000,
    });
    expect(info.symbols).toHaveLength(1);
    const recorded = (
      JSON.parse(readFileSync("test/fixtures/markets/binance/exchange-info.json", "utf8")) as {
        symbols: Row[];
      }
    ).symbols.find((symbol) => symbol.symbol === "BTCUSDT");
    // Filters are the recording's, byte for byte.
    expect(info.symbols[0]?.filters).toEqual(recorded?.filters);
    expect(info.symbols[0]).toMatchObject({
      symbol: "BTCUSDT",
      status: "TRADING",
      baseAsset: "BTC",
      quoteAsset: "USDT",
    });

    const several = (await client.getExchangeInfo({ symbols: ["BTCUSDT", "ETHUSDT"] })) as unknown as {
      symbols: Row[];
    };
    expect(several.symbols.map((symbol) => symbol.symbol)).toEqual(["BTCUSDT", "ETHUSDT"]);

    const account = (await client.getAccountInformation()) as unknown as Row & { balances: Row[] };
    expect(account).toMatchObject({
      makerCommission: 10,
      takerCommission: 10,
      canTrade: true,
      accountType: "SPOT",
      permissions: ["SPOT"],
      commissionRates: {
        maker: "0.00100000",
        taker: "0.00100000",
        buyer: "0.00000000",
        seller: "0.00000000",
      },
    });
    expect(account.balances).toContainEqual({ asset: "USDT", free: "10000.00000000", locked: "0.00000000" });
    expect(account.balances).toContainEqual({ asset: "BTC", free: "1.00000000", locked: "0.00000000" });
  });

  it("reads market data: price ticker, 24h ticker, depth and klines", async () => {
    const ticker = (await client.getSymbolPriceTicker({ symbol: "BTCUSDT" })) as unknown as Row;
    expect(ticker.symbol).toBe("BTCUSDT");
    const last = e8(ticker.price);
    expect(last).toBeGreaterThan(0n);

    const day = (await client.get24hrChangeStatistics({ symbol: "BTCUSDT" })) as unknown as Row;
    for (const key of ["lastPrice", "bidPrice", "askPrice", "openPrice", "highPrice", "lowPrice", "volume"]) {
      e8(day[key]);
    }
    expect(e8(day.bidPrice)).toBeLessThan(e8(day.askPrice));
    expect(e8(day.lowPrice)).toBeLessThanOrEqual(e8(day.highPrice));

    const book = (await client.getOrderBook({ symbol: "BTCUSDT", limit: 5 })) as unknown as {
      bids: [string, string][];
      asks: [string, string][];
    };
    expect(book.bids).toHaveLength(5);
    expect(book.asks).toHaveLength(5);
    expect(e8(book.bids[0]?.[0])).toBeLessThan(e8(book.asks[0]?.[0]));

    const candles = (await client.getKlines({
      symbol: "BTCUSDT",
      interval: "15m",
      limit: 3,
    })) as unknown as unknown[][];
    expect(candles).toHaveLength(3);
    const [first, second] = candles;
    expect(Number(second?.[0]) - Number(first?.[0])).toBe(15 * 60_000);
    expect(Number(first?.[6])).toBe(Number(first?.[0]) + 15 * 60_000 - 1);
  });

  it("places a LIMIT order far from the market, finds it, lists it, cancels it; the lock is released exactly", async () => {
    const start = await balances();
    const market = e8(((await client.getSymbolPriceTicker({ symbol: "BTCUSDT" })) as unknown as Row).price);
    // Half the market price, on the 0.01 tick: inside the 0.2x-5x band, nowhere near a fill.
    const price = (market / 2n / 1_000_000n) * 1_000_000n;
    const priceNumber = Number(price) / 1e8;

    const placed = (await client.submitNewOrder({
      symbol: "BTCUSDT",
      side: "BUY",
      type: "LIMIT",
      timeInForce: "GTC",
      quantity: 0.001,
      price: priceNumber,
      newOrderRespType: "FULL",
    })) as unknown as Row & { fills: Row[] };
    expect(placed).toMatchObject({
      symbol: "BTCUSDT",
      status: "NEW",
      type: "LIMIT",
      side: "BUY",
      timeInForce: "GTC",
      origQty: "0.00100000",
      executedQty: "0.00000000",
      cummulativeQuoteQty: "0.00000000",
      orderListId: -1,
      fills: [],
    });
    expect(e8(placed.price)).toBe(price);
    // The library names its orders itself (x-<broker prefix>...): the stand-in accepted its format.
    expect(String(placed.clientOrderId)).toMatch(/^x-/);
    const orderId = Number(placed.orderId);

    const locked = await balances();
    const cost = (price * 100_000n) / E8; // 0.001 BTC at `price`, exact
    expect(locked.get("USDT")).toEqual({
      free: (start.get("USDT")?.free ?? 0n) - cost,
      locked: cost,
    });

    const queried = (await client.getOrder({ symbol: "BTCUSDT", orderId })) as unknown as Row;
    expect(queried).toMatchObject({
      orderId,
      status: "NEW",
      clientOrderId: placed.clientOrderId,
      isWorking: true,
    });
    const byClientId = (await client.getOrder({
      symbol: "BTCUSDT",
      origClientOrderId: String(placed.clientOrderId),
    })) as unknown as Row;
    expect(byClientId.orderId).toBe(orderId);

    const open = (await client.getOpenOrders({ symbol: "BTCUSDT" })) as unknown as Row[];
    expect(open.map((order) => order.orderId)).toEqual([orderId]);

    const canceled = (await client.cancelOrder({ symbol: "BTCUSDT", orderId })) as unknown as Row;
    expect(canceled).toMatchObject({
      orderId,
      status: "CANCELED",
      origClientOrderId: placed.clientOrderId,
      executedQty: "0.00000000",
    });
    expect(await client.getOpenOrders({ symbol: "BTCUSDT" })).toEqual([]);
    expect(await balances()).toEqual(start);
  });

  it("fills MARKET orders; myTrades and the balances change by exactly the fills and the 0.1% commission", async () => {
    const start = await balances();
    const bought = (await client.submitNewOrder({
      symbol: "BTCUSDT",
      side: "BUY",
      type: "MARKET",
      quantity: 0.002,
    })) as unknown as Row & { fills: Row[] };
    expect(bought).toMatchObject({ status: "FILLED", executedQty: "0.00200000", type: "MARKET" });
    expect(bought.fills.length).toBeGreaterThan(0);
    let spent = 0n;
    let received = 0n;
    let commission = 0n;
    for (const fill of bought.fills) {
      expect(fill.commissionAsset).toBe("BTC");
      const quantity = e8(fill.qty);
      spent += (e8(fill.price) * quantity) / E8;
      received += quantity;
      expect(e8(fill.commission)).toBe(quantity / 1_000n); // 0.1% of what was received
      commission += e8(fill.commission);
    }
    expect(received).toBe(200_000n);
    expect(e8(bought.cummulativeQuoteQty)).toBe(spent);
    const afterBuy = await balances();
    expect(afterBuy.get("USDT")).toEqual({ free: (start.get("USDT")?.free ?? 0n) - spent, locked: 0n });
    expect(afterBuy.get("BTC")).toEqual({
      free: (start.get("BTC")?.free ?? 0n) + received - commission,
      locked: 0n,
    });

    const trades = (await client.getAccountTradeList({
      symbol: "BTCUSDT",
      orderId: Number(bought.orderId),
    })) as unknown as Row[];
    expect(trades.map((trade) => trade.id)).toEqual(bought.fills.map((fill) => fill.tradeId));
    for (const [index, trade] of trades.entries()) {
      const fill = bought.fills[index] as Row;
      expect(trade).toMatchObject({
        symbol: "BTCUSDT",
        orderId: bought.orderId,
        price: fill.price,
        qty: fill.qty,
        commission: fill.commission,
        commissionAsset: "BTC",
        isBuyer: true,
        isMaker: false,
      });
      expect(e8(trade.quoteQty)).toBe((e8(fill.price) * e8(fill.qty)) / E8);
    }

    const sold = (await client.submitNewOrder({
      symbol: "BTCUSDT",
      side: "SELL",
      type: "MARKET",
      quantity: 0.001,
    })) as unknown as Row & { fills: Row[] };
    expect(sold.status).toBe("FILLED");
    let proceeds = 0n;
    let fee = 0n;
    for (const fill of sold.fills) {
      expect(fill.commissionAsset).toBe("USDT");
      const value = (e8(fill.price) * e8(fill.qty)) / E8;
      proceeds += value;
      expect(e8(fill.commission)).toBe((value + 999n) / 1_000n); // 0.1%, rounded up to 8 decimals
      fee += e8(fill.commission);
    }
    const afterSell = await balances();
    expect(afterSell.get("USDT")?.free).toBe((afterBuy.get("USDT")?.free ?? 0n) + proceeds - fee);
    expect(afterSell.get("BTC")?.free).toBe((afterBuy.get("BTC")?.free ?? 0n) - 100_000n);

    const all = (await client.getAccountTradeList({ symbol: "BTCUSDT" })) as unknown as Row[];
    expect(all.length).toBe(bought.fills.length + sold.fills.length);
  });

  it("validates with order/test, and the client surfaces the stand-in's Binance errors", async () => {
    expect(
      await client.testNewOrder({
        symbol: "BTCUSDT",
        side: "BUY",
        type: "LIMIT",
        timeInForce: "GTC",
        quantity: 0.001,
        price: 50_000,
      }),
    ).toEqual({});
    await expect(
      client.submitNewOrder({
        symbol: "BTCUSDT",
        side: "BUY",
        type: "LIMIT",
        timeInForce: "GTC",
        quantity: 0.000001,
        price: 50_000,
      }),
    ).rejects.toMatchObject({ code: -1013, message: "Filter failure: LOT_SIZE" });
    await expect(client.getOrder({ symbol: "BTCUSDT", orderId: 42 })).rejects.toMatchObject({
      code: -2013,
      message: "Order does not exist.",
    });
    await expect(client.cancelOrder({ symbol: "BTCUSDT", orderId: 42 })).rejects.toMatchObject({
      code: -2011,
      message: "Unknown order sent.",
    });
    const wrongSecret = new MainClient({
      api_key: apiKey,
      api_secret: `${secretKey.slice(0, -1)}${secretKey.endsWith("A") ? "B" : "A"}`,
      baseUrl: standin.url,
    });
    await expect(wrongSecret.getAccountInformation()).rejects.toMatchObject({
      code: -1022,
      message: "Signature for this request is not valid.",
    });
  });
});
