import { ApiError } from "../../errors.ts";
import type { AuthenticatedUser } from "../auth/guards.ts";
import { requireTwoFactorEnabled } from "../auth/guards.ts";
import type { Services } from "../context.ts";
import { isExchangeConfigured } from "../exchange/index.ts";
import { assertOrderFilters } from "../markets/filters.ts";
import { marketSource } from "../markets/index.ts";
import { isMarketSymbol, requireMarket } from "../markets/symbols.ts";
import { feeDiscountsFor } from "../monetisation/discounts.ts";
import { unwrap, userOrdersClient } from "../objects/user-orders.ts";
import { orderCursor, tradeCursor } from "../paging/cursor.ts";
import { gbpValuationProvider } from "../valuation/gbp.ts";
import { type FeeSchedule, feeScheduleFor } from "./fees.ts";
import { type OrderRequest, type OrderView, orderView, type TradeView, tradeView } from "./model.ts";
import { staleError } from "./paper-venue.ts";
import {
  findOrder,
  liveVolume30dGbpMinor,
  listOrders as readOrders,
  listTrades as readTrades,
} from "./store.ts";
import { liveUnavailable } from "./venue.ts";

/**
 * Trading as the API routes and the Trade page use it: one path to orders for both. Reads come
 * from the records; every change goes to the user's UserOrders Durable Object (the order desk),
 * which moves money only through the user's UserLedger.
 */

/** The body of POST /orders as received: every field still unchecked. */
interface PlaceOrderBody {
  symbol?: unknown;
  side?: unknown;
  type?: unknown;
  mode?: unknown;
  quantity?: unknown;
  quoteAmount?: unknown;
  price?: unknown;
  stopPrice?: unknown;
}

/**
 * Validates and places an order. Order of refusals: malformed body (400), unknown symbol (404),
 * filters (400 filter_failure), LIVE without 2FA (403), LIVE without an exchange account
 * configured (503 live_unavailable: a LIVE order is never filled on paper), LIVE on a pair the
 * exchange does not list (400 not_live_tradable), stale market data (503). Funds are checked
 * by the ledger when the desk holds them (409); the exchange's own refusals come back from the
 * desk (400 exchange_filter_failure, 409 exchange_*), with the hold released.
 */
export async function placeOrder(
  services: Pick<Services, "config" | "env">,
  user: Pick<AuthenticatedUser, "id" | "twoFactorEnabled">,
  clientKey: string,
  body: unknown,
  options: { onTiming?: (header: string) => void } = {},
): Promise<OrderView> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw invalid({ body: "must be a JSON object" });
  }
  const input = body as PlaceOrderBody;
  const mode = input.mode ?? "paper";
  if (mode !== "paper" && mode !== "live") throw invalid({ mode: 'must be "paper" or "live"' });
  if (typeof input.symbol !== "string")
    throw invalid({ symbol: 'is required, as a market symbol such as "BTC-GBP"' });
  const market = requireMarket(input.symbol);
  const source = marketSource(services);
  const ticker = await source.ticker(market.symbol);
  const order = assertOrderFilters(
    market.symbol,
    {
      side: input.side,
      type: input.type,
      quantity: input.quantity,
      quoteAmount: input.quoteAmount,
      price: input.price,
      stopPrice: input.stopPrice,
    },
    { referencePriceMinor: ticker.lastMinor },
  );
  if (mode === "live") {
    requireTwoFactorEnabled(user);
    if (!isExchangeConfigured(services.config)) throw liveUnavailable();
    if (!market.liveTradable) {
      throw new ApiError(400, "not_live_tradable", `${market.symbol} can only be traded on paper.`, {
        fields: { symbol: "is not tradable LIVE" },
      });
    }
  }
  if (ticker.stale) throw staleError();
  const request: OrderRequest = {
    userId: user.id,
    clientKey,
    mode,
    symbol: market.symbol,
    side: order.side,
    type: order.type,
    quantityMinor: order.quantityMinor,
    quoteAmountMinor: order.quoteAmountMinor,
    priceMinor: order.priceMinor,
    ...(order.stopPriceMinor !== undefined ? { stopPriceMinor: order.stopPriceMinor } : {}),
  };
  const startedMs = performance.now();
  const outcome = await userOrdersClient(services.env, user.id).place(request);
  if (outcome.ok && outcome.timing && options.onTiming) {
    const { databaseMs, ledgerMs, venueMs } = outcome.timing;
    const ms = (value: number) => value.toFixed(1);
    options.onTiming(
      `desk;dur=${ms(performance.now() - startedMs)};desc="order desk round trip", desk-db;dur=${ms(databaseMs)}, desk-ledger;dur=${ms(ledgerMs)}, desk-venue;dur=${ms(venueMs)}`,
    );
  }
  return unwrap(outcome);
}

