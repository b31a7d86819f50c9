import type { Logger } from "../../logger.ts";
import { ASSETS } from "../ledger/assets.ts";
import type { OrderSide, OrderType } from "../markets/filters.ts";
import type { FetchLike } from "../markets/http.ts";
import { MARKET_SYMBOLS, MARKETS, type MarketSymbol } from "../markets/symbols.ts";
import { ServerClock } from "./clock.ts";
import {
  ExchangeError,
  ExchangeRateLimitError,
  ExchangeStatusUnknownError,
  errorFromExchange,
  isDuplicateOrder,
} from "./errors.ts";
import { clientOrderIdFor } from "./ids.ts";
import {
  type ExchangeAccount,
  type ExchangeFill,
  type ExchangeOrder,
  type ExchangeTrade,
  field,
  integerField,
  isOpenStatus,
  marketSymbolOf,
  parseAccount,
  parseOrder,
  parseTrade,
} from "./parse.ts";
import { assertWithinRules, parseExchangeInfo, type SymbolRules } from "./rules.ts";
import {
  createHmacSigner,
  encodeParams,
  type RequestParams,
  type RequestSigner,
  signParams,
} from "./signing.ts";
import { ENDPOINT_WEIGHT, WeightBudget } from "./weight.ts";

/**
 * Binance Spot REST, for LIVE orders: fetch and WebCrypto only, so it runs inside a Durable
 * Object. One instance per owner (a UserOrders object): it keeps the exchange's clock offset,
 * the minute's request weight and the cached trading rules.
 *
 *   placeOrder   check the cached exchangeInfo filters -> POST /api/v3/order (FULL answer),
 *                newClientOrderId derived from our order id (ids.ts). If the outcome is unknown
 *                (timeout, network failure, 5xx), wait until the request's recvWindow has
 *                passed on the exchange's clock — after that the exchange can no longer accept
 *                it — then ask for the order by its client id: found, answer it (fills rebuilt
 *                from myTrades); not found, it was never placed, so send it again (same client
 *                id, at most twice in all), or say `not_placed`: safe to retry later.
 *   cancel       DELETE by client id; "unknown order" or an unknown outcome is resolved by asking
 *                for the order: a cancel answers the order's final state, whatever ended it.
 *   reads        query, open orders, account, my trades, exchangeInfo, server time: retried once
 *                when the outcome is unknown (reads are idempotent), never otherwise.
 *
 * Every request first takes its weight from the budget (weight.ts) and is refused locally when
 * the minute's ceiling would be passed or the exchange told us to back off; -1021 resyncs the
 * clock and retries once. Errors are typed (errors.ts). The API key is sent only in the
 * X-MBX-APIKEY header; neither it, the secret, nor a signature is logged, recorded or put in
 * an error.
 */

export const BINANCE_LIVE_BASE_URL = "https://api.binance.com";
export const BINANCE_TESTNET_BASE_URL = "https://testnet.binance.vision";

const DEFAULTS = {
  timeoutMs: 8_000,
  recvWindowMs: 5_000,
  exchangeInfoTtlMs: 3_600_000,
  /** Rules older than this are not used even when the exchange cannot be reached. */
  exchangeInfoMaxStaleMs: 24 * 3_600_000,
  readRetryBackoffMs: 250,
};
/** Binance refuses a recvWindow above this. */
const MAX_RECV_WINDOW_MS = 60_000;
/** Sends of one placement in all, the first included; more only when the exchange certainly has none. */
const MAX_PLACE_SENDS = 2;
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MAX_TRADES_PER_PAGE = 1_000;
/** Bound on the myTrades pages read to rebuild one order's fills (10,000 fills). */
const MAX_FILL_PAGES = 10;

export interface ExchangeRecord {
  method: "GET" | "POST" | "DELETE";
  path: string;
  /** The parameters sent, without `signature`. */
  params: Record<string, string>;
  /** Null when no answer came (timeout, network failure). */
  status: number | null;
  statusText: string;
  body: unknown;
  usedWeight1m: number | null;
  durationMs: number;
}

