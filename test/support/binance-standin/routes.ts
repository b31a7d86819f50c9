import { ASSETS } from "../../../worker/services/ledger/assets.ts";
import { MARKETS } from "../../../worker/services/markets/symbols.ts";
import {
  type Account,
  BinanceApiError,
  badRequest,
  E8,
  type Fill,
  formatE8,
  isOpen,
  type Order,
  ordersRecentCount,
  type StandinExchange,
  type SymbolSpec,
  simSecond,
} from "./exchange.ts";
import { KLINE_INTERVALS, klines } from "./klines.ts";
import {
  CLIENT_ORDER_ID,
  illegal,
  limitParam,
  longParam,
  mandatory,
  type Params,
  parseNewOrder,
  randomAlphanumeric,
  selectedSymbols,
  symbolParam,
} from "./params.ts";

/**
 * The stand-in's endpoints: for each, whether it is SIGNED, its published weight, the
 * parameters it reads, and what it answers, in Binance's shapes (numbers as strings with 8
 * decimals, field names and order as in rest-api.md).
 */

export interface Context {
  params: Params;
  account: Account | undefined;
  nowMs: number;
  /** Extra response headers. */
  headers: Record<string, string>;
}

export interface Route {
  signed: boolean;
  weight: (params: Params) => number;
  /** Parameters this endpoint reads (others: -1104). */
  accepts: readonly string[];
  handle: (context: Context) => unknown;
}

/** The recording's ORDERS limit per day; also what bounds each account's list of order times. */
const ORDERS_PER_DAY = 160_000;
const SIGNED_COMMON = ["recvWindow", "timestamp", "signature"] as const;
const ORDER_PARAMS = [
  "symbol",
  "side",
  "type",
  "timeInForce",
  "quantity",
  "quoteOrderQty",
  "price",
  "newClientOrderId",
  "newOrderRespType",
  "strategyId",
  "strategyType",
  "selfTradePreventionMode",
  // Parameters of order types the stand-in does not implement: read, then refused as "not required".
  "stopPrice",
  "trailingDelta",
  "icebergQty",
  "pegPriceType",
  "pegOffsetValue",
  "pegOffsetType",
  ...SIGNED_COMMON,
] as const;

function orderResult(order: Order) {
  return {
    symbol: order.symbol.name,
    orderId: order.orderId,
    orderListId: -1,
    clientOrderId: order.clientOrderId,
    transactTime: order.updateTime,
    price: formatE8(order.price),
    origQty: formatE8(order.origQty),
    executedQty: formatE8(order.executedQty),
    origQuoteOrderQty: formatE8(order.origQuoteOrderQty),
    cummulativeQuoteQty: formatE8(order.cummulativeQuoteQty),
    status: order.status,
    timeInForce: order.timeInForce,
    type: order.type,
    side: order.side,
    workingTime: order.workingTime,
    selfTradePreventionMode: "EXPIRE_MAKER",
  };
}

function placementAnswer(order: Order, fills: Fill[], respType: string) {
  if (respType === "ACK") {
    return {
      symbol: order.symbol.name,
      orderId: order.orderId,
      orderListId: -1,
      clientOrderId: order.clientOrderId,
      transactTime: order.time,
    };
  }
  const result = { ...orderResult(order), transactTime: order.time };
  if (respType === "RESULT") return result;
  return {
    ...result,
    fills: fills.map((fill) => ({
      price: formatE8(fill.price),
      qty: formatE8(fill.qty),
      commission: formatE8(fill.commission),
      commissionAsset: fill.commissionAsset,
      tradeId: fill.tradeId,
    })),
  };
}

function orderView(order: Order) {
  return {
    symbol: order.symbol.name,
    orderId: order.orderId,
    orderListId: -1,
    clientOrderId: order.clientOrderId,
    price: formatE8(order.price),
    origQty: formatE8(order.origQty),
    executedQty: formatE8(order.executedQty),
    cummulativeQuoteQty: formatE8(order.cummulativeQuoteQty),
    status: order.status,
    timeInForce: order.timeInForce,
    type: order.type,
    side: order.side,
    stopPrice: formatE8(0n),
    icebergQty: formatE8(0n),
    time: order.time,
    updateTime: order.updateTime,
    isWorking: true,
    workingTime: order.workingTime,
    origQuoteOrderQty: formatE8(order.origQuoteOrderQty),
    selfTradePreventionMode: "EXPIRE_MAKER",
  };
}

