import { z } from "zod";
import { ApiError } from "../errors.ts";
import { defineRoutes } from "../routes.ts";
import { requireIdempotencyKey } from "../services/ledger/request.ts";
import { cursorField } from "../services/paging/cursor.ts";
import { MAX_PAGE } from "../services/trading/store.ts";
import { cancelOrder, myOrder, myOrders, myTrades, placeOrder } from "../use-cases/orders.ts";
import { userCaller } from "./caller.ts";
import { validate } from "./validation.ts";

/**
 * Spot orders (API.md "Markets and orders"). Placement and cancel go to the user's order desk
 * (a Durable Object) through the trading service; reads come from the records. Amounts and
 * prices are decimal strings both ways.
 */

const DEFAULT_PAGE = 50;
const MAX_JSON_BYTES = 16 * 1024;

const limitField = z
  .string()
  .regex(/^[0-9]{1,3}$/, `must be an integer from 1 to ${MAX_PAGE}`)
  .transform(Number)
  .pipe(z.number().int().min(1, "must be at least 1").max(MAX_PAGE, `must be at most ${MAX_PAGE}`))
  .optional();

const ordersQuery = z.object({
  status: z.enum(["open", "all"], { message: "must be open or all" }).optional(),
  symbol: z.string().max(16).optional(),
  cursor: cursorField.optional(),
  limit: limitField,
});

const tradesQuery = z.object({
  symbol: z.string().max(16).optional(),
  orderId: z.string().max(64).optional(),
  cursor: cursorField.optional(),
  limit: limitField,
});

export const orderRoutes = defineRoutes([
  {
    method: "POST",
    path: "/orders",
    routeClass: "authenticated",
    // Idempotent by key: the same key and order answer the first response again, one effect.
    handler: async (c) => {
      const caller = await userCaller(c);
      const key = requireIdempotencyKey(c);
      const body = await readJson(c.req.raw);
      const order = await placeOrder(
        caller,
        { clientKey: `api:${key}`, body },
        { onTiming: (header) => c.header("Server-Timing", header) },
      );
      return c.json({ order }, 201);
    },
  },
  {
    method: "GET",
    path: "/orders",
    routeClass: "authenticated",
    handler: async (c) => {
      const caller = await userCaller(c);
      const query = validate(ordersQuery, c.req.query());
      const page = await myOrders(caller, {
        status: query.status ?? "all",
        limit: query.limit ?? DEFAULT_PAGE,
        cursor: query.cursor,
        symbol: query.symbol,
      });
      return c.json(page, 200, { "Cache-Control": "no-store" });
    },
  },
  {
    method: "GET",
    path: "/orders/:id",
    routeClass: "authenticated",
    handler: async (c) => {
      const order = await myOrder(await userCaller(c), c.req.param("id") ?? "");
      return c.json({ order }, 200, { "Cache-Control": "no-store" });
    },
  },
  {
    method: "DELETE",
    path: "/orders/:id",
    routeClass: "authenticated",
    // Releases exactly what the order still holds. Another user's order is a 404, a filled
    // one 409 order_not_open; cancelling a cancelled order answers it again.
    handler: async (c) => {
      const order = await cancelOrder(await userCaller(c), c.req.param("id") ?? "");
      return c.json({ order }, 200);
    },
  },
  {
    method: "GET",
    path: "/trades",
    routeClass: "authenticated",
    handler: async (c) => {
      const caller = await userCaller(c);
      const query = validate(tradesQuery, c.req.query());
      const page = await myTrades(caller, {
        limit: query.limit ?? DEFAULT_PAGE,
        cursor: query.cursor,
        symbol: query.symbol,
        orderId: query.orderId,
      });
      return c.json(page, 200, { "Cache-Control": "no-store" });
    },
  },
]);

/** The body as parsed JSON, unchecked: the trading service names each bad field itself. */
async function readJson(request: Request): Promise<unknown> {
  const contentType = request.headers.get("Content-Type") ?? "";
  if (!/^application\/json\b/i.test(contentType)) {
    throw new ApiError(415, "unsupported_media_type", "Send the body as application/json.");
  }
  const text = await request.text();
  if (text.length > MAX_JSON_BYTES)
    throw new ApiError(413, "payload_too_large", "The request body is too large.");
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_request", "The body is not valid JSON.");
  }
}
