import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError } from "../../errors.ts";

/**
 * Everything the exchange adapter can fail with, as one typed family. Each error says whether
 * the order (or request) certainly did not happen (`definite`), whether trying again later
 * can help (`retryable`), and, for rate limits, how long to wait (`retryAfterMs`).
 *
 * Binance answers failures as `{code, msg}` with an HTTP status (REST API docs, "Error Codes",
 * errors.md). The mapping:
 *
 *   -1013 Filter failure: <FILTER>        filter_failure        definite, not retryable
 *   -2010 insufficient balance            insufficient_balance  definite, retryable later
 *   -2010 other (duplicate, market closed) order_rejected       definite
 *   -2011 / -2013 unknown order           unknown_order         definite
 *   -1021 timestamp outside recvWindow    timestamp             the adapter resyncs and retries once
 *   -1022 invalid signature               signature             definite: wrong secret
 *   -2014 / -2015 bad API key             invalid_key           definite: wrong key or permissions
 *   -1003, HTTP 429, HTTP 418             rate_limited          definite; wait retryAfterMs
 *   HTTP 5xx, -1006/-1007, timeout,       status_unknown        NOT definite: the order may exist;
 *   network failure                                             query it by client order id
 *   weight budget spent (local)           weight_budget         definite (never sent); wait retryAfterMs
 *
 * No message, field or cause of these errors carries the API key, the secret, a signature or
 * a signed query string: only the path, Binance's code and its message.
 */

export type ExchangeErrorKind =
  | "filter_failure"
  | "insufficient_balance"
  | "order_rejected"
  | "unknown_order"
  | "timestamp"
  | "signature"
  | "invalid_key"
  | "rate_limited"
  | "weight_budget"
  | "status_unknown"
  | "not_placed"
  | "bad_request"
  | "malformed_response"
  | "symbol_not_tradable"
  | "invalid_order"
  | "not_configured";

interface ExchangeErrorDetails {
  /** Binance's error code, when the exchange answered one. */
  exchangeCode?: number | undefined;
  /** The HTTP status the exchange answered with, when it answered. */
  httpStatus?: number | undefined;
  /** True when the request certainly had no effect on the exchange. */
  definite: boolean;
  /** True when the same request may succeed later (after `retryAfterMs`, if given). */
  retryable: boolean;
  retryAfterMs?: number | undefined;
}

const API_STATUS: Record<ExchangeErrorKind, ContentfulStatusCode> = {
  filter_failure: 400,
  invalid_order: 400,
  symbol_not_tradable: 400,
  unknown_order: 404,
  insufficient_balance: 503,
  order_rejected: 502,
  bad_request: 502,
  malformed_response: 502,
  timestamp: 503,
  signature: 503,
  invalid_key: 503,
  rate_limited: 503,
  weight_budget: 503,
  status_unknown: 503,
  not_placed: 503,
  not_configured: 503,
};

export class ExchangeError extends ApiError {
  readonly kind: ExchangeErrorKind;
  readonly exchangeCode: number | undefined;
  readonly httpStatus: number | undefined;
  readonly definite: boolean;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(kind: ExchangeErrorKind, message: string, details: ExchangeErrorDetails) {
    const retryAfterSeconds =
      details.retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(details.retryAfterMs / 1000));
    super(API_STATUS[kind], `exchange_${kind}`, message, {
      ...(retryAfterSeconds === undefined ? {} : { headers: { "Retry-After": String(retryAfterSeconds) } }),
    });
    this.name = "ExchangeError";
    this.kind = kind;
    this.exchangeCode = details.exchangeCode;
    this.httpStatus = details.httpStatus;
    this.definite = details.definite;
    this.retryable = details.retryable;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** -1013: the exchange's filter refused the order (or our copy of its filters did, before sending). */
export class ExchangeFilterError extends ExchangeError {
  /** Binance's filter name: PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE, NOTIONAL, MIN_NOTIONAL, … */
  readonly filter: string;
  /** True when we refused it locally from the cached exchangeInfo, without sending. */
  readonly local: boolean;

  constructor(
    filter: string,
    message: string,
    details: { local: boolean; exchangeCode?: number; httpStatus?: number },
  ) {
    super("filter_failure", message, {
      exchangeCode: details.exchangeCode,
      httpStatus: details.httpStatus,
      definite: true,
      retryable: false,
    });
    this.name = "ExchangeFilterError";
    this.filter = filter;
    this.local = details.local;
  }
}

/** -1003, HTTP 429 or 418: back off for `retryAfterMs`; the adapter refuses locally until then. */
export class ExchangeRateLimitError extends ExchangeError {
  /** HTTP 418: the IP is banned until the wait is over (Binance escalates from 2 minutes to 3 days). */
  readonly banned: boolean;