/** `change / base` in percent with three decimals, rounded half away from zero: "-3.003". */
function percentOf(change: bigint, base: bigint): string {
  if (base <= 0n) return "0.000";
  const negative = change < 0n;
  const magnitude = ((negative ? -change : change) * 200_000n + base) / (2n * base);
  return `${negative && magnitude > 0n ? "-" : ""}${magnitude / 1000n}.${(magnitude % 1000n).toString().padStart(3, "0")}`;
}

function ticker24h(exchange: StandinExchange, symbol: SymbolSpec, nowMs: number, mini: boolean) {
  const second = simSecond(nowMs);
  const ticker = exchange.market.tickerAt(symbol.market, second);
  const market = MARKETS[symbol.market];
  const scaleUp = (minor: bigint, asset: "base" | "quote") =>
    minor * 10n ** BigInt(8 - ASSETS[asset === "base" ? market.base : market.quote].scale);
  const last = scaleUp(ticker.lastMinor, "quote");
  const open = scaleUp(ticker.open24hMinor, "quote");
  const volume = scaleUp(ticker.volume24hMinor, "base");
  const quoteVolume = scaleUp(ticker.quoteVolume24hMinor, "quote");
  const lastTrade = exchange.market.tradesAt(symbol.market, second, 1)[0];
  const lastId = lastTrade ? Number(lastTrade.id) : -1;
  const firstTrade = exchange.market.tradesAt(symbol.market, second - 86_400, 1)[0];
  const firstId = firstTrade ? Number(firstTrade.id) : lastId;
  const common = {
    symbol: symbol.name,
    openPrice: formatE8(open),
    highPrice: formatE8(scaleUp(ticker.high24hMinor, "quote")),
    lowPrice: formatE8(scaleUp(ticker.low24hMinor, "quote")),
    lastPrice: formatE8(last),
    volume: formatE8(volume),
    quoteVolume: formatE8(quoteVolume),
    openTime: nowMs - 86_400_000,
    closeTime: nowMs,
    firstId,
    lastId,
    count: lastId >= firstId && lastId >= 0 ? lastId - firstId + 1 : 0,
  };
  if (mini) return common;
  const book = exchange.book(symbol, nowMs, 1);
  // Binance's field order for the FULL ticker.
  return {
    symbol: symbol.name,
    priceChange: formatE8(last - open),
    priceChangePercent: percentOf(last - open, open),
    weightedAvgPrice: formatE8(volume > 0n ? (quoteVolume * E8) / volume : last),
    prevClosePrice: formatE8(open),
    lastPrice: common.lastPrice,
    lastQty: formatE8(lastTrade ? scaleUp(lastTrade.quantityMinor, "base") : 0n),
    bidPrice: formatE8(book.bids[0]?.price ?? 0n),
    bidQty: formatE8(book.bids[0]?.qty ?? 0n),
    askPrice: formatE8(book.asks[0]?.price ?? 0n),
    askQty: formatE8(book.asks[0]?.qty ?? 0n),
    openPrice: common.openPrice,
    highPrice: common.highPrice,
    lowPrice: common.lowPrice,
    volume: common.volume,
    quoteVolume: common.quoteVolume,
    openTime: common.openTime,
    closeTime: common.closeTime,
    firstId: common.firstId,
    lastId: common.lastId,
    count: common.count,
  };
}

