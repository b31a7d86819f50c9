import {
  BinanceSpot,
  type BinanceSpotOptions,
  type ExchangeRecord,
} from "../../../worker/services/exchange/index.ts";
import type { FetchLike } from "../../../worker/services/markets/http.ts";
import type { BinanceStandin } from "../../support/binance-standin/server.ts";

/** What the runtime throws when AbortSignal.timeout fires. */
export function timeoutError(): DOMException {
  return new DOMException("The operation was aborted due to timeout", "TimeoutError");
}

function matches(input: string, init: RequestInit | undefined, method: string, path: string): boolean {
  return (init?.method ?? "GET") === method && new URL(input).pathname === path;
}

/**
 * A fetch that, for the next `times` matching requests, lets the request reach the exchange and
 * then loses the answer as a timeout would: the exchange acted, we never hear about it.
 */
export function loseAnswers(method: string, path: string, times = 1): FetchLike {
  let left = times;
  return async (input, init) => {
    const response = await fetch(input, init);
    if (left > 0 && matches(input, init, method, path)) {
      left--;
      await response.body?.cancel();
      throw timeoutError();
    }
    return response;
  };
}

/** A fetch that, for the next `times` matching requests, times out before anything is sent. */
export function dropBeforeSending(method: string, path: string, times = 1): FetchLike {
  let left = times;
  return async (input, init) => {
    if (left > 0 && matches(input, init, method, path)) {
      left--;
      throw timeoutError();
    }
    return fetch(input, init);
  };
}

export interface TestAdapter {
  adapter: BinanceSpot;
  records: ExchangeRecord[];
}

/**
 * An adapter on the stand-in with a short recvWindow (recovery waits it out), still long enough
 * for a loopback request on a busy machine.
 */
export function adapterOn(
  standin: BinanceStandin,
  credentials: { apiKey: string; secretKey: string },
  options: Partial<BinanceSpotOptions> = {},
): TestAdapter {
  const records: ExchangeRecord[] = [];
  const adapter = new BinanceSpot({
    apiKey: credentials.apiKey,
    apiSecret: credentials.secretKey,
    baseUrl: standin.url,
    recvWindowMs: 800,
    timeoutMs: 2_000,
    onExchange: (record) => records.push(record),
    ...options,
  });
  return { adapter, records };
}

/** "METHOD path status" of every exchange the adapter recorded, in order. */
export function transcript(records: ExchangeRecord[]): string[] {
  return records.map((record) => `${record.method} ${record.path} ${record.status ?? "no answer"}`);
}
