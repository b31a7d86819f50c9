import { startBenchWorker } from "./bench-worker.ts";

/**
 * `npm run bench:auth`: cost of one password hash, one password verification and one TOTP
 * verification inside workerd (the runtime production uses, through `wrangler dev`), as
 * p50/p99 over sequential loopback requests, net of a no-op request's cost. Bounded: fixed
 * counts against one local runtime.
 */
const worker = await startBenchWorker({ config: "test/bench/auth-wrangler.toml", readyPath: "/noop" });
const base = worker.baseUrl;

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

async function measure(path: string, count: number): Promise<number[]> {
  for (let warm = 0; warm < 5; warm++) await (await fetch(`${base}${path}`)).text();
  const samples: number[] = [];
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    const response = await fetch(`${base}${path}`);
    const body = await response.text();
    samples.push(performance.now() - started);
    if (body !== "ok") throw new Error(`${path} answered ${body}`);
  }
  return samples.sort((a, b) => a - b);
}

try {
  const noop = await measure("/noop", 300);
  const baseline = percentile(noop, 50);
  const rows: Record<string, { count: number; p50Ms: string; p99Ms: string }> = {};
  for (const [name, path, count] of [
    ["password hash (PBKDF2-SHA256, 100k)", "/hash", 60],
    ["password verify", "/verify", 60],
    ["TOTP verify (3 steps)", "/totp", 500],
  ] as const) {
    const samples = (await measure(path, count)).map((value) => Math.max(0, value - baseline));
    rows[name] = {
      count,
      p50Ms: percentile(samples, 50).toFixed(3),
      p99Ms: percentile(samples, 99).toFixed(3),
    };
  }
  console.log(`no-op request baseline p50 ${baseline.toFixed(3)} ms (subtracted below)`);
  console.table(rows);
  const hashP99 = Number(rows["password hash (PBKDF2-SHA256, 100k)"]?.p99Ms);
  console.log(
    `Workers Standard plan CPU limit per request: 30,000 ms by default -> a hash uses ${((hashP99 / 30_000) * 100).toFixed(2)} % at p99.`,
  );
  console.log(
    `Workers Free plan CPU limit: 10 ms -> ${hashP99 > 10 ? "a hash does NOT fit; the platform needs the Standard plan" : "fits"}.`,
  );
} finally {
  worker.stop();
}