export function buildRoutes(
  exchange: StandinExchange,
  limits: { weightLimit: number; ordersPer10s: number },
) {
  const routes = new Map<string, Route>();
  const accountOf = (context: Context): Account => {
    if (!context.account)
      throw new BinanceApiError(401, -2015, "Invalid API-key, IP, or permissions for action.");
    return context.account;
  };
  const findOrder = (context: Context) => {
    const account = accountOf(context);
    const symbol = symbolParam(exchange, context.params);
    const orderId = longParam(context.params, "orderId");
    const clientOrderId = context.params.get("origClientOrderId");
    if (orderId === undefined && (clientOrderId === undefined || clientOrderId === "")) {
      throw badRequest(
        -1102,
        "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
      );
    }
    return { account, order: exchange.findOrder(account, symbol, orderId, clientOrderId || undefined) };
  };
  const placeOrder = (context: Context, test: boolean) => {
    const account = accountOf(context);
    const request = parseNewOrder(exchange, context.params);
    if (!test && ordersRecentCount(account, context.nowMs, 10_000) >= limits.ordersPer10s) {
      context.headers["Retry-After"] = "10";
      throw new BinanceApiError(
        429,
        -1015,
        `Too many new orders; current limit is ${limits.ordersPer10s} orders per 10 SECOND.`,
      );
    }
    if (!test && ordersRecentCount(account, context.nowMs, 86_400_000) >= ORDERS_PER_DAY) {
      context.headers["Retry-After"] = "3600";
      throw new BinanceApiError(
        429,
        -1015,
        `Too many new orders; current limit is ${ORDERS_PER_DAY} orders per 1 DAY.`,
      );
    }
    const { order, fills } = exchange.placeOrder(account, request, context.nowMs, test);
    if (test) return {};
    context.headers["X-MBX-ORDER-COUNT-10S"] = String(ordersRecentCount(account, context.nowMs, 10_000));
    context.headers["X-MBX-ORDER-COUNT-1D"] = String(ordersRecentCount(account, context.nowMs, 86_400_000));
    return placementAnswer(order, fills, request.respType);
  };

  routes.set("GET /api/v3/ping", { signed: false, weight: () => 1, accepts: [], handle: () => ({}) });
  routes.set("GET /api/v3/time", {
    signed: false,
    weight: () => 1,
    accepts: [],
    handle: (context) => ({ serverTime: context.nowMs }),
  });
  routes.set("GET /api/v3/exchangeInfo", {
    signed: false,
    weight: () => 20,
    accepts: ["symbol", "symbols", "permissions", "showPermissionSets", "symbolStatus"],
    handle: (context) => {
      const { list } = selectedSymbols(exchange, context.params);
      const status = context.params.get("symbolStatus");
      return {
        timezone: "UTC",
        serverTime: context.nowMs,
        rateLimits: exchange.rateLimits.map((limit) =>
          limit.rateLimitType === "REQUEST_WEIGHT" ? { ...limit, limit: limits.weightLimit } : limit,
        ),
        exchangeFilters: [],
        // Every listed symbol is TRADING here.
        symbols: status === undefined || status === "TRADING" ? list.map((symbol) => symbol.info) : [],
      };
    },
  });
  routes.set("GET /api/v3/depth", {
    signed: false,
    weight: (params) => {
      const limit = Number(params.get("limit") ?? 100);
      return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
    },
    accepts: ["symbol", "limit", "symbolStatus"],
    handle: (context) => {
      const symbol = symbolParam(exchange, context.params);
      const limit = limitParam(context.params, 100, 5_000);
      const book = exchange.book(symbol, context.nowMs, Math.min(limit, 100));
      const rows = (levels: { price: bigint; qty: bigint }[]) =>
        levels.slice(0, limit).map((level) => [formatE8(level.price), formatE8(level.qty)]);
      return { lastUpdateId: simSecond(context.nowMs), bids: rows(book.bids), asks: rows(book.asks) };
    },
  });
  routes.set("GET /api/v3/klines", {
    signed: false,
    weight: () => 2,
    accepts: ["symbol", "interval", "startTime", "endTime", "timeZone", "limit"],
    handle: (context) => {
      const symbol = symbolParam(exchange, context.params);
      const interval = mandatory(context.params, "interval");
      if (!KLINE_INTERVALS.includes(interval)) throw badRequest(-1120, "Invalid interval.");
      return klines(exchange, symbol, {
        interval,
        startTime: longParam(context.params, "startTime"),
        endTime: longParam(context.params, "endTime"),
        limit: limitParam(context.params, 500, 1_000),
        nowMs: context.nowMs,
      });
    },
  });
  routes.set("GET /api/v3/ticker/price", {
    signed: false,
    weight: (params) => (params.has("symbol") ? 2 : 4),
    accepts: ["symbol", "symbols", "symbolStatus"],
    handle: (context) => {
      const { list, single } = selectedSymbols(exchange, context.params);
      const prices = list.map((symbol) => ({
        symbol: symbol.name,
        price: formatE8(exchange.lastPrice(symbol, context.nowMs)),
      }));
      return single ? prices[0] : prices;
    },
  });
  routes.set("GET /api/v3/ticker/24hr", {
    signed: false,
    weight: (params) => {
      if (params.has("symbol")) return 2;
      const symbols = params.get("symbols");
      if (symbols === undefined) return 80;
      const count = symbols.split(",").length;
      return count <= 20 ? 2 : count <= 100 ? 40 : 80;
    },
    accepts: ["symbol", "symbols", "type", "symbolStatus"],
    handle: (context) => {
      const type = context.params.get("type") ?? "FULL";
      if (type !== "FULL" && type !== "MINI") throw badRequest(-1139, "Invalid ticker type.");
      const { list, single } = selectedSymbols(exchange, context.params);
      const tickers = list.map((symbol) => ticker24h(exchange, symbol, context.nowMs, type === "MINI"));
      return single ? tickers[0] : tickers;
    },
  });
  routes.set("POST /api/v3/order", {
    signed: true,
    weight: () => 1,
    accepts: ORDER_PARAMS,
    handle: (context) => placeOrder(context, false),
  });
  routes.set("POST /api/v3/order/test", {
    signed: true,
    weight: (params) => (params.get("computeCommissionRates") === "true" ? 20 : 1),
    accepts: [...ORDER_PARAMS, "computeCommissionRates"],
    handle: (context) => {
      const answer = placeOrder(context, true);
      if (context.params.get("computeCommissionRates") !== "true") return answer;
      const rate = { maker: "0.00100000", taker: "0.00100000" };
      return {
        standardCommissionForOrder: rate,
        specialCommissionForOrder: { maker: "0.00000000", taker: "0.00000000" },
        taxCommissionForOrder: { maker: "0.00000000", taker: "0.00000000" },
        discount: {
          enabledForAccount: false,
          enabledForSymbol: false,
          discountAsset: "BNB",
          discount: "0.00000000",
        },
      };
    },
  });
  routes.set("GET /api/v3/order", {
    signed: true,
    weight: () => 4,
    accepts: ["symbol", "orderId", "origClientOrderId", ...SIGNED_COMMON],
    handle: (context) => {
      const { order } = findOrder(context);
      if (!order) throw badRequest(-2013, "Order does not exist.");
      return orderView(order);
    },
  });
  routes.set("DELETE /api/v3/order", {
    signed: true,
    weight: () => 1,
    accepts: [
      "symbol",
      "orderId",
      "origClientOrderId",
      "newClientOrderId",
      "cancelRestrictions",
      ...SIGNED_COMMON,
    ],
    handle: (context) => {
      const { account, order } = findOrder(context);
      const restriction = context.params.get("cancelRestrictions");
      if (
        restriction !== undefined &&
        restriction !== "ONLY_NEW" &&
        restriction !== "ONLY_PARTIALLY_FILLED"
      ) {
        throw badRequest(-1145, "Invalid cancelRestrictions");
      }
      const cancelId = context.params.get("newClientOrderId") ?? randomAlphanumeric(22);
      if (!CLIENT_ORDER_ID.test(cancelId)) throw illegal("newClientOrderId", "^[\\.A-Z\\:/a-z0-9_-]{1,36}$");
      if (!order || !isOpen(order)) throw badRequest(-2011, "Unknown order sent.");
      if (
        (restriction === "ONLY_NEW" && order.status !== "NEW") ||
        (restriction === "ONLY_PARTIALLY_FILLED" && order.status !== "PARTIALLY_FILLED")
      ) {
        throw badRequest(-2011, "Order was not canceled due to cancel restrictions.");
      }
      exchange.cancelOrder(account, order, context.nowMs);
      const { workingTime: _working, ...result } = orderResult(order);
      return {
        ...result,
        origClientOrderId: order.clientOrderId,
        clientOrderId: cancelId,
        transactTime: context.nowMs,
      };
    },
  });
  routes.set("GET /api/v3/openOrders", {
    signed: true,
    weight: (params) => (params.has("symbol") ? 6 : 80),
    accepts: ["symbol", ...SIGNED_COMMON],
    handle: (context) => {
      const account = accountOf(context);
      const symbol = context.params.has("symbol") ? symbolParam(exchange, context.params) : undefined;
      return [...account.orders.values()]
        .filter((order) => isOpen(order) && (symbol === undefined || order.symbol === symbol))
        .map(orderView);
    },
  });
  routes.set("GET /api/v3/account", {
    signed: true,
    weight: () => 20,
    accepts: ["omitZeroBalances", ...SIGNED_COMMON],
    handle: (context) => {
      const account = accountOf(context);
      const omitZero = context.params.get("omitZeroBalances") === "true";
      return {
        makerCommission: 10,
        takerCommission: 10,
        buyerCommission: 0,
        sellerCommission: 0,
        commissionRates: {
          maker: "0.00100000",
          taker: "0.00100000",
          buyer: "0.00000000",
          seller: "0.00000000",
        },
        canTrade: true,
        canWithdraw: true,
        canDeposit: true,
        brokered: false,
        requireSelfTradePrevention: false,
        preventSor: false,
        updateTime: account.updateTime,
        accountType: "SPOT",
        balances: [...account.balances.entries()]
          .filter(([, balance]) => !omitZero || balance.free > 0n || balance.locked > 0n)
          .map(([asset, balance]) => ({
            asset,
            free: formatE8(balance.free),
            locked: formatE8(balance.locked),
          })),
        permissions: ["SPOT"],
        uid: account.uid,
      };
    },
  });
  routes.set("GET /api/v3/myTrades", {
    signed: true,
    weight: (params) => (params.has("orderId") ? 5 : 20),
    accepts: ["symbol", "orderId", "startTime", "endTime", "fromId", "limit", ...SIGNED_COMMON],
    handle: (context) => {
      const account = accountOf(context);
      const symbol = symbolParam(exchange, context.params);
      const orderId = longParam(context.params, "orderId");
      const startTime = longParam(context.params, "startTime");
      const endTime = longParam(context.params, "endTime");
      const fromId = longParam(context.params, "fromId");
      const limit = limitParam(context.params, 500, 1_000);
      if (fromId !== undefined && (startTime !== undefined || endTime !== undefined)) {
        throw badRequest(-1128, "Combination of optional parameters invalid.");
      }
      if (startTime !== undefined && endTime !== undefined && endTime - startTime > 86_400_000) {
        throw badRequest(-1127, "More than 24 hours between startTime and endTime.");
      }
      const matching = account.trades.filter(
        (trade) =>
          trade.symbol === symbol.name &&
          (orderId === undefined || trade.orderId === orderId) &&
          (fromId === undefined || trade.id >= fromId) &&
          (startTime === undefined || trade.time >= startTime) &&
          (endTime === undefined || trade.time <= endTime),
      );
      const page =
        fromId !== undefined || startTime !== undefined ? matching.slice(0, limit) : matching.slice(-limit);
      return page.map((trade) => ({
        symbol: trade.symbol,
        id: trade.id,
        orderId: trade.orderId,
        orderListId: -1,
        price: formatE8(trade.price),
        qty: formatE8(trade.qty),
        quoteQty: formatE8(trade.quoteQty),
        commission: formatE8(trade.commission),
        commissionAsset: trade.commissionAsset,
        time: trade.time,
        isBuyer: trade.isBuyer,
        isMaker: trade.isMaker,
        isBestMatch: true,
      }));
    },
  });
  return routes;
}