  constructor(
    message: string,
    details: { retryAfterMs: number; banned: boolean; exchangeCode?: number; httpStatus?: number },
  ) {
    super("rate_limited", message, {
      exchangeCode: details.exchangeCode,
      httpStatus: details.httpStatus,
      definite: true,
      retryable: true,
      retryAfterMs: details.retryAfterMs,
    });
    this.name = "ExchangeRateLimitError";
    this.banned = details.banned;
  }
}

/** Refused locally: sending would take the minute's request weight over our ceiling. */
export class WeightBudgetError extends ExchangeError {
  constructor(message: string, retryAfterMs: number) {
    super("weight_budget", message, { definite: true, retryable: true, retryAfterMs });
    this.name = "WeightBudgetError";
  }
}

/**
 * The request may or may not have reached the exchange (timeout, network failure, HTTP 5xx,
 * -1006/-1007). For an order, "unknown" is not "failed": ask for it by client order id.
 */
export class ExchangeStatusUnknownError extends ExchangeError {
  /** The `timestamp` the request was signed with (server clock): after it + recvWindow the exchange refuses it. */
  readonly sentTimestampMs: number | undefined;

  constructor(
    message: string,
    details: { sentTimestampMs?: number; exchangeCode?: number; httpStatus?: number },
  ) {
    super("status_unknown", message, {
      exchangeCode: details.exchangeCode,
      httpStatus: details.httpStatus,
      definite: false,
      retryable: true,
    });
    this.name = "ExchangeStatusUnknownError";
    this.sentTimestampMs = details.sentTimestampMs;
  }
}

/** Binance's `{code, msg}` with the HTTP status it came with, mapped to the family above. */
export function errorFromExchange(
  path: string,
  httpStatus: number,
  body: { code?: unknown; msg?: unknown } | undefined,
  retryAfterMs: number | undefined,
): ExchangeError {
  const code = typeof body?.code === "number" ? body.code : undefined;
  // Binance's own text is safe to carry: it names filters and parameters, never credentials.
  const exchangeMessage = typeof body?.msg === "string" ? body.msg.slice(0, 300) : `HTTP ${httpStatus}`;
  const message = `Binance ${path}: ${exchangeMessage}${code === undefined ? "" : ` (${code})`}`;
  const details = { exchangeCode: code, httpStatus };

  if (httpStatus === 429 || httpStatus === 418 || code === -1003 || code === -1015) {
    return new ExchangeRateLimitError(message, {
      ...details,
      // Without a Retry-After, wait for the next minute window: never hammer.
      retryAfterMs: retryAfterMs ?? 60_000,
      banned: httpStatus === 418,
    });
  }
  if (httpStatus >= 500 || code === -1006 || code === -1007 || code === -1008 || code === -1001) {
    return new ExchangeStatusUnknownError(message, details);
  }
  switch (code) {
    case -1013: {
      const filter = /Filter failure: ([A-Z_]+)/.exec(exchangeMessage)?.[1] ?? "UNKNOWN";
      return new ExchangeFilterError(filter, message, { ...details, local: false });
    }
    case -2010:
      if (/insufficient balance/i.test(exchangeMessage)) {
        return new ExchangeError("insufficient_balance", message, {
          ...details,
          definite: true,
          retryable: true,
        });
      }
      return new ExchangeError("order_rejected", message, { ...details, definite: true, retryable: false });
    case -2011:
    case -2013:
      return new ExchangeError("unknown_order", message, { ...details, definite: true, retryable: false });
    case -1021:
      return new ExchangeError("timestamp", message, { ...details, definite: true, retryable: true });
    case -1022:
      return new ExchangeError("signature", message, { ...details, definite: true, retryable: false });
    case -2014:
    case -2015:
    case -1002:
      return new ExchangeError("invalid_key", message, { ...details, definite: true, retryable: false });
    default:
      return new ExchangeError("bad_request", message, { ...details, definite: true, retryable: false });
  }
}

/** True for the "Duplicate order sent." refusal: an open order already has this client order id. */
export function isDuplicateOrder(error: unknown): boolean {
  return (
    error instanceof ExchangeError &&
    error.kind === "order_rejected" &&
    /duplicate order/i.test(error.message)
  );
}
