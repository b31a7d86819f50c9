import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { type RunningStack, startStack } from "../support/stack.ts";
import { percentile, reportResult } from "./load.ts";

/**
 * `npm run bench:trading` (after `npm run build`): on loopback against `wrangler dev`,
 *
 *   1. paper market orders per second and their p50/p99 latency through the API: 10 users
 *      at once, each its own session and client IP, each sending market buys back to back
 *      (POST /api/v1/orders: WAF, session, the user's UserOrders Durable Object, the ledger
 *      hold and fill in their UserLedger, the order records in libSQL); then it checks every
 *      user's paper GBP balance against the orders the API accepted, to the penny;
 *   2. SSR time of the Trade page (p50/p99) for a signed-in user;
 *   3. the Trade page's JavaScript, gzipped, from the build output.
 *
 * Goals: order p99 <= 100 ms; Trade page JS <= 170 KiB gzip. Bounded: fixed counts (inside the
 * per-session limit of 300 requests per 10 s) and a time cap per phase.
 */

const USERS = 10;
const ORDERS_PER_USER = Number(process.env.BENCH_ORDERS_PER_USER ?? 120);
const WARM_UP_ORDERS = 3;
const SEQUENTIAL_ORDERS = 40;
const SSR_REQUESTS = Number(process.env.BENCH_SSR_REQUESTS ?? 150);
const SSR_CONCURRENCY = 4;
const PHASE_MAX_MS = 60_000;
const FUNDING = "100000.00";
const SYMBOLS = ["BTC-GBP", "ETH-GBP", "SOL-GBP"] as const;
const ORDER_P99_GOAL_MS = 100;
const PAGE_JS_GOAL_KIB = 170;

interface Trader {
  index: number;
  ip: string;
  cookie: string;
  spentPence: bigint;
}

function loopbackOnly(url: string): void {
  const host = new URL(url).hostname;
  if (host !== "127.0.0.1" && host !== "localhost") throw new Error(`loopback targets only, not ${host}`);
}

function pence(text: string): bigint {
  const [whole = "0", fraction = ""] = text.split(".");
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0").slice(0, 2));
}

