import * as trading from "../services/trading/service.ts";
import { type Caller, signedIn } from "./caller.ts";

/**
 * Orders for the API (worker/api/orders.ts) and the Trade page (app/utils/trade.server.ts).
 * The trading service validates the order (symbol, filters, LIVE needs 2FA, stale data) and
 * hands it to the user's order desk; the caller here is always the order's owner.
 */

export async function placeOrder(
  caller: Caller,
  input: { clientKey: string; body: unknown },
  options: { onTiming?: (header: string) => void } = {},
) {
  return trading.placeOrder(caller.services, signedIn(caller), input.clientKey, input.body, options);
}

export async function cancelOrder(caller: Caller, orderId: string) {
  return trading.cancelOrder(caller.services, signedIn(caller).id, orderId);
}

export async function myOrder(caller: Caller, orderId: string) {
  return trading.getOrder(caller.services, signedIn(caller).id, orderId);
}

export async function myOrders(caller: Caller, query: trading.OrderListQuery) {
  return trading.listOrders(caller.services, signedIn(caller).id, query);
}

export async function myTrades(caller: Caller, query: Parameters<typeof trading.listTrades>[2]) {
  return trading.listTrades(caller.services, signedIn(caller).id, query);
}
