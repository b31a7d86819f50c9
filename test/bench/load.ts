/**
 * A small closed-loop load generator for loopback benchmarks: `concurrency` clients each
 * send requests back to back until `count` requests are done or `maxMs` passes. Bounded in
 * both count and time; targets only the URL it is given (always 127.0.0.1 here).
 */
export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export async function runLoad(options: {
  url: string;
  count: number;
  concurrency: number;
  maxMs: number;
  /** Per simulated client (by index): headers, method, body. */
  init?: (clientIndex: number) => RequestInit;
  accept?: (status: number) => boolean;
}): Promise<LoadResult> {
  const url = new URL(options.url);
  if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") throw new Error("loopback targets only");
  const accept = options.accept ?? ((status: number) => status < 400);
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.maxMs;
  const client = async (clientIndex: number) => {
    while (issued < options.count && performance.now() < deadline) {
      issued++;
      const begin = performance.now();
      try {
        const response = await fetch(options.url, options.init?.(clientIndex));
        await response.arrayBuffer();
        if (!accept(response.status)) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - begin);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, index) => client(index)));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

/** One path's figures, as `npm run bench` (all.ts) collects them from each benchmark's output. */
export interface BenchResult {
  path: string;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Balances equal what the API accepted and reconciliation is ok (benchmarks that move money). */
  nothingLost?: boolean;
}

export const RESULT_PREFIX = "BENCH_RESULT ";

/** Prints a result line for the combined table; the benchmark's own tables stay as they are. */
export function reportResult(result: BenchResult): void {
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
}
