import type { Config } from "../../env.ts";
import { BINANCE_LIVE_BASE_URL, BinanceSpot, type BinanceSpotOptions } from "./binance-spot.ts";
import { ExchangeError } from "./errors.ts";

/**
 * The exchange adapter's front door. LIVE orders reach Binance through one `BinanceSpot` per
 * owner (the UserOrders object that places them), built from the secrets here; anything else
 * imports types and errors from the modules below.
 */

export {
  BINANCE_LIVE_BASE_URL,
  BINANCE_TESTNET_BASE_URL,
  BinanceSpot,
  type BinanceSpotOptions,
  type ExchangeRecord,
  type PlacedOrder,
  type PlaceOrderRequest,
} from "./binance-spot.ts";
export {
  ExchangeError,
  type ExchangeErrorKind,
  ExchangeFilterError,
  ExchangeRateLimitError,
  ExchangeStatusUnknownError,
  WeightBudgetError,
} from "./errors.ts";
export { clientOrderIdFor, orderIdFromClientOrderId } from "./ids.ts";
export {
  balanceOf,
  type ExchangeAccount,
  type ExchangeBalance,
  type ExchangeFill,
  type ExchangeOrder,
  type ExchangeOrderStatus,
  type ExchangeTrade,
  isOpenStatus,
} from "./parse.ts";
export type { SymbolRules } from "./rules.ts";

type ExchangeSecrets = Pick<Config, "BINANCE_API_KEY" | "BINANCE_API_SECRET" | "BINANCE_BASE_URL">;

export function isExchangeConfigured(config: ExchangeSecrets): boolean {
  return Boolean(config.BINANCE_API_KEY && config.BINANCE_API_SECRET);
}

/** The adapter for the configured account; throws `exchange_not_configured` without both secrets. */
export function binanceSpotFromConfig(
  config: ExchangeSecrets,
  options: Omit<BinanceSpotOptions, "apiKey" | "apiSecret" | "baseUrl"> = {},
): BinanceSpot {
  if (!config.BINANCE_API_KEY || !config.BINANCE_API_SECRET) {
    throw new ExchangeError(
      "not_configured",
      "LIVE trading needs the exchange account's BINANCE_API_KEY and BINANCE_API_SECRET.",
      { definite: true, retryable: false },
    );
  }
  return new BinanceSpot({
    ...options,
    apiKey: config.BINANCE_API_KEY,
    apiSecret: config.BINANCE_API_SECRET,
    baseUrl: config.BINANCE_BASE_URL ?? BINANCE_LIVE_BASE_URL,
  });
}