export interface BinanceSpotOptions {
  apiKey: string;
  apiSecret: string;
  /** Live (default), the testnet, or the local stand-in. */
  baseUrl?: string;
  fetch?: FetchLike;
  /** Local clock, Unix ms. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  timeoutMs?: number;
  recvWindowMs?: number;
  weightCeilingPerMinute?: number;
  exchangeInfoTtlMs?: number;
  clockResyncMs?: number;
  logger?: Logger;
  /** Every request and its answer (for the dry run's transcript); never carries credentials. */
  onExchange?: (record: ExchangeRecord) => void;
}

export interface PlaceOrderRequest {
  /** Our order id (a UUID): the client order id is derived from it. */
  orderId: string;
  symbol: MarketSymbol;
  side: OrderSide;
  type: OrderType;
  /** Base minor units; every order but a market buy by quote amount. */
  quantityMinor?: bigint | undefined;
  /** Quote minor units; a market buy only. */
  quoteAmountMinor?: bigint | undefined;
  /** Quote minor units per whole base unit; a limit order only. */
  priceMinor?: bigint | undefined;
  /**
   * A limit order's time in force: GTC (default) rests; IOC takes what is there up to the price
   * and expires the rest (a market buy capped at the price its hold covers).
   */
  timeInForce?: "GTC" | "IOC" | undefined;
  /** Average price, for the exchange's NOTIONAL check of a market order by quantity. */
  referencePriceMinor?: bigint | undefined;
}

export interface PlacedOrder {
  order: ExchangeOrder;
  /** True when the answer came from asking for the order after an unknown outcome or a duplicate. */
  recovered: boolean;
}

interface CallOptions {
  /** Reads: a second attempt after an unknown outcome is harmless. */
  idempotent: boolean;
  /** Every endpoint we call is SIGNED but ping, time and exchangeInfo. */
  signed?: boolean;
}

export class BinanceSpot {
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly signer: RequestSigner;
  private readonly fetchImpl: FetchLike;
  private readonly localNow: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly timeoutMs: number;
  private readonly recvWindowMs: number;
  private readonly exchangeInfoTtlMs: number;
  private readonly budget: WeightBudget;
  private readonly clock: ServerClock;
  private readonly logger: Logger | undefined;
  private readonly onExchange: ((record: ExchangeRecord) => void) | undefined;
  private rules: { bySymbol: Map<MarketSymbol, SymbolRules>; fetchedAtMs: number } | undefined;
  /** After -1015 (too many new orders): no order is sent before this (exchange clock). */
  private ordersBlockedUntilMs = 0;

  constructor(options: BinanceSpotOptions) {
    if (!options.apiKey || !options.apiSecret) {
      throw new ExchangeError("not_configured", "The exchange API key and secret are both required.", {
        definite: true,
        retryable: false,
      });
    }
    this.baseUrl = (options.baseUrl ?? BINANCE_LIVE_BASE_URL).replace(/\/+$/, "");
    this.apiKey = options.apiKey;
    this.signer = createHmacSigner(options.apiSecret);
    // Wrapped, not passed bare: a detached `fetch` throws "Illegal invocation" in some runtimes.
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.localNow = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.recvWindowMs = Math.min(
      MAX_RECV_WINDOW_MS,
      Math.max(1, options.recvWindowMs ?? DEFAULTS.recvWindowMs),
    );
    this.exchangeInfoTtlMs = options.exchangeInfoTtlMs ?? DEFAULTS.exchangeInfoTtlMs;
    this.budget = new WeightBudget(options.weightCeilingPerMinute);
    this.clock = new ServerClock(this.localNow, () => this.fetchServerTime(), options.clockResyncMs);
    this.logger = options.logger;
    this.onExchange = options.onExchange;
  }

  // ---- Public API ------------------------------------------------------------------------

