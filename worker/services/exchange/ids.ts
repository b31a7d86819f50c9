import { ExchangeError } from "./errors.ts";

/**
 * `newClientOrderId` from our order id, so a retry of the same order carries the same client id:
 * Binance refuses a second open order with it ("Duplicate order sent.") and finds the order by
 * it (`origClientOrderId`) when a placement's outcome is unknown. Binance allows
 * `^[\.A-Z\:/a-z0-9_-]{1,36}$`; our order ids are UUIDs (36 characters), so the client id is
 * the prefix `chx` and the UUID's 32 hex digits (35 characters), and maps back one to one.
 * Orders placed by anyone else on the account (a person on the website, another tool) have
 * other client ids and map to no order of ours.
 */

const PREFIX = "chx";
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CLIENT_ID_PATTERN = /^chx([0-9a-f]{32})$/;

export function clientOrderIdFor(orderId: string): string {
  const normalised = orderId.toLowerCase();
  if (!UUID_PATTERN.test(normalised)) {
    throw new ExchangeError("invalid_order", "An exchange order needs a UUID order id.", {
      definite: true,
      retryable: false,
    });
  }
  return `${PREFIX}${normalised.replaceAll("-", "")}`;
}

export function orderIdFromClientOrderId(clientOrderId: string): string | null {
  const hex = CLIENT_ID_PATTERN.exec(clientOrderId)?.[1];
  if (!hex) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
