import { ApiError } from "../../errors.ts";

/**
 * Upstream market data over HTTP: every request has a timeout (AbortSignal), transient
 * failures are retried a bounded number of times with exponential backoff and full jitter, and
 * answers are cached; when the upstream keeps failing, the last good answer is served marked
 * stale (up to a bound), and only then does the caller get a 503.
 */

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface UpstreamOptions {
  /** Injected in tests (recorded responses); defaults to the runtime's fetch. */
  fetch?: FetchLike;
  timeoutMs?: number;
  /** Attempts per request, first included. */
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Longest a last good answer may be served stale before the data counts as unavailable. */
  maxStaleMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Jitter in [0, 1); not security relevant, so Math.random is fine by default. */
  random?: () => number;
  now?: () => number;
  headers?: Record<string, string>;
}

export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = "UpstreamError";
  }
}

const DEFAULTS = {
  timeoutMs: 2_500,
  maxAttempts: 3,
  backoffBaseMs: 200,
  backoffMaxMs: 2_000,
  maxStaleMs: 15 * 60_000,
};
const MAX_ATTEMPTS_BOUND = 5;
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export class UpstreamClient {
  private readonly fetchImpl: FetchLike;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly headers: Record<string, string>;

  constructor(
    readonly name: string,
    private readonly baseUrl: string,
    options: UpstreamOptions = {},
  ) {
    // Wrapped, not passed bare: a detached `fetch` throws "Illegal invocation" in some runtimes.
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.maxAttempts = Math.max(1, Math.min(MAX_ATTEMPTS_BOUND, options.maxAttempts ?? DEFAULTS.maxAttempts));
    this.backoffBaseMs = options.backoffBaseMs ?? DEFAULTS.backoffBaseMs;
    this.backoffMaxMs = options.backoffMaxMs ?? DEFAULTS.backoffMaxMs;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.headers = { Accept: "application/json", ...options.headers };
  }

  url(path: string, params: Record<string, string | number | undefined> = {}): string {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  /** GET JSON with timeout and bounded retries; throws UpstreamError when every attempt failed. */
  async getJson(path: string, params: Record<string, string | number | undefined> = {}): Promise<unknown> {
    const url = this.url(path, params);
    let lastError: UpstreamError = new UpstreamError(`${this.name}: no attempt made`, true);
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      let retryAfterMs: number | undefined;
      try {
        const response = await this.fetchImpl(url, {
          method: "GET",
          headers: this.headers,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        if (response.ok) {
          const text = await response.text();
          if (text.length > MAX_BODY_BYTES)
            throw new UpstreamError(`${this.name}: response too large`, false);
          try {
            return JSON.parse(text) as unknown;
          } catch {
            throw new UpstreamError(`${this.name}: response is not JSON`, true);
          }
        }
        // 429 and 418 (Binance's ban warning) and 5xx are transient; other 4xx are our mistake.
        const retryable = response.status === 429 || response.status === 418 || response.status >= 500;
        const retryAfter = Number(response.headers.get("Retry-After"));
        if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = retryAfter * 1000;
        await response.body?.cancel();
        throw new UpstreamError(`${this.name}: HTTP ${response.status}`, retryable, response.status);
      } catch (error) {
        lastError = toUpstreamError(this.name, error);
        if (!lastError.retryable || attempt === this.maxAttempts) break;
        // Full jitter keeps many isolates from retrying in lockstep; Retry-After wins if longer.
        const backoff = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (attempt - 1));
        const wait = Math.min(
          this.backoffMaxMs,
          Math.max(retryAfterMs ?? 0, Math.floor(backoff * this.random())),
        );
        await this.sleep(wait);
      }
    }
    throw lastError;
  }
}

function toUpstreamError(name: string, error: unknown): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return new UpstreamError(`${name}: timed out`, true);
  }
  // Network failures surface as TypeError from fetch: transient by nature.
  return new UpstreamError(`${name}: ${error instanceof Error ? error.message : "request failed"}`, true);
}

interface CachedAnswer<T> {
  value: T;
  fetchedAtMs: number;
  stale: boolean;
}

/**
 * Per-isolate cache of upstream answers, bounded in entries. Fresh answers are reused for
 * `freshMs`; after that a reload is tried, and if it fails the last good value is returned
 * with `stale: true` for up to `maxStaleMs`.
 *
 * In-flight requests are deliberately not shared between callers: on Workers a promise tied
 * to one request's I/O must not be awaited by another request.
 */
export class AnswerCache {
  private readonly entries = new Map<string, { value: unknown; fetchedAtMs: number }>();
  private readonly now: () => number;
  private readonly maxStaleMs: number;
  lastError: UpstreamError | undefined;

  constructor(
    private readonly sourceLabel: string,
    options: Pick<UpstreamOptions, "now" | "maxStaleMs"> = {},
    private readonly maxEntries = 256,
  ) {
    this.now = options.now ?? Date.now;
    this.maxStaleMs = options.maxStaleMs ?? DEFAULTS.maxStaleMs;
  }

  async get<T>(key: string, freshMs: number, load: () => Promise<T>): Promise<CachedAnswer<T>> {
    const entry = this.entries.get(key);
    const now = this.now();
    if (entry && now - entry.fetchedAtMs < freshMs) {
      return { value: entry.value as T, fetchedAtMs: entry.fetchedAtMs, stale: false };
    }
    try {
      const value = await load();
      this.entries.delete(key);
      this.entries.set(key, { value, fetchedAtMs: now });
      if (this.entries.size > this.maxEntries) {
        const oldest = this.entries.keys().next();
        if (!oldest.done) this.entries.delete(oldest.value);
      }
      return { value, fetchedAtMs: now, stale: false };
    } catch (error) {
      this.lastError = error instanceof UpstreamError ? error : new UpstreamError(String(error), false);
      if (entry && now - entry.fetchedAtMs <= this.maxStaleMs) {
        return { value: entry.value as T, fetchedAtMs: entry.fetchedAtMs, stale: true };
      }
      throw marketDataUnavailable(this.sourceLabel);
    }
  }
}

export function marketDataUnavailable(source: string, detail?: string): ApiError {
  return new ApiError(
    503,
    "market_data_unavailable",
    `Market data from ${source} is unavailable right now${detail ? ` (${detail})` : ""}. Try again shortly.`,
  );
}