  /** The exchange's time (and a fresh clock offset). */
  async serverTime(): Promise<number> {
    return this.clock.sync();
  }

  /** Exchange time minus local time, by the last sync. */
  get clockOffsetMs(): number {
    return this.clock.offset;
  }

  /** Weight counted in the current minute (ours, or the exchange's report if higher). */
  usedWeight(): number {
    return this.budget.used(this.clock.now());
  }

  async ping(): Promise<void> {
    await this.call("GET", "/api/v3/ping", ENDPOINT_WEIGHT.ping, [], { idempotent: true, signed: false });
  }

  /** Trading rules of our live-tradable symbols; cached, re-read after an hour or on `refresh`. */
  async exchangeInfo(options: { refresh?: boolean } = {}): Promise<Map<MarketSymbol, SymbolRules>> {
    const now = this.localNow();
    if (!options.refresh && this.rules && now - this.rules.fetchedAtMs < this.exchangeInfoTtlMs) {
      return this.rules.bySymbol;
    }
    const symbols = MARKET_SYMBOLS.filter((symbol) => MARKETS[symbol].liveTradable).map(
      (symbol) => MARKETS[symbol].binanceSymbol,
    );
    try {
      const body = await this.call(
        "GET",
        "/api/v3/exchangeInfo",
        ENDPOINT_WEIGHT.exchangeInfo,
        [["symbols", JSON.stringify(symbols)]],
        { idempotent: true, signed: false },
      );
      this.rules = { bySymbol: parseExchangeInfo(body), fetchedAtMs: now };
      return this.rules.bySymbol;
    } catch (error) {
      // Filters change rarely: yesterday's copy is better than refusing every order meanwhile.
      if (this.rules && now - this.rules.fetchedAtMs < DEFAULTS.exchangeInfoMaxStaleMs) {
        this.logger?.warn("exchange rules kept stale", { error: describe(error) });
        return this.rules.bySymbol;
      }
      throw error;
    }
  }

  /**
   * Places an order, or finds it if it was placed already. `mayExist`: the caller may have sent
   * it before (a resumed step), so ask first; without it the first send goes out at once.
   */
  async placeOrder(request: PlaceOrderRequest, options: { mayExist?: boolean } = {}): Promise<PlacedOrder> {
    const clientOrderId = clientOrderIdFor(request.orderId);
    // Asked before the rules are checked: an order placed under yesterday's rules is still ours.
    if (options.mayExist) {
      const found = await this.recover(request.symbol, clientOrderId);
      if (found) return { order: found, recovered: true };
    }
    assertWithinRules(await this.rulesFor(request.symbol), request);
    const blockedMs = this.ordersBlockedUntilMs - this.clock.now();
    if (blockedMs > 0) {
      throw new ExchangeRateLimitError(
        "Binance limited new orders (-1015); none is sent until the wait is over.",
        {
          retryAfterMs: blockedMs,
          banned: false,
        },
      );
    }
    const params = orderParams(request, clientOrderId);
    for (let send = 1; ; send++) {
      try {
        const body = await this.call("POST", "/api/v3/order", ENDPOINT_WEIGHT.newOrder, params, {
          idempotent: false,
        });
        return { order: parseOrder(body), recovered: false };
      } catch (error) {
        if (isDuplicateOrder(error)) {
          // An open order has this client id: ours, from an earlier send.
          const found = await this.recover(request.symbol, clientOrderId);
          if (found) return { order: found, recovered: true };
          throw error;
        }
        if (!(error instanceof ExchangeStatusUnknownError)) throw error;
        this.logger?.warn("exchange order outcome unknown; asking for it", {
          orderId: request.orderId,
          send,
          error: describe(error),
        });
        await this.waitOutRecvWindow(error.sentTimestampMs);
        const found = await this.recover(request.symbol, clientOrderId);
        if (found) return { order: found, recovered: true };
        if (send >= MAX_PLACE_SENDS) {
          throw new ExchangeError(
            "not_placed",
            "The exchange did not answer and has no such order: it was not placed. It is safe to place it again.",
            { definite: true, retryable: true },
          );
        }
      }
    }
  }

