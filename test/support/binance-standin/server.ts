import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WORKERD_FACING_KEEP_ALIVE_MS } from "../../../db/server/server.ts";
import {
  type Account,
  BinanceApiError,
  badRequest,
  StandinExchange as Exchange,
  formatE8,
  type Order,
  type StandinExchange,
} from "./exchange.ts";
import {
  illegal,
  LONG,
  mandatory,
  mandatoryError,
  type Params,
  parseParams,
  randomAlphanumeric,
} from "./params.ts";
import { buildRoutes } from "./routes.ts";

/**
 * A local stand-in for Binance Spot's REST API (and the testnet's), for `npm start` and the
 * tests: the same paths, parameters (query string or form body, query first), SIGNED request
 * checks (X-MBX-APIKEY, HMAC-SHA256 over query string + body, timestamp and recvWindow),
 * filters, answers (numbers as strings with 8 decimals), `{code, msg}` errors with Binance's
 * codes and HTTP statuses, and request weight per minute in `X-MBX-USED-WEIGHT-1M` (429 with
 * Retry-After over the limit, 418 and a two-minute ban for a client that keeps going).
 * Sources: binance-spot-api-docs rest-api.md, errors.md, filters.md.
 *
 * Endpoints (routes.ts): GET ping, time, exchangeInfo, depth, klines, ticker/price,
 * ticker/24hr; POST/GET/DELETE order, POST order/test, GET openOrders, account, myTrades.
 * Parameters: params.ts. The exchange behind them: exchange.ts. Faults can be injected per
 * request (tests): stall before or after executing, answer a 5xx, hang up.
 */

export interface StandinAccountSpec {
  apiKey?: string;
  secretKey?: string;
  /** Asset -> decimal text; default: a funded testnet account. */
  balances?: Record<string, string>;
}

export interface StandinOptions {
  host?: string;
  /** 0 = any free port. */
  port?: number;
  seed?: string;
  /** The stand-in's clock before `advanceClock` (Unix ms). */
  now?: () => number;
  /** REQUEST_WEIGHT per minute; the recording's 6,000 by default. */
  weightLimitPerMinute?: number;
  /** ORDERS per 10 seconds; the recording's 50 by default. */
  ordersPer10s?: number;
  /** Requests refused with 429 in one minute before the IP is banned (418). */
  banAfterRefusals?: number;
  accounts?: StandinAccountSpec[];
}

/** A one-off fault for the next matching request. */
export interface Fault {
  method: "GET" | "POST" | "DELETE";
  path: string;
  /** The request arrived but reaches the engine this much later (it then meets the recvWindow check again). */
  stallBeforeMs?: number;
  /** Executed, but the answer leaves this much later. */
  stallAfterMs?: number;
  /** Answer this HTTP status with -1007 instead (after executing, unless `beforeExecute`). */
  answerStatus?: number;
  /** Close the connection without an answer (after executing, unless `beforeExecute`). */
  hangUp?: boolean;
  beforeExecute?: boolean;
}

export interface BinanceStandin {
  url: string;
  port: number;
  exchange: StandinExchange;
  /** A new account (random 64-character key and secret unless given), funded like a testnet account. */
  addAccount(spec?: StandinAccountSpec): { apiKey: string; secretKey: string };
  /** Balances of an account as decimal text, free and locked. */
  balances(apiKey: string): Record<string, { free: string; locked: string }>;
  /** Orders of an account, oldest first. */
  orders(apiKey: string): Order[];
  /** The stand-in's clock (Unix ms). */
  now(): number;
  /** Moves the stand-in's clock (and its market) forward. */
  advanceClock(ms: number): void;
  injectFault(fault: Fault): void;
  /** Resolves once no request is being served (stalled ones included). */
  idle(): Promise<void>;
  /** Requests served, by "METHOD path". */
  requestCounts: Map<string, number>;
  close(): Promise<void>;
}

