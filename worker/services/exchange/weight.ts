/**
 * Request weight, so that we never exceed Binance's limit (REST API docs, "LIMITS"): every
 * endpoint costs a weight, the exchange counts the weight used per IP in fixed one-minute
 * windows and reports the count in `X-MBX-USED-WEIGHT-1M` on every response; over the limit it
 * answers 429 (and, to a client that keeps going, 418 and an IP ban of 2 minutes to 3 days).
 *
 * The budget keeps our own count for the current minute of the exchange's clock: before a
 * request it reserves the endpoint's weight and refuses locally (WeightBudgetError, with the
 * wait until the minute rolls over) if that would take the count over our ceiling; after a
 * response it takes the exchange's count if that is higher (other isolates and other clients
 * on the same IP count too). A 429/418 blocks every request until its Retry-After has passed.
 */

import { WeightBudgetError } from "./errors.ts";

const MINUTE_MS = 60_000;

/**
 * Binance publishes 6,000 per minute (exchangeInfo `rateLimits`, REQUEST_WEIGHT); we stop at
 * half, leaving the rest to market data and to other isolates sharing the egress IP.
 */
export const DEFAULT_WEIGHT_CEILING_PER_MINUTE = 3_000;

export class WeightBudget {
  private windowStartMs = Number.NEGATIVE_INFINITY;
  private usedWeight = 0;
  private blockedUntilMs = 0;

  constructor(readonly ceilingPerMinute: number = DEFAULT_WEIGHT_CEILING_PER_MINUTE) {
    if (!Number.isSafeInteger(ceilingPerMinute) || ceilingPerMinute < 1) {
      throw new RangeError("the weight ceiling must be a positive integer");
    }
  }

  /** Weight counted in the minute containing `nowMs` (exchange clock). */
  used(nowMs: number): number {
    this.roll(nowMs);
    return this.usedWeight;
  }

  /** Takes `weight` from this minute's budget or throws without taking anything. */
  reserve(weight: number, nowMs: number): void {
    if (nowMs < this.blockedUntilMs) {
      throw new WeightBudgetError(
        "Binance asked us to back off (HTTP 429/418); no request is sent until the wait is over.",
        this.blockedUntilMs - nowMs,
      );
    }
    this.roll(nowMs);
    if (this.usedWeight + weight > this.ceilingPerMinute) {
      throw new WeightBudgetError(
        `Request weight ${this.usedWeight} + ${weight} would exceed the ceiling of ${this.ceilingPerMinute} per minute; refused before sending.`,
        this.windowStartMs + MINUTE_MS - nowMs,
      );
    }
    this.usedWeight += weight;
  }

  /** The exchange's count from `X-MBX-USED-WEIGHT-1M`, seen at `nowMs`. */
  observe(reportedWeight: number, nowMs: number): void {
    if (!Number.isSafeInteger(reportedWeight) || reportedWeight < 0) return;
    this.roll(nowMs);
    this.usedWeight = Math.max(this.usedWeight, reportedWeight);
  }

  /** A 429/418 with Retry-After: nothing is sent before `untilMs`. */
  blockUntil(untilMs: number): void {
    this.blockedUntilMs = Math.max(this.blockedUntilMs, untilMs);
  }

  private roll(nowMs: number): void {
    const windowStart = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
    // Only forward: a clock resync that steps back must not hand out a fresh minute.
    if (windowStart > this.windowStartMs) {
      this.windowStartMs = windowStart;
      this.usedWeight = 0;
    }
  }
}

/** Published weights (REST API docs, per endpoint) of the endpoints the adapter calls. */
export const ENDPOINT_WEIGHT = {
  ping: 1,
  time: 1,
  exchangeInfo: 20,
  newOrder: 1,
  testOrder: 1,
  cancelOrder: 1,
  queryOrder: 4,
  openOrdersOneSymbol: 6,
  openOrdersAllSymbols: 80,
  account: 20,
  myTradesByOrder: 5,
  myTrades: 20,
} as const;