  /** Validates an order with the exchange (POST /api/v3/order/test) without placing it. */
  async testOrder(request: PlaceOrderRequest): Promise<void> {
    const rules = await this.rulesFor(request.symbol);
    assertWithinRules(rules, request);
    await this.call(
      "POST",
      "/api/v3/order/test",
      ENDPOINT_WEIGHT.testOrder,
      orderParams(request, clientOrderIdFor(request.orderId)),
      { idempotent: true },
    );
  }

  /**
   * Cancels our order and answers its final state: CANCELED with what executed before, or
   * FILLED / EXPIRED when it ended before the cancel arrived. Throws unknown_order when the
   * exchange has no order with this id.
   */
  async cancelOrder(symbol: MarketSymbol, orderId: string): Promise<ExchangeOrder> {
    const clientOrderId = clientOrderIdFor(orderId);
    const cancel = async () =>
      parseOrder(
        await this.call(
          "DELETE",
          "/api/v3/order",
          ENDPOINT_WEIGHT.cancelOrder,
          [
            ["symbol", this.tradable(symbol).binanceSymbol],
            ["origClientOrderId", clientOrderId],
          ],
          { idempotent: false },
        ),
      );
    try {
      return await cancel();
    } catch (error) {
      if (error instanceof ExchangeError && error.kind === "unknown_order") {
        // Not open any more (filled, expired, canceled before): its final state is the answer.
        const found = await this.queryByClientId(symbol, clientOrderId);
        if (found && !isOpenStatus(found.status)) return found;
        throw error;
      }
      if (!(error instanceof ExchangeStatusUnknownError)) throw error;
      await this.waitOutRecvWindow(error.sentTimestampMs);
      const found = await this.queryByClientId(symbol, clientOrderId);
      if (!found) throw unknownOrder(symbol);
      return isOpenStatus(found.status) ? await cancel() : found;
    }
  }

  /** Our order by our id; null when the exchange has none. */
  async queryOrder(symbol: MarketSymbol, orderId: string): Promise<ExchangeOrder | null> {
    return this.queryByClientId(symbol, clientOrderIdFor(orderId));
  }

  /** Orders still on the book (of one symbol, or of every symbol at weight 80). Others' symbols are left out. */
  async openOrders(symbol?: MarketSymbol): Promise<ExchangeOrder[]> {
    const body = await this.call(
      "GET",
      "/api/v3/openOrders",
      symbol ? ENDPOINT_WEIGHT.openOrdersOneSymbol : ENDPOINT_WEIGHT.openOrdersAllSymbols,
      symbol ? [["symbol", this.tradable(symbol).binanceSymbol]] : [],
      { idempotent: true },
    );
    if (!Array.isArray(body))
      throw new ExchangeError("malformed_response", "openOrders is not a list.", notDefinite);
    return body
      .filter(
        (entry) =>
          typeof field(entry, "symbol") === "string" && marketSymbolOf(field(entry, "symbol") as string),
      )
      .map(parseOrder);
  }

  /** Balances of the exchange account (zero balances omitted). */
  async account(): Promise<ExchangeAccount> {
    return parseAccount(
      await this.call("GET", "/api/v3/account", ENDPOINT_WEIGHT.account, [["omitZeroBalances", "true"]], {
        idempotent: true,
      }),
    );
  }