/** Where `npm start` runs it (BINANCE_BASE_URL in .dev.vars points here). */
export const DEFAULT_STANDIN_PORT = 8790;

/** What a new Spot testnet account holds, roughly. */
export const TESTNET_FUNDING: Readonly<Record<string, string>> = {
  USDT: "10000",
  BTC: "1",
  ETH: "10",
  SOL: "100",
  BNB: "1000",
};

const DEFAULT_RECV_WINDOW_MS = 5_000;
const MAX_RECV_WINDOW_MS = 60_000;
const MAX_BODY_BYTES = 64 * 1024;
const BAN_MS = 120_000;
const MINUTE_MS = 60_000;
const API_KEY_FORMAT = /^[A-Za-z0-9]{16,128}$/;

export async function startBinanceStandin(options: StandinOptions = {}): Promise<BinanceStandin> {
  const exchange = new Exchange(options.seed === undefined ? {} : { seed: options.seed });
  const baseNow = options.now ?? Date.now;
  let clockOffsetMs = 0;
  const now = () => baseNow() + clockOffsetMs;
  const weightLimit =
    options.weightLimitPerMinute ??
    Number(exchange.rateLimits.find((limit) => limit.rateLimitType === "REQUEST_WEIGHT")?.limit ?? 6_000);
  const ordersPer10s = options.ordersPer10s ?? 50;
  const banAfterRefusals = options.banAfterRefusals ?? 10;
  const faults: Fault[] = [];
  const requestCounts = new Map<string, number>();
  // Request weight is counted per IP in fixed minutes; everything here comes from loopback.
  const limiter = { minute: -1, used: 0, refusals: 0, bannedUntilMs: 0 };

  const addAccount = (spec: StandinAccountSpec = {}) => {
    const apiKey = spec.apiKey ?? randomAlphanumeric(64);
    const secretKey = spec.secretKey ?? randomAlphanumeric(64);
    exchange.addAccount(apiKey, secretKey, spec.balances ?? TESTNET_FUNDING);
    return { apiKey, secretKey };
  };
  for (const spec of options.accounts ?? []) addAccount(spec);

  const routes = buildRoutes(exchange, { weightLimit, ordersPer10s });

  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];
  const server = createServer((request, response) => {
    inFlight++;
    void serve(request, response)
      .catch((error: unknown) => {
        if (!response.headersSent) {
          response.writeHead(500, { "Content-Type": "application/json;charset=UTF-8" });
          response.end(
            JSON.stringify({ code: -1000, msg: "An unknown error occurred while processing the request." }),
          );
        }
        process.stderr.write(
          `binance stand-in: request failed: ${error instanceof Error ? error.stack : String(error)}\n`,
        );
      })
      .finally(() => {
        inFlight--;
        if (inFlight > 0) return;
        for (const resolve of idleWaiters) resolve();
        idleWaiters = [];
      });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawUrl = request.url ?? "/";
    const queryAt = rawUrl.indexOf("?");
    const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
    const rawQuery = queryAt === -1 ? "" : rawUrl.slice(queryAt + 1);
    const method = request.method ?? "GET";
    const rawBody = await readBody(request);
    const key = `${method} ${path}`;
    const route = routes.get(key);
    if (!route || rawBody === null) {
      response.writeHead(rawBody === null ? 413 : 404, { "Content-Type": "application/json;charset=UTF-8" });
      response.end(rawBody === null ? "" : JSON.stringify({ code: -1000, msg: "Not found." }));
      return;
    }
    requestCounts.set(key, (requestCounts.get(key) ?? 0) + 1);
    const nowMs = now();
    const headers: Record<string, string> = {};
    const send = (status: number, body: unknown) => {
      const minute = Math.floor(now() / MINUTE_MS);
      const used = minute === limiter.minute ? limiter.used : 0;
      response.writeHead(status, {
        "Content-Type": "application/json;charset=UTF-8",
        "X-MBX-USED-WEIGHT": String(used),
        "X-MBX-USED-WEIGHT-1M": String(used),
        ...headers,
      });
      response.end(JSON.stringify(body));
    };
    const fail = (error: BinanceApiError) => send(error.httpStatus, { code: error.code, msg: error.message });

    // Limits come first: a banned or over-limit client learns nothing else.
    if (nowMs < limiter.bannedUntilMs) {
      headers["Retry-After"] = String(Math.ceil((limiter.bannedUntilMs - nowMs) / 1000));
      return fail(
        new BinanceApiError(
          418,
          -1003,
          `Way too much request weight used; IP banned until ${limiter.bannedUntilMs}. Please use WebSocket Streams for live updates to avoid bans.`,
        ),
      );
    }
    let params: Params;
    try {
      params = parseParams(rawQuery, rawBody);
    } catch (error) {
      if (error instanceof BinanceApiError) return fail(error);
      throw error;
    }
    const minute = Math.floor(nowMs / MINUTE_MS);
    if (minute !== limiter.minute) {
      limiter.minute = minute;
      limiter.used = 0;
      limiter.refusals = 0;
    }
    const weight = route.weight(params);
    if (limiter.used + weight > weightLimit) {
      limiter.refusals++;
      if (limiter.refusals > banAfterRefusals) {
        limiter.bannedUntilMs = nowMs + BAN_MS;
        headers["Retry-After"] = String(BAN_MS / 1000);
        return fail(
          new BinanceApiError(
            418,
            -1003,
            `Way too much request weight used; IP banned until ${limiter.bannedUntilMs}. Please use WebSocket Streams for live updates to avoid bans.`,
          ),
        );
      }
      headers["Retry-After"] = String(Math.ceil(((minute + 1) * MINUTE_MS - nowMs) / 1000));
      return fail(
        new BinanceApiError(
          429,
          -1003,
          `Too much request weight used; current limit is ${weightLimit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`,
        ),
      );
    }
    limiter.used += weight;

    const fault = takeFault(faults, method, path);
    try {
      const account = route.signed
        ? authenticate(exchange, request, params, rawQuery, rawBody, nowMs)
        : undefined;
      for (const name of params.keys()) {
        if (!route.accepts.includes(name)) {
          throw badRequest(
            -1104,
            `Not all sent parameters were read; read '${params.size - 1}' parameter(s) but was sent '${params.size}'.`,
          );
        }
      }
      if (fault?.beforeExecute && fault.hangUp) return void request.socket.destroy();
      if (fault?.beforeExecute && fault.answerStatus) return send(fault.answerStatus, unknownStatusBody());
      if (fault?.stallBeforeMs) {
        await sleep(fault.stallBeforeMs);
        // The engine meets the request late: Binance checks the recvWindow again before executing.
        if (route.signed) checkRecvWindow(params, now());
      }
      const executedAt = now();
      exchange.advance(executedAt);
      const body = route.handle({ params, account, nowMs: executedAt, headers });
      if (fault?.stallAfterMs) await sleep(fault.stallAfterMs);
      if (fault?.hangUp) return void request.socket.destroy();
      if (fault?.answerStatus) return send(fault.answerStatus, unknownStatusBody());
      return send(200, body);
    } catch (error) {
      if (error instanceof BinanceApiError) return fail(error);
      throw error;
    }
  }

  // The Worker calls this server from workerd: keep idle connections longer than workerd does.
  server.keepAliveTimeout = WORKERD_FACING_KEEP_ALIVE_MS;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${options.host ?? "127.0.0.1"}:${address.port}`;

  return {
    url,
    port: address.port,
    exchange,
    addAccount,
    balances(apiKey) {
      const account = exchange.accounts.get(apiKey);
      const result: Record<string, { free: string; locked: string }> = {};
      for (const [asset, balance] of account?.balances ?? []) {
        result[asset] = { free: formatE8(balance.free), locked: formatE8(balance.locked) };
      }
      return result;
    },
    orders(apiKey) {
      return [...(exchange.accounts.get(apiKey)?.orders.values() ?? [])];
    },
    now,
    advanceClock(ms) {
      clockOffsetMs += ms;
    },
    injectFault(fault) {
      faults.push(fault);
    },
    idle: () =>
      inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)),
    requestCounts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- Requests --------------------------------------------------------------------------------

function readBody(request: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on("end", () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

/** The signed payload: query string and body as sent, concatenated, each without its signature pair. */
function signaturePayload(rawQuery: string, rawBody: string): string {
  const strip = (raw: string) =>
    raw
      .split("&")
      .filter((pair) => pair.length > 0 && !pair.startsWith("signature="))
      .join("&");
  return `${strip(rawQuery)}${strip(rawBody)}`;
}

function authenticate(
  exchange: StandinExchange,
  request: IncomingMessage,
  params: Params,
  rawQuery: string,
  rawBody: string,
  nowMs: number,
): Account {
  const header = request.headers["x-mbx-apikey"];
  const apiKey = Array.isArray(header) ? header[0] : header;
  if (!apiKey || !API_KEY_FORMAT.test(apiKey))
    throw new BinanceApiError(401, -2014, "API-key format invalid.");
  const account = exchange.accounts.get(apiKey);
  if (!account) throw new BinanceApiError(401, -2015, "Invalid API-key, IP, or permissions for action.");
  mandatory(params, "timestamp");
  const signature = params.get("signature");
  if (!signature) throw mandatoryError("signature");
  const expected = createHmac("sha256", account.secretKey)
    .update(signaturePayload(rawQuery, rawBody))
    .digest();
  const given = /^[0-9a-fA-F]{64}$/.test(signature) ? Buffer.from(signature, "hex") : null;
  // HMAC signatures are not case-sensitive (hex either case); compared in constant time.
  if (!given || !timingSafeEqual(expected, given))
    throw badRequest(-1022, "Signature for this request is not valid.");
  checkRecvWindow(params, nowMs);
  return account;
}

function checkRecvWindow(params: Params, serverTimeMs: number): void {
  const timestampText = mandatory(params, "timestamp");
  if (!LONG.test(timestampText)) throw illegal("timestamp", "^[0-9]{1,20}$");
  let timestamp = Number(timestampText);
  // Microseconds are accepted too (16 digits).
  if (timestamp > 1e14) timestamp = timestamp / 1000;
  const recvWindowText = params.get("recvWindow");
  let recvWindow = DEFAULT_RECV_WINDOW_MS;
  if (recvWindowText !== undefined) {
    if (!/^[0-9]{1,6}(\.[0-9]{1,3})?$/.test(recvWindowText))
      throw illegal("recvWindow", "^[0-9]{1,6}(\\.[0-9]{1,3})?$");
    recvWindow = Number(recvWindowText);
    if (recvWindow > MAX_RECV_WINDOW_MS) {
      throw badRequest(
        -1102,
        `'recvWindow' contains unexpected value. Cannot be greater than ${MAX_RECV_WINDOW_MS}.`,
      );
    }
  }
  if (timestamp >= serverTimeMs + 1000) {
    throw badRequest(-1021, "Timestamp for this request was 1000ms ahead of the server's time.");
  }
  if (serverTimeMs - timestamp > recvWindow) {
    throw badRequest(-1021, "Timestamp for this request is outside of the recvWindow.");
  }
}

function takeFault(faults: Fault[], method: string, path: string): Fault | undefined {
  const index = faults.findIndex((fault) => fault.method === method && fault.path === path);
  return index === -1 ? undefined : faults.splice(index, 1)[0];
}

function unknownStatusBody() {
  return {
    code: -1007,
    msg: "Timeout waiting for response from backend server. Send status unknown; execution status unknown.",
  };
}

// ---- Helpers ---------------------------------------------------------------------------------

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