async function call(
  stack: RunningStack,
  trader: Pick<Trader, "ip" | "cookie">,
  method: string,
  path: string,
  body?: unknown,
  extra: Record<string, string> = {},
): Promise<{
  status: number;
  json: Record<string, unknown>;
  setCookie: string | null;
  timing: string | null;
}> {
  const headers: Record<string, string> = {
    Origin: stack.baseUrl,
    "CF-Connecting-IP": trader.ip,
    ...extra,
  };
  if (trader.cookie) headers.Cookie = trader.cookie;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`${stack.baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    json: text.startsWith("{") ? (JSON.parse(text) as Record<string, unknown>) : {},
    setCookie: response.headers.get("Set-Cookie"),
    timing: response.headers.get("Server-Timing"),
  };
}

async function signUp(stack: RunningStack, index: number): Promise<Trader> {
  const trader: Trader = { index, ip: `10.77.0.${index + 1}`, cookie: "", spentPence: 0n };
  const email = `bench-trading-${Date.now().toString(36)}-${index}@example.com`;
  const signup = await call(stack, trader, "POST", "/api/v1/auth/signup", {
    email,
    password: "bench-trading-password-42",
  });
  const match = /chx_session=([^;]+)/.exec(signup.setCookie ?? "");
  if (signup.status !== 201 || !match)
    throw new Error(`signup ${signup.status}: ${JSON.stringify(signup.json)}`);
  trader.cookie = `chx_session=${match[1]}`;
  const deposit = await call(
    stack,
    trader,
    "POST",
    "/api/v1/wallets/paper-deposit",
    { asset: "GBP", amount: FUNDING },
    { "Idempotency-Key": `bench-fund-${index}-${Date.now()}` },
  );
  if (deposit.status !== 201) throw new Error(`deposit ${deposit.status}: ${JSON.stringify(deposit.json)}`);
  return trader;
}

/** Server-Timing of accepted orders: where the time went (desk = the Durable Object call). */
const breakdown: Record<string, number[]> = {};

async function placeBuy(stack: RunningStack, trader: Trader, sequence: number) {
  const symbol = SYMBOLS[sequence % SYMBOLS.length] ?? "BTC-GBP";
  const started = performance.now();
  const result = await call(
    stack,
    trader,
    "POST",
    "/api/v1/orders",
    { symbol, side: "buy", type: "market", quoteAmount: `${20 + (sequence % 7)}.00` },
    { "Idempotency-Key": `bench-${trader.index}-${sequence}-${Date.now()}` },
  );
  const latencyMs = performance.now() - started;
  if (result.status === 201 && result.timing) {
    for (const part of result.timing.split(",")) {
      const [name, ...params] = part.trim().split(";");
      const duration = params.find((param) => param.startsWith("dur="));
      if (!name || !duration) continue;
      const values = breakdown[name] ?? [];
      values.push(Number(duration.slice(4)));
      breakdown[name] = values;
    }
  }
  if (result.status === 201) {
    const order = result.json.order as { filledQuote: string; fee: string; feeAsset: string };
    trader.spentPence += pence(order.filledQuote) + pence(order.fee);
  }
  return { status: result.status, latencyMs };
}

async function ordersPhase(stack: RunningStack, traders: Trader[]) {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const deadline = performance.now() + PHASE_MAX_MS;
  const started = performance.now();
  await Promise.all(
    traders.map(async (trader) => {
      for (let sequence = 0; sequence < ORDERS_PER_USER && performance.now() < deadline; sequence++) {
        const { status, latencyMs } = await placeBuy(stack, trader, WARM_UP_ORDERS + sequence);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status === 201) latencies.push(latencyMs);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { accepted: latencies.length, statuses, seconds, latencies };
}

async function ssrPhase(stack: RunningStack, trader: Trader, count: number) {
  const latencies: number[] = [];
  let failures = 0;
  let issued = 0;
  const deadline = performance.now() + PHASE_MAX_MS;
  const worker = async () => {
    while (issued < count && performance.now() < deadline) {
      issued++;
      const started = performance.now();
      const response = await fetch(`${stack.baseUrl}/trade?symbol=BTC-GBP`, {
        headers: { Cookie: trader.cookie, "CF-Connecting-IP": trader.ip, Accept: "text/html" },
      });
      const html = await response.text();
      latencies.push(performance.now() - started);
      if (response.status !== 200 || !html.includes('data-testid="order-form"')) failures++;
    }
  };
  await Promise.all(Array.from({ length: SSR_CONCURRENCY }, worker));
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, failures, latencies };
}

/**
 * The Trade page's JavaScript: Remix's browser manifest (build/client/assets/manifest-*.js)
 * names the entry, the root and the route with their static imports; the chart library is a
 * dynamic import of the route chunk, found in its text. Everything the page can load, gzipped.
 */
function pageJavaScript(): { files: { file: string; gzipBytes: number }[]; totalKiB: number } {
  const assets = join("build", "client", "assets");
  const manifestFile = readdirSync(assets).find((name) => /^manifest-[\w-]+\.js$/.test(name));
  if (!manifestFile) throw new Error("no Remix manifest in build/client/assets: run npm run build");
  const text = readFileSync(join(assets, manifestFile), "utf8");
  const manifest = JSON.parse(text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1)) as {
    entry: { module: string; imports: string[] };
    routes: Record<string, { module: string; imports?: string[] }>;
  };
  const files = new Set<string>([
    `/assets/${manifestFile}`,
    manifest.entry.module,
    ...manifest.entry.imports,
  ]);
  for (const id of ["root", "routes/trade"]) {
    const route = manifest.routes[id];
    if (!route) throw new Error(`route ${id} missing from the manifest`);
    files.add(route.module);
    for (const file of route.imports ?? []) files.add(file);
  }
  // Follow dynamic imports (the chart) from every chunk collected so far, one level at a time.
  const queue = [...files];
  for (let guard = 0; queue.length > 0 && guard < 200; guard++) {
    const file = queue.shift() as string;
    const body = readFileSync(join("build", "client", file), "utf8");
    for (const match of body.matchAll(/import\("\.\/([\w.-]+\.js)"\)/g)) {
      const found = `/assets/${match[1]}`;
      if (!files.has(found)) {
        files.add(found);
        queue.push(found);
      }
    }
  }
  const sizes = [...files].map((file) => ({
    file,
    gzipBytes: gzipSync(readFileSync(join("build", "client", file)), { level: 9 }).length,
  }));
  return { files: sizes, totalKiB: sizes.reduce((sum, entry) => sum + entry.gzipBytes, 0) / 1024 };
}

if (!existsSync(join("build", "client", "assets"))) throw new Error("run npm run build first");
const javascript = pageJavaScript();
const stack = await startStack({ vars: { LOG_LEVEL: "warn" }, separateDatabase: true });
loopbackOnly(stack.baseUrl);
try {
  // One at a time: sign-ups append to the one audit chain, which is not what is measured here.
  const traders: Trader[] = [];
  for (let index = 0; index < USERS; index++) traders.push(await signUp(stack, index));
  for (const trader of traders) {
    for (let sequence = 0; sequence < WARM_UP_ORDERS; sequence++) await placeBuy(stack, trader, sequence);
  }
  // One client alone first: the latency of an order when nothing else competes for the
  // database and the runtime's one thread.
  const alone: number[] = [];
  const aloneTrader = traders[0] as Trader;
  for (let sequence = 0; sequence < SEQUENTIAL_ORDERS; sequence++) {
    const { status, latencyMs } = await placeBuy(stack, aloneTrader, 1_000 + sequence);
    if (status === 201) alone.push(latencyMs);
  }
  alone.sort((a, b) => a - b);
  for (const values of Object.values(breakdown)) values.length = 0;
  const orders = await ordersPhase(stack, traders);

  // Exactness: every balance equals funding minus what the accepted orders spent, fee included.
  let mismatches = 0;
  for (const trader of traders) {
    const wallets = await call(stack, trader, "GET", "/api/v1/wallets");
    const gbp = (
      wallets.json.wallets as { asset: string; mode: string; available: string; locked: string }[]
    ).find((wallet) => wallet.asset === "GBP" && wallet.mode === "paper");
    const expected = pence(FUNDING) - trader.spentPence;
    if (!gbp || pence(gbp.available) !== expected || gbp.locked !== "0.00") mismatches++;
  }

  const ssrUser = await signUp(stack, USERS);
  await placeBuy(stack, ssrUser, 0);
  await ssrPhase(stack, ssrUser, 20); // warm-up; both phases stay inside 300 requests per 10 s
  const ssr = await ssrPhase(stack, ssrUser, SSR_REQUESTS);

  const orderP99 = percentile(orders.latencies, 99);
  console.log(`loopback, wrangler dev (workerd), ${USERS} users at once, each its own session and client IP`);
  console.table({
    "paper market orders (POST /api/v1/orders)": {
      accepted: orders.accepted,
      statuses: JSON.stringify(orders.statuses),
      "orders/s": Math.round(orders.accepted / orders.seconds),
      "p50 ms": percentile(orders.latencies, 50).toFixed(1),
      "p99 ms": orderP99.toFixed(1),
      "max ms": (orders.latencies.at(-1) ?? Number.NaN).toFixed(1),
    },
    "paper market orders, 1 client alone": {
      accepted: alone.length,
      statuses: "",
      "orders/s": Math.round(
        1000 / (alone.reduce((sum, value) => sum + value, 0) / Math.max(1, alone.length)),
      ),
      "p50 ms": percentile(alone, 50).toFixed(1),
      "p99 ms": percentile(alone, 99).toFixed(1),
      "max ms": (alone.at(-1) ?? Number.NaN).toFixed(1),
    },
    "Trade page SSR (GET /trade, signed in)": {
      accepted: ssr.requests - ssr.failures,
      statuses: ssr.failures === 0 ? "all 200" : `${ssr.failures} failed`,
      "orders/s": "",
      "p50 ms": percentile(ssr.latencies, 50).toFixed(1),
      "p99 ms": percentile(ssr.latencies, 99).toFixed(1),
      "max ms": (ssr.latencies.at(-1) ?? Number.NaN).toFixed(1),
    },
  });
  console.log("where an accepted order's time went with 10 users at once (Server-Timing, ms):");
  const labels: Record<string, string> = {
    desk: "UserOrders Durable Object call (all below, plus RPC)",
    "desk-db": "  order records in libSQL (insert, commit)",
    "desk-ledger": "  UserLedger hold and fill (concurrent RPCs)",
    "desk-venue": "  paper engine: book walk",
  };
  for (const [name, values] of Object.entries(breakdown)) {
    const sorted = [...values].sort((a, b) => a - b);
    console.log(
      `  ${(labels[name] ?? name).padEnd(54)} p50 ${percentile(sorted, 50).toFixed(1).padStart(6)}  p99 ${percentile(sorted, 99).toFixed(1).padStart(6)}`,
    );
  }
  console.log(
    `balances: ${USERS - mismatches}/${USERS} users' paper GBP equal funding minus accepted orders' spend and fees, to the penny`,
  );
  console.log("Trade page JavaScript (gzip -9):");
  for (const entry of javascript.files)
    console.log(`  ${(entry.gzipBytes / 1024).toFixed(1).padStart(7)} KiB  ${entry.file}`);
  console.log(`  ${javascript.totalKiB.toFixed(1).padStart(7)} KiB  total (goal <= ${PAGE_JS_GOAL_KIB} KiB)`);
  console.log(
    `order p99 ${orderP99.toFixed(1)} ms (goal <= ${ORDER_P99_GOAL_MS} ms): ${orderP99 <= ORDER_P99_GOAL_MS ? "met" : "NOT met"}; page JS ${javascript.totalKiB.toFixed(1)} KiB: ${javascript.totalKiB <= PAGE_JS_GOAL_KIB ? "met" : "NOT met"}`,
  );
  reportResult({
    path: `market order, ${USERS} users`,
    perSecond: orders.accepted / orders.seconds,
    p50Ms: percentile(orders.latencies, 50),
    p99Ms: orderP99,
    nothingLost: mismatches === 0,
  });
  if (mismatches > 0) process.exitCode = 1;
} finally {
  await stack.stop();
}