  /** Account trades of a symbol: of one exchange order (weight 5), or from a trade id on (weight 20). */
  async myTrades(
    symbol: MarketSymbol,
    options: { exchangeOrderId?: number; fromTradeId?: number; limit?: number } = {},
  ): Promise<ExchangeTrade[]> {
    const limit = Math.max(1, Math.min(MAX_TRADES_PER_PAGE, Math.floor(options.limit ?? 500)));
    const params: [string, string][] = [["symbol", this.tradable(symbol).binanceSymbol]];
    if (options.exchangeOrderId !== undefined) params.push(["orderId", String(options.exchangeOrderId)]);
    if (options.fromTradeId !== undefined) params.push(["fromId", String(options.fromTradeId)]);
    params.push(["limit", String(limit)]);
    const body = await this.call(
      "GET",
      "/api/v3/myTrades",
      options.exchangeOrderId !== undefined ? ENDPOINT_WEIGHT.myTradesByOrder : ENDPOINT_WEIGHT.myTrades,
      params,
      { idempotent: true },
    );
    if (!Array.isArray(body))
      throw new ExchangeError("malformed_response", "myTrades is not a list.", notDefinite);
    return body.map(parseTrade);
  }

  // ---- Orders: recovery ------------------------------------------------------------------

  private async queryByClientId(symbol: MarketSymbol, clientOrderId: string): Promise<ExchangeOrder | null> {
    try {
      const body = await this.call(
        "GET",
        "/api/v3/order",
        ENDPOINT_WEIGHT.queryOrder,
        [
          ["symbol", this.tradable(symbol).binanceSymbol],
          ["origClientOrderId", clientOrderId],
        ],
        { idempotent: true },
      );
      return parseOrder(body);
    } catch (error) {
      if (error instanceof ExchangeError && error.kind === "unknown_order") return null;
      throw error;
    }
  }

  /** The order by client id, with its fills rebuilt from myTrades when anything executed. */
  private async recover(symbol: MarketSymbol, clientOrderId: string): Promise<ExchangeOrder | null> {
    const order = await this.queryByClientId(symbol, clientOrderId);
    if (!order || order.executedQuantityMinor === 0n) return order;
    const fills: ExchangeFill[] = [];
    let fromTradeId: number | undefined;
    for (let page = 0; page < MAX_FILL_PAGES; page++) {
      const trades = await this.myTrades(symbol, {
        exchangeOrderId: order.exchangeOrderId,
        limit: MAX_TRADES_PER_PAGE,
        ...(fromTradeId === undefined ? {} : { fromTradeId }),
      });
      for (const trade of trades) {
        fills.push({
          tradeId: trade.tradeId,
          priceMinor: trade.priceMinor,
          quantityMinor: trade.quantityMinor,
          liquidity: trade.liquidity,
          commissionAsset: trade.commissionAsset,
          commissionMinor: trade.commissionMinor,
          commissionText: trade.commissionText,
        });
      }
      const last = trades.at(-1);
      if (trades.length < MAX_TRADES_PER_PAGE || !last) break;
      fromTradeId = last.tradeId + 1;
    }
    // myTrades is served from memory, then the database: a fill it does not show yet is not
    // settled from a partial list. The caller resumes later (mayExist) and asks again.
    const filled = fills.reduce((sum, fill) => sum + fill.quantityMinor, 0n);
    if (filled !== order.executedQuantityMinor) {
      throw new ExchangeStatusUnknownError(
        `Binance lists ${filled} of the ${order.executedQuantityMinor} executed for order ${order.exchangeOrderId}; its fills are not all visible yet.`,
        {},
      );
    }
    return { ...order, fills };
  }

  /**
   * Binance forwards a request to its matching engine only while `serverTime - timestamp <=
   * recvWindow` (REST API docs, "Timing security"). Once that has passed on the exchange's
   * clock, a request we lost track of can no longer create an order: "not found" is final.
   */
  private async waitOutRecvWindow(sentTimestampMs: number | undefined): Promise<void> {
    if (sentTimestampMs === undefined) return;
    const waitMs = sentTimestampMs + this.recvWindowMs + 1 - this.clock.now();
    if (waitMs > 0) await this.sleep(Math.min(waitMs, this.recvWindowMs + 1));
  }

  // ---- Transport -------------------------------------------------------------------------