export async function cancelOrder(
  services: Pick<Services, "env">,
  userId: string,
  orderId: string,
): Promise<OrderView> {
  if (!isOrderId(orderId)) throw orderNotFound();
  return userOrdersClient(services.env, userId).cancel(orderId);
}

export async function getOrder(
  services: Pick<Services, "db">,
  userId: string,
  orderId: string,
): Promise<OrderView> {
  const record = isOrderId(orderId) ? await findOrder(services.db, userId, orderId) : null;
  // Someone else's order is indistinguishable from no order.
  if (!record) throw orderNotFound();
  return orderView(record);
}

export interface OrderListQuery {
  status: "open" | "all";
  limit: number;
  cursor?: string | undefined;
  symbol?: string | undefined;
}

export async function listOrders(
  services: Pick<Services, "db">,
  userId: string,
  query: OrderListQuery,
): Promise<{ orders: OrderView[]; nextCursor: string | null }> {
  const page = await readOrders(services.db, userId, {
    status: query.status,
    limit: query.limit,
    after: query.cursor === undefined ? undefined : orderCursor.decode(query.cursor),
    symbol: query.symbol && isMarketSymbol(query.symbol) ? query.symbol : undefined,
  });
  return {
    orders: page.orders.map(orderView),
    nextCursor: page.next === null ? null : orderCursor.encode(page.next),
  };
}

export async function listTrades(
  services: Pick<Services, "db">,
  userId: string,
  query: {
    limit: number;
    cursor?: string | undefined;
    symbol?: string | undefined;
    orderId?: string | undefined;
  },
): Promise<{ trades: TradeView[]; nextCursor: string | null }> {
  const page = await readTrades(services.db, userId, {
    limit: query.limit,
    after: query.cursor === undefined ? undefined : tradeCursor.decode(query.cursor),
    symbol: query.symbol && isMarketSymbol(query.symbol) ? query.symbol : undefined,
    orderId: query.orderId,
  });
  return {
    trades: page.trades.map(tradeView),
    nextCursor: page.next === null ? null : tradeCursor.encode(page.next),
  };
}

/** The user's fee schedule now: the same function the order desk charges by. */
export async function feeScheduleOf(
  services: Pick<Services, "db" | "config">,
  userId: string,
): Promise<FeeSchedule> {
  const valuation = await gbpValuationProvider(services.config).snapshot();
  const nowMs = Date.now();
  const [volume, discounts] = await Promise.all([
    liveVolume30dGbpMinor(services.db, userId, nowMs, valuation),
    feeDiscountsFor(services.db, userId, nowMs),
  ]);
  return feeScheduleFor(volume, discounts);
}

// ---- helpers ---------------------------------------------------------------------------------

const ORDER_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

function isOrderId(value: string): boolean {
  return ORDER_ID_PATTERN.test(value);
}

function orderNotFound(): ApiError {
  return new ApiError(404, "order_not_found", "No such order.");
}

function invalid(fields: Record<string, string>): ApiError {
  return new ApiError(400, "invalid_request", "Some fields are missing or invalid.", { fields });
}
