import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../errors.ts";
import { defineRoutes } from "../routes.ts";
import { marketSource } from "../services/markets/index.ts";
import { requireMarket } from "../services/markets/symbols.ts";
import {
  CANDLE_INTERVALS,
  type CandleInterval,
  MAX_BOOK_DEPTH,
  MAX_CANDLES,
  MAX_TRADES,
} from "../services/markets/types.ts";
import {
  bookView,
  candleSeriesView,
  marketSummaryView,
  marketView,
  tickerView,
  tradesView,
} from "../services/markets/view.ts";

/**
 * Public market data. Every answer is the same for every caller, so it is cached at the edge
 * for a second (Cache-Control for browsers and shared caches, plus the Workers Cache API keyed
 * on the full URL, query included): a burst of page polls costs one computation per second.
 */

const EDGE_TTL_SECONDS = 1;

export const marketRoutes = defineRoutes([
  {
    method: "GET",
    path: "/markets",
    routeClass: "public",
    handler: (c) =>
      edgeCached(c, async () => {
        const tickers = await marketSource(c.get("services")).tickers();
        const { config } = c.get("services");
        return { markets: tickers.map((ticker) => marketSummaryView(ticker, config)) };
      }),
  },
  {
    method: "GET",
    path: "/markets/:symbol",
    routeClass: "public",
    // The market's definition: assets, liveTradable and the filters an order must pass.
    handler: (c) =>
      edgeCached(c, async () => ({
        market: marketView(requireMarket(c.req.param("symbol")), c.get("services").config),
      })),
  },
  {
    method: "GET",
    path: "/markets/:symbol/ticker",
    routeClass: "public",
    handler: (c) =>
      edgeCached(c, async () => {
        const market = requireMarket(c.req.param("symbol"));
        const services = c.get("services");
        return { ticker: tickerView(await marketSource(services).ticker(market.symbol), services.config) };
      }),
  },
  {
    method: "GET",
    path: "/markets/:symbol/candles",
    routeClass: "public",
    handler: (c) =>
      edgeCached(c, async () => {
        const market = requireMarket(c.req.param("symbol"));
        const interval = c.req.query("interval") ?? "1m";
        const fields: Record<string, string> = {};
        if (!(CANDLE_INTERVALS as readonly string[]).includes(interval)) {
          fields.interval = `must be one of ${CANDLE_INTERVALS.join(", ")}`;
        }
        const limit = integerParam(c.req.query("limit"), 100, 1, MAX_CANDLES, "limit", fields);
        const endTime = integerParam(
          c.req.query("endTime"),
          undefined,
          0,
          Number.MAX_SAFE_INTEGER,
          "endTime",
          fields,
        );
        rejectIfInvalid(fields);
        const series = await marketSource(c.get("services")).candles(
          market.symbol,
          interval as CandleInterval,
          {
            limit: limit ?? 100,
            ...(endTime !== undefined ? { endTimeMs: endTime } : {}),
          },
        );
        return candleSeriesView(series);
      }),
  },
  {
    method: "GET",
    path: "/markets/:symbol/book",
    routeClass: "public",
    handler: (c) =>
      edgeCached(c, async () => {
        const market = requireMarket(c.req.param("symbol"));
        const fields: Record<string, string> = {};
        const depth = integerParam(c.req.query("depth"), 20, 1, MAX_BOOK_DEPTH, "depth", fields);
        rejectIfInvalid(fields);
        return bookView(await marketSource(c.get("services")).book(market.symbol, depth ?? 20));
      }),
  },
  {
    method: "GET",
    path: "/markets/:symbol/trades",
    routeClass: "public",
    handler: (c) =>
      edgeCached(c, async () => {
        const market = requireMarket(c.req.param("symbol"));
        const fields: Record<string, string> = {};
        const limit = integerParam(c.req.query("limit"), 50, 1, MAX_TRADES, "limit", fields);
        rejectIfInvalid(fields);
        return tradesView(await marketSource(c.get("services")).trades(market.symbol, limit ?? 50));
      }),
  },
]);

/** A decimal integer query parameter within bounds; anything else is named in `fields`. */
function integerParam(
  raw: string | undefined,
  fallback: number | undefined,
  min: number,
  max: number,
  name: string,
  fields: Record<string, string>,
): number | undefined {
  if (raw === undefined || raw === "") return fallback;
  if (!/^[0-9]{1,16}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    fields[name] = `must be a whole number from ${min} to ${max}`;
    return fallback;
  }
  return Number(raw);
}

function rejectIfInvalid(fields: Record<string, string>): void {
  if (Object.keys(fields).length > 0) {
    throw new ApiError(400, "invalid_request", "Some query parameters are invalid.", { fields });
  }
}

/**
 * Serve from the Workers cache when a copy younger than the TTL exists; otherwise compute,
 * answer, and store a copy built from the body alone (never the response the middleware
 * decorates, which may carry per-request headers such as Set-Cookie or X-Request-Id).
 * Errors are not cached. Where the Cache API is absent, this is just Cache-Control.
 */
async function edgeCached(c: Context<AppEnv>, compute: () => Promise<unknown>): Promise<Response> {
  const headers = {
    "Content-Type": "application/json; charset=UTF-8",
    "Cache-Control": `public, max-age=${EDGE_TTL_SECONDS}`,
  };
  const cache =
    typeof caches === "undefined" ? undefined : (caches as unknown as { default?: Cache }).default;
  const key = new Request(c.req.url, { method: "GET" });
  const hit = cache ? await cache.match(key) : undefined;
  if (hit) return new Response(hit.body, { status: 200, headers: { ...headers, "X-Cache": "HIT" } });
  const body = JSON.stringify(await compute());
  if (cache) {
    const store = cache.put(key, new Response(body, { status: 200, headers }));
    try {
      c.executionCtx.waitUntil(store);
    } catch {
      // No execution context (app.request in tests): store before answering instead.
      await store;
    }
  }
  return new Response(body, { status: 200, headers: { ...headers, "X-Cache": "MISS" } });
}