  private tradable(symbol: MarketSymbol) {
    const market = MARKETS[symbol];
    if (!market.liveTradable) {
      throw new ExchangeError("symbol_not_tradable", `${symbol} is not listed on the exchange.`, {
        definite: true,
        retryable: false,
      });
    }
    return market;
  }

  private async rulesFor(symbol: MarketSymbol): Promise<SymbolRules> {
    this.tradable(symbol);
    const rules = (await this.exchangeInfo()).get(symbol);
    if (!rules) {
      throw new ExchangeError(
        "symbol_not_tradable",
        `${MARKETS[symbol].binanceSymbol} is not in the exchange's rules.`,
        {
          definite: true,
          retryable: false,
        },
      );
    }
    return rules;
  }

  private async fetchServerTime(): Promise<number> {
    const body = await this.send("GET", "/api/v3/time", ENDPOINT_WEIGHT.time, [], false);
    return integerField(body, "serverTime");
  }

  /**
   * A SIGNED request (every endpoint but ping, time and exchangeInfo), with the retries that
   * are safe: once after -1021 (clock resynced; the exchange refused the first), and for reads
   * once after an unknown outcome.
   */
  private async call(
    method: ExchangeRecord["method"],
    path: string,
    weight: number,
    params: RequestParams,
    options: CallOptions,
  ): Promise<unknown> {
    const signed = options.signed ?? true;
    if (signed) await this.clock.ensureSynced();
    let resynced = false;
    let readRetried = false;
    for (;;) {
      try {
        return await this.send(method, path, weight, params, signed);
      } catch (error) {
        if (error instanceof ExchangeError && error.kind === "timestamp" && !resynced) {
          resynced = true;
          this.logger?.warn("exchange clock resync after -1021", { path });
          await this.clock.sync();
          continue;
        }
        if (error instanceof ExchangeStatusUnknownError && options.idempotent && !readRetried) {
          readRetried = true;
          await this.sleep(DEFAULTS.readRetryBackoffMs);
          continue;
        }
        throw error;
      }
    }
  }

  private async send(
    method: ExchangeRecord["method"],
    path: string,
    weight: number,
    params: RequestParams,
    signed: boolean,
  ): Promise<unknown> {
    this.budget.reserve(weight, this.clock.now());
    const timestamp = signed ? this.clock.now() : undefined;
    const sent: RequestParams =
      timestamp === undefined
        ? params
        : [...params, ["recvWindow", String(this.recvWindowMs)], ["timestamp", String(timestamp)]];
    const payload = signed ? await signParams(this.signer, sent) : encodeParams(sent);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (signed) headers["X-MBX-APIKEY"] = this.apiKey;
    let url = `${this.baseUrl}${path}`;
    let body: string | undefined;
    if (method === "POST") {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      body = payload;
    } else if (payload.length > 0) {
      url = `${url}?${payload}`;
    }

    const startedAt = this.localNow();
    const record = (
      status: number | null,
      statusText: string,
      answer: unknown,
      usedWeight: number | null,
    ) => {
      const durationMs = this.localNow() - startedAt;
      this.onExchange?.({
        method,
        path,
        params: Object.fromEntries(sent),
        status,
        statusText,
        body: answer,
        usedWeight1m: usedWeight,
        durationMs,
      });
      this.logger?.debug("exchange request", { method, path, status, usedWeight, durationMs });
    };

    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      record(null, describe(error), null, null);
      throw new ExchangeStatusUnknownError(`Binance ${path}: no answer (${describe(error)}).`, {
        ...(timestamp === undefined ? {} : { sentTimestampMs: timestamp }),
      });
    }

