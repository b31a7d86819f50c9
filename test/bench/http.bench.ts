import { startStack } from "../support/stack.ts";
import { startBenchWorker } from "./bench-worker.ts";
import { type LoadResult, reportResult, runLoad } from "./load.ts";

/**
 * `npm run bench:http`: throughput and latency on loopback through the full middleware chain
 * (request id, log, security headers, route class, WAF, rate limit, session) for /healthz,
 * /api/v1/markets and the home page, beside a bare Worker with no middleware in the same
 * runtime. Needs `npm run build` first. Bounded: fixed counts and a time cap per target.
 */
const COUNT = Number(process.env.BENCH_REQUESTS ?? 3_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const MAX_MS = 20_000;

async function startBare(): Promise<{ url: string; stop: () => void }> {
  const worker = await startBenchWorker({ config: "test/bench/bare-wrangler.toml", readyPath: "/" });
  return { url: `${worker.baseUrl}/`, stop: worker.stop };
}

const stack = await startStack({ vars: { LOG_LEVEL: "warn" }, separateDatabase: true });
const bare = await startBare();
try {
  const rows: Record<string, LoadResult & { vsBare?: string }> = {};
  // Many visitors, as real traffic is: each request comes from its own address in 198.18.0.0/15
  // (the range reserved for benchmarks; only a header value, never a target). From one address
  // the run would just measure the per-IP rate limit.
  let visitors = 0;
  const visitor = (): RequestInit => {
    visitors++;
    return {
      headers: { "CF-Connecting-IP": `198.18.${Math.floor(visitors / 250) % 250}.${visitors % 250}` },
    };
  };
  const measure = async (name: string, url: string) => {
    await runLoad({ url, count: 200, concurrency: CONCURRENCY, maxMs: 10_000, init: visitor }); // warm-up
    rows[name] = await runLoad({ url, count: COUNT, concurrency: CONCURRENCY, maxMs: MAX_MS, init: visitor });
  };
  await measure("bare Worker (no middleware)", bare.url);
  await measure("GET /healthz (full chain)", `${stack.baseUrl}/healthz`);
  await measure("GET /api/v1/markets (full chain)", `${stack.baseUrl}/api/v1/markets`);
  await measure("GET / home page, SSR (full chain)", `${stack.baseUrl}/`);
  const bareRate = rows["bare Worker (no middleware)"]?.perSecond ?? Number.NaN;
  const table = Object.fromEntries(
    Object.entries(rows).map(([name, row]) => [
      name,
      {
        requests: row.requests,
        errors: row.errors,
        "req/s": Math.round(row.perSecond),
        "p50 ms": row.p50Ms.toFixed(2),
        "p99 ms": row.p99Ms.toFixed(2),
        "vs bare": `${((row.perSecond / bareRate) * 100).toFixed(0)} %`,
      },
    ]),
  );
  console.log(
    `loopback, ${CONCURRENCY} concurrent clients, up to ${COUNT} requests each target, wrangler dev (workerd)`,
  );
  console.table(table);
  for (const [path, name] of [
    ["bare Worker", "bare Worker (no middleware)"],
    ["home page SSR", "GET / home page, SSR (full chain)"],
  ] as const) {
    const row = rows[name];
    if (row) reportResult({ path, perSecond: row.perSecond, p50Ms: row.p50Ms, p99Ms: row.p99Ms });
  }
  const healthz = rows["GET /healthz (full chain)"];
  if (healthz) {
    const ratio = healthz.perSecond / bareRate;
    console.log(
      `full chain keeps ${(ratio * 100).toFixed(0)} % of bare throughput on /healthz (goal >= 50 %)`,
    );
  }
} finally {
  bare.stop();
  await stack.stop();
}
