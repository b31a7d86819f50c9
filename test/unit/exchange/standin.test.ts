import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BinanceStandin, startBinanceStandin } from "../../support/binance-standin/server.ts";

/**
 * The stand-in's own contract, request by request, as Binance documents it (rest-api.md,
 * errors.md): the docs' signed examples verify byte for byte, parameters may come in the query,
 * the body or both, and each kind of bad request gets Binance's code and HTTP status.
 */

const DOCS_API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
const DOCS_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
const DOCS_TIMESTAMP = 1_499_827_319_559;
const DOCS_SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function call(
  standin: BinanceStandin,
  method: string,
  pathAndQuery: string,
  options: { body?: string; apiKey?: string } = {},
): Promise<Answer> {
  const response = await fetch(`${standin.url}${pathAndQuery}`, {
    method,
    headers: {
      ...(options.apiKey ? { "X-MBX-APIKEY": options.apiKey } : {}),
      ...(options.body ? { "Content-Type": "application/x-www-form-urlencoded" } : {}),
    },
    ...(options.body ? { body: options.body } : {}),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

function signed(secret: string, payload: string): string {
  return `${payload}&signature=${createHmac("sha256", secret).update(payload).digest("hex")}`;
}

describe("Binance's own signed examples", () => {
  let standin: BinanceStandin;
  beforeAll(async () => {
    // The stand-in's clock at the docs' moment, with the docs' account.
    standin = await startBinanceStandin({
      port: 0,
      now: () => DOCS_TIMESTAMP + 100,
      accounts: [{ apiKey: DOCS_API_KEY, secretKey: DOCS_SECRET }],
    });
  });
  afterAll(async () => {
    await standin.close();
  });

  const payload =
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";

  // The signature is accepted, so the request gets as far as the symbol, which is not listed here.
  it.each([
    ["as a request body", "/api/v3/order", `${payload}&signature=${DOCS_SIGNATURE}`],
    ["as a query string", `/api/v3/order?${payload}&signature=${DOCS_SIGNATURE}`, undefined],
    [
      // The docs' example 3 (earlier editions): its signature is over "...GTCquantity=1...".
      "mixed: query string then body, concatenated without '&'",
      "/api/v3/order?symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
      "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77",
    ],
    [
      "with the signature in upper case",
      `/api/v3/order?${payload}&signature=${DOCS_SIGNATURE.toUpperCase()}`,
      undefined,
    ],
  ])("verifies %s", async (_name, path, body) => {
    const answer = await call(standin, "POST", path, { apiKey: DOCS_API_KEY, ...(body ? { body } : {}) });
    expect(answer).toMatchObject({ status: 400, body: { code: -1121, msg: "Invalid symbol." } });
  });

  it("refuses the same payload with one character of the signature changed", async () => {
    const tampered = `${DOCS_SIGNATURE.slice(0, -1)}${DOCS_SIGNATURE.endsWith("1") ? "2" : "1"}`;
    const answer = await call(standin, "POST", "/api/v3/order", {
      apiKey: DOCS_API_KEY,
      body: `${payload}&signature=${tampered}`,
    });
    expect(answer).toMatchObject({
      status: 400,
      body: { code: -1022, msg: "Signature for this request is not valid." },
    });
  });
});

describe("requests Binance refuses", () => {
  let standin: BinanceStandin;
  let apiKey: string;
  let secretKey: string;
  beforeAll(async () => {
    standin = await startBinanceStandin({ port: 0, ordersPer10s: 3 });
    ({ apiKey, secretKey } = standin.addAccount());
  });
  afterAll(async () => {
    await standin.close();
  });

  const stamp = () => `timestamp=${standin.now()}`;

  it("answers each with Binance's code, message and HTTP status", async () => {
    const cases: [string, string, { body?: string; apiKey?: string }, number, number, string][] = [
      ["GET", `/api/v3/account?${stamp()}`, {}, 401, -2014, "API-key format invalid."],
      [
        "GET",
        `/api/v3/account?${signed(secretKey, stamp())}`,
        { apiKey: "Z".repeat(64) },
        401,
        -2015,
        "Invalid API-key, IP, or permissions for action.",
      ],
      [
        "GET",
        "/api/v3/account?recvWindow=5000",
        { apiKey },
        400,
        -1102,
        "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.",
      ],
      [
        "GET",
        `/api/v3/account?${stamp()}`,
        { apiKey },
        400,
        -1102,
        "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
      ],
      [
        "GET",
        `/api/v3/account?${signed(secretKey, `timestamp=${standin.now() - 6_000}`)}`,
        { apiKey },
        400,
        -1021,
        "Timestamp for this request is outside of the recvWindow.",
      ],
      [
        "GET",
        `/api/v3/account?${signed(secretKey, `timestamp=${standin.now() + 5_000}`)}`,
        { apiKey },
        400,
        -1021,
        "Timestamp for this request was 1000ms ahead of the server's time.",
      ],
      [
        "GET",
        `/api/v3/account?${signed(secretKey, `recvWindow=60001&${stamp()}`)}`,
        { apiKey },
        400,
        -1102,
        "'recvWindow' contains unexpected value. Cannot be greater than 60000.",
      ],
      [
        "GET",
        `/api/v3/account?${signed(secretKey, `${stamp()}&colour=blue`)}`,
        { apiKey },
        400,
        -1104,
        "Not all sent parameters were read; read '2' parameter(s) but was sent '3'.",
      ],
      [
        "GET",
        `/api/v3/account?${signed(secretKey, `${stamp()}&${stamp()}`)}`,
        { apiKey },
        400,
        -1101,
        "Duplicate values for a parameter detected.",
      ],
      ["GET", "/api/v3/depth?symbol=DOGEUSDT", {}, 400, -1121, "Invalid symbol."],
      ["GET", "/api/v3/klines?symbol=BTCUSDT&interval=7m", {}, 400, -1120, "Invalid interval."],
      [
        "GET",
        `/api/v3/order?${signed(secretKey, `symbol=BTCUSDT&${stamp()}`)}`,
        { apiKey },
        400,
        -1102,
        "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
      ],
      [
        "GET",
        `/api/v3/order?${signed(secretKey, `symbol=BTCUSDT&orderId=1&${stamp()}`)}`,
        { apiKey },
        400,
        -2013,
        "Order does not exist.",
      ],
      [
        "DELETE",
        `/api/v3/order?${signed(secretKey, `symbol=BTCUSDT&orderId=1&${stamp()}`)}`,
        { apiKey },
        400,
        -2011,
        "Unknown order sent.",
      ],
      [
        "POST",
        "/api/v3/order",
        { apiKey, body: signed(secretKey, `symbol=BTCUSDT&side=BUY&type=MARKET&${stamp()}`) },
        400,
        -1102,
        "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!",
      ],
      [
        "POST",
        "/api/v3/order",
        {
          apiKey,
          body: signed(secretKey, `symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.001&price=50000&${stamp()}`),
        },
        400,
        -1102,
        "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.",
      ],
      [
        "POST",
        "/api/v3/order",
        {
          apiKey,
          body: signed(secretKey, `symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&price=1&${stamp()}`),
        },
        400,
        -1106,
        "Parameter 'price' sent when not required.",
      ],
      [
        "POST",
        "/api/v3/order",
        {
          apiKey,
          body: signed(secretKey, `symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.000000001&${stamp()}`),
        },
        400,
        -1111,
        "Parameter 'quantity' has too much precision.",
      ],
      [
        "POST",
        "/api/v3/order",
        { apiKey, body: signed(secretKey, `symbol=BTCUSDT&side=BUY&type=MARKET&quantity=1e-3&${stamp()}`) },
        400,
        -1100,
        "Illegal characters found in parameter 'quantity'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
      ],
      [
        "POST",
        "/api/v3/order",
        { apiKey, body: signed(secretKey, `symbol=BTCUSDT&side=HOLD&type=MARKET&quantity=0.001&${stamp()}`) },
        400,
        -1117,
        "Invalid side.",
      ],
      [
        "POST",
        "/api/v3/order",
        {
          apiKey,
          body: signed(
            secretKey,
            `symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&newClientOrderId=${"a".repeat(37)}&${stamp()}`,
          ),
        },
        400,
        -1100,
        "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.",
      ],
      [
        "POST",
        "/api/v3/order",
        {
          apiKey,
          body: signed(
            secretKey,
            `symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000.001&${stamp()}`,
          ),
        },
        400,
        -1013,
        "Filter failure: PRICE_FILTER",
      ],
      [
        "POST",
        "/api/v3/order",
        {
          apiKey,
          body: signed(secretKey, `symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.00001&${stamp()}`),
        },
        400,
        -1013,
        "Filter failure: NOTIONAL",
      ],
      [
        "POST",
        "/api/v3/order",
        { apiKey, body: signed(secretKey, `symbol=BTCUSDT&side=BUY&type=MARKET&quantity=200&${stamp()}`) },
        400,
        -1013,
        "Filter failure: MARKET_LOT_SIZE",
      ],
      [
        "POST",
        "/api/v3/order",
        { apiKey, body: signed(secretKey, `symbol=BTCUSDT&side=SELL&type=MARKET&quantity=5&${stamp()}`) },
        400,
        -2010,
        "Account has insufficient balance for requested action.",
      ],
      [
        "POST",
        "/api/v3/order",
        { apiKey, body: signed(secretKey, `symbol=BTCUSDT&side=BUY&type=STOP_LOSS&quantity=1&${stamp()}`) },
        400,
        -2010,
        "Stop loss orders are not supported for this symbol.",
      ],
    ];
    for (const [method, path, options, status, code, msg] of cases) {
      const answer = await call(standin, method, path, options);
      expect({ path, status: answer.status, body: answer.body }).toEqual({
        path,
        status,
        body: { code, msg },
      });
      expect(Number(answer.headers.get("X-MBX-USED-WEIGHT-1M"))).toBeGreaterThan(0);
    }
  });

  it("takes parameters from the query and the body together, the query winning", async () => {
    const query = "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001";
    const body = `quantity=0.002&${stamp()}`;
    const signature = createHmac("sha256", secretKey).update(`${query}${body}`).digest("hex");
    const answer = await call(standin, "POST", `/api/v3/order?${query}`, {
      apiKey,
      body: `${body}&signature=${signature}`,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: "FILLED", origQty: "0.00100000", executedQty: "0.00100000" });
    expect(answer.headers.get("X-MBX-ORDER-COUNT-10S")).toBe("1");
  });

  it("limits new orders per 10 seconds with -1015 and Retry-After", async () => {
    for (let index = 0; index < 2; index++) {
      const ok = await call(standin, "POST", "/api/v3/order", {
        apiKey,
        body: signed(secretKey, `symbol=ETHUSDT&side=BUY&type=MARKET&quantity=0.01&${stamp()}`),
      });
      expect(ok.status).toBe(200);
    }
    const refused = await call(standin, "POST", "/api/v3/order", {
      apiKey,
      body: signed(secretKey, `symbol=ETHUSDT&side=BUY&type=MARKET&quantity=0.01&${stamp()}`),
    });
    expect(refused).toMatchObject({
      status: 429,
      body: { code: -1015, msg: "Too many new orders; current limit is 3 orders per 10 SECOND." },
    });
    expect(refused.headers.get("Retry-After")).toBe("10");
  });
});

describe("request weight", () => {
  it("counts each endpoint's published weight, then answers 429 and finally 418", async () => {
    const standin = await startBinanceStandin({ port: 0, weightLimitPerMinute: 50, banAfterRefusals: 2 });
    try {
      const intoMinute = standin.now() % 60_000;
      if (intoMinute > 55_000) standin.advanceClock(60_000 - intoMinute + 100);
      const weights: [string, number][] = [
        ["/api/v3/ping", 1],
        ["/api/v3/time", 2],
        ["/api/v3/depth?symbol=BTCUSDT&limit=5", 7],
        ["/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=2", 9],
        ["/api/v3/ticker/price?symbol=BTCUSDT", 11],
        ["/api/v3/ticker/price", 15],
        ["/api/v3/exchangeInfo", 35],
        ["/api/v3/ticker/24hr?symbol=ETHBTC", 37],
      ];
      for (const [path, used] of weights) {
        const answer = await call(standin, "GET", path);
        expect([path, answer.status, answer.headers.get("X-MBX-USED-WEIGHT-1M")]).toEqual([
          path,
          200,
          String(used),
        ]);
      }
      const over = await call(standin, "GET", "/api/v3/exchangeInfo");
      expect(over).toMatchObject({
        status: 429,
        body: {
          code: -1003,
          msg: "Too much request weight used; current limit is 50 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
        },
      });
      expect(Number(over.headers.get("Retry-After"))).toBeGreaterThan(0);
      await call(standin, "GET", "/api/v3/exchangeInfo"); // refused again
      const banned = await call(standin, "GET", "/api/v3/exchangeInfo");
      expect(banned.status).toBe(418);
      expect(banned.body.code).toBe(-1003);
      expect(banned.headers.get("Retry-After")).toBe("120");
      // Banned: even a ping is refused until the ban is over, in the next minutes too.
      standin.advanceClock(60_000);
      expect((await call(standin, "GET", "/api/v3/ping")).status).toBe(418);
      standin.advanceClock(61_000);
      expect((await call(standin, "GET", "/api/v3/ping")).status).toBe(200);
    } finally {
      await standin.close();
    }
  });
});