    const usedWeightHeader = response.headers.get("X-MBX-USED-WEIGHT-1M");
    const usedWeight = usedWeightHeader === null ? null : Number(usedWeightHeader);
    if (usedWeight !== null) this.budget.observe(usedWeight, this.clock.now());
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      record(response.status, response.statusText, null, usedWeight);
      throw new ExchangeStatusUnknownError(`Binance ${path}: the answer was cut off (${describe(error)}).`, {
        ...(timestamp === undefined ? {} : { sentTimestampMs: timestamp }),
        httpStatus: response.status,
      });
    }
    let answer: unknown;
    try {
      answer = text.length > MAX_BODY_BYTES ? undefined : (JSON.parse(text) as unknown);
    } catch {
      answer = undefined;
    }
    record(response.status, response.statusText, answer ?? null, usedWeight);

    if (response.status === 200) {
      if (answer === undefined) {
        throw new ExchangeError(
          "malformed_response",
          `Binance ${path}: the answer is not JSON.`,
          notDefinite,
        );
      }
      return answer;
    }
    const retryAfterMs = retryAfterOf(response.headers.get("Retry-After"));
    const error = errorFromExchange(
      path,
      response.status,
      typeof answer === "object" && answer !== null
        ? (answer as { code?: unknown; msg?: unknown })
        : undefined,
      retryAfterMs,
    );
    if (error instanceof ExchangeRateLimitError) {
      // -1015 limits new orders only (per account); everything else limits every request (per IP).
      const until = this.clock.now() + (error.retryAfterMs ?? 60_000);
      if (error.exchangeCode === -1015)
        this.ordersBlockedUntilMs = Math.max(this.ordersBlockedUntilMs, until);
      else this.budget.blockUntil(until);
    }
    if (error instanceof ExchangeStatusUnknownError && timestamp !== undefined) {
      throw new ExchangeStatusUnknownError(error.message, {
        sentTimestampMs: timestamp,
        httpStatus: response.status,
        ...(error.exchangeCode === undefined ? {} : { exchangeCode: error.exchangeCode }),
      });
    }
    throw error;
  }
}

const notDefinite = { definite: false, retryable: false } as const;

function unknownOrder(symbol: MarketSymbol): ExchangeError {
  return new ExchangeError(
    "unknown_order",
    `Binance has no such order on ${MARKETS[symbol].binanceSymbol}.`,
    {
      definite: true,
      retryable: false,
    },
  );
}

function retryAfterOf(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
}

function describe(error: unknown): string {
  if (error instanceof Error)
    return error.name === "TimeoutError" ? "timed out" : error.message.slice(0, 200);
  return "request failed";
}

/** A decimal without trailing zeros: 0.00100000 -> "0.001", 65000.000000 -> "65000". */
export function plainDecimal(minor: bigint, scale: number): string {
  const unit = 10n ** BigInt(scale);
  const whole = minor / unit;
  const fraction = (minor % unit).toString().padStart(scale, "0").replace(/0+$/, "");
  return fraction.length > 0 ? `${whole}.${fraction}` : `${whole}`;
}

function orderParams(request: PlaceOrderRequest, clientOrderId: string): RequestParams {
  const market = MARKETS[request.symbol];
  const baseScale = ASSETS[market.base].scale;
  const quoteScale = ASSETS[market.quote].scale;
  const params: [string, string][] = [
    ["symbol", market.binanceSymbol],
    ["side", request.side === "buy" ? "BUY" : "SELL"],
    ["type", request.type === "limit" ? "LIMIT" : "MARKET"],
  ];
  if (request.type === "limit") params.push(["timeInForce", request.timeInForce ?? "GTC"]);
  if (request.quantityMinor !== undefined)
    params.push(["quantity", plainDecimal(request.quantityMinor, baseScale)]);
  if (request.quoteAmountMinor !== undefined) {
    params.push(["quoteOrderQty", plainDecimal(request.quoteAmountMinor, quoteScale)]);
  }
  if (request.type === "limit" && request.priceMinor !== undefined) {
    params.push(["price", plainDecimal(request.priceMinor, quoteScale)]);
  }
  params.push(["newClientOrderId", clientOrderId], ["newOrderRespType", "FULL"]);
  return params;
}
