import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createDatabaseClient } from "../../db/client.ts";
import { type RunningStack, startStack } from "../support/stack.ts";

/**
 * `npm run bench:bots` (after `npm run build`): on loopback against `wrangler dev`,
 *
 *   N PAPER DCA bots (default 200, `BENCH_BOTS`) on 1-second ticks for 60 s (`BENCH_BOT_SECONDS`),
 *   spread over users of 5 bots each (the free plan's limit). Each running bot's own Bot object ticks from its alarm:
 *   reads its orders, the market and its allocation, decides, and places or cancels through the
 *   owner's order desk. Printed:
 *     - ticks run and tick lateness against schedule, p50/p99 (from the Bot objects' own
 *       histogram, chx_bot_tick_lateness_seconds, scraped before and after the window);
 *     - CPU per tick: workerd's CPU time (user + system, /proc) over the window / ticks;
 *     - bot orders per second placed in the window;
 *   then every bot is stopped with the kill switch and the run ends with the reconciliation:
 *   every check ok, no bot order left open, every allocation returned.
 *
 * Goal (issue 11): 200 bots with lateness p99 <= 250 ms and nothing lost. Bounded: fixed counts,
 * a time cap per phase, loopback only.
 */

const BOTS = Number(process.env.BENCH_BOTS ?? 200);
// The free plan allows 5 bots per trader (worker/services/monetisation/catalogue.ts).
const BOTS_PER_USER = 5;
const WINDOW_SECONDS = Number(process.env.BENCH_BOT_SECONDS ?? 60);
const SETUP_MAX_MS = 240_000;
const LATENESS_P99_GOAL_MS = 250;
const FUNDING = "10000.00";
const SYMBOLS = ["BTC-GBP", "ETH-GBP", "SOL-GBP"] as const;
const DCA = {
  baseOrder: "20.00",
  safetyOrder: "10.00",
  safetyOrders: 3,
  priceDeviationPercent: "0.1",
  volumeScale: "1.2",
  takeProfitPercent: "0.1",
  cooldownSeconds: 1,
};

interface User {
  ip: string;
  cookie: string;
  botIds: string[];
}

function loopbackOnly(url: string): void {
  const host = new URL(url).hostname;
  if (host !== "127.0.0.1" && host !== "localhost") throw new Error(`loopback targets only, not ${host}`);
}

async function call(
  stack: RunningStack,
  user: Pick<User, "ip" | "cookie">,
  method: string,
  path: string,
  body?: unknown,
) {
  const headers: Record<string, string> = { Origin: stack.baseUrl, "CF-Connecting-IP": user.ip };
  if (user.cookie) headers.Cookie = user.cookie;
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
  };
}

async function expectStatus(promise: ReturnType<typeof call>, status: number, what: string) {
  const response = await promise;
  if (response.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${response.status} ${JSON.stringify(response.json)}`);
  }
  return response;
}

/** Histogram buckets of chx_bot_tick_lateness_seconds (summed over labels) and the tick count. */
async function scrape(stack: RunningStack): Promise<{ buckets: Map<number, number>; ticks: number }> {
  const response = await fetch(`${stack.baseUrl}/metrics/prometheus`, {
    headers: { Authorization: `Bearer ${stack.opsToken}` },
  });
  const text = await response.text();
  const buckets = new Map<number, number>();
  let ticks = 0;
  for (const line of text.split("\n")) {
    const bucket = /^chx_bot_tick_lateness_seconds_bucket\{.*le="([^"]+)".*\} (\S+)$/.exec(line);
    if (bucket) {
      const le = bucket[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(bucket[1]);
      buckets.set(le, (buckets.get(le) ?? 0) + Number(bucket[2]));
    }
    const tick = /^chx_bot_ticks_total\{.*outcome="ok".*\} (\S+)$/.exec(line);
    if (tick) ticks += Number(tick[1]);
  }
  return { buckets, ticks };
}

/** The q-quantile of a cumulative histogram delta, interpolated inside its bucket (as Prometheus does). */
function quantile(before: Map<number, number>, after: Map<number, number>, q: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((bound) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0));
  const total = counts.at(-1) ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let previousBound = 0;
  let previousCount = 0;
  for (const [index, bound] of bounds.entries()) {
    const count = counts[index] ?? 0;
    if (count >= rank) {
      if (!Number.isFinite(bound)) return previousBound;
      return (
        previousBound +
        ((bound - previousBound) * (rank - previousCount)) / Math.max(1, count - previousCount)
      );
    }
    previousBound = bound;
    previousCount = count;
  }
  return previousBound;
}

/**
 * CPU seconds (user + system) of the workerd processes this benchmark started (descendants of
 * this process: wrangler dev and its runtime), which run the Worker and every object.
 */
function workerdCpuSeconds(): number {
  const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  const parents = new Map<number, number>();
  const stats = new Map<number, { comm: string; cpu: number }>();
  for (const entry of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const text = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = text.slice(text.indexOf("(") + 1, text.lastIndexOf(")"));
      const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
      parents.set(Number(entry), Number(fields[1]));
      stats.set(Number(entry), { comm, cpu: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond });
    } catch {
      // gone meanwhile
    }
  }
  const isOurs = (pid: number): boolean => {
    for (let current = pid, depth = 0; current > 1 && depth < 64; depth++) {
      if (current === process.pid) return true;
      current = parents.get(current) ?? 0;
    }
    return false;
  };
  let total = 0;
  for (const [pid, stat] of stats) if (stat.comm === "workerd" && isOurs(pid)) total += stat.cpu;
  return total;
}

async function main() {
  const started = Date.now();
  const stack = await startStack({ separateDatabase: true });
  loopbackOnly(stack.baseUrl);
  const client = createDatabaseClient({
    url: stack.libsqlUrl,
    authToken: stack.libsqlAuthToken,
    timeoutMs: 30_000,
  });
  try {
    const userCount = Math.ceil(BOTS / BOTS_PER_USER);
    const users: User[] = [];
    for (let index = 0; index < userCount; index++) {
      const user: User = {
        ip: `198.18.${Math.floor(index / 250)}.${(index % 250) + 1}`,
        cookie: "",
        botIds: [],
      };
      const signup = await expectStatus(
        call(stack, user, "POST", "/api/v1/auth/signup", {
          email: `bench-bots-${started}-${index}@example.com`,
          password: "correct-pony-battery-42",
        }),
        201,
        "sign-up",
      );
      user.cookie = /chx_session=[^;]*/.exec(signup.setCookie ?? "")?.[0] ?? "";
      const fundHeaders = { "Idempotency-Key": `bench-fund-${index}` };
      const fund = await fetch(`${stack.baseUrl}/api/v1/wallets/paper-deposit`, {
        method: "POST",
        headers: {
          Origin: stack.baseUrl,
          "CF-Connecting-IP": user.ip,
          Cookie: user.cookie,
          "Content-Type": "application/json",
          ...fundHeaders,
        },
        body: JSON.stringify({ asset: "GBP", amount: FUNDING }),
      });
      if (fund.status !== 201) throw new Error(`funding: ${fund.status} ${await fund.text()}`);
      users.push(user);
    }
    let created = 0;
    for (const [index, user] of users.entries()) {
      for (let slot = 0; slot < BOTS_PER_USER && created < BOTS; slot++, created++) {
        const bot = await expectStatus(
          call(stack, user, "POST", "/api/v1/bots", {
            type: "dca",
            symbol: SYMBOLS[(index + slot) % SYMBOLS.length],
            mode: "paper",
            budget: "200.00",
            budgetAsset: "GBP",
            params: DCA,
          }),
          201,
          "create bot",
        );
        user.botIds.push(String((bot.json.bot as { id: string }).id));
      }
      if (Date.now() - started > SETUP_MAX_MS) throw new Error("setup took too long");
    }
    // Start them all (a few at a time), then measure one window of ticking.
    const starts = users.flatMap((user) => user.botIds.map((id) => ({ user, id })));
    for (let offset = 0; offset < starts.length; offset += 20) {
      await Promise.all(
        starts
          .slice(offset, offset + 20)
          .map(({ user, id }) =>
            expectStatus(call(stack, user, "POST", `/api/v1/bots/${id}/start`, {}), 200, "start"),
          ),
      );
    }
    const setupSeconds = (Date.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // every bot has ticked once
    const before = await scrape(stack);
    const cpuBefore = workerdCpuSeconds();
    const windowStart = Date.now();
    const ordersBefore = Number(
      (await client.execute("SELECT COUNT(*) AS n FROM orders WHERE bot_id IS NOT NULL")).rows[0]?.n ?? 0,
    );
    await new Promise((resolve) => setTimeout(resolve, WINDOW_SECONDS * 1000));
    const windowSeconds = (Date.now() - windowStart) / 1000;
    const cpuAfter = workerdCpuSeconds();
    const ordersAfter = Number(
      (await client.execute("SELECT COUNT(*) AS n FROM orders WHERE bot_id IS NOT NULL")).rows[0]?.n ?? 0,
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // the objects flush their metrics
    const after = await scrape(stack);
    const ticks = after.ticks - before.ticks;
    const p50Ms = quantile(before.buckets, after.buckets, 0.5) * 1000;
    const p99Ms = quantile(before.buckets, after.buckets, 0.99) * 1000;

    // Stop everything, then prove nothing was lost.
    for (const user of users) {
      await expectStatus(call(stack, user, "POST", "/api/v1/bots/kill-switch", {}), 200, "kill switch");
    }
    const open = Number(
      (
        await client.execute(
          "SELECT COUNT(*) AS n FROM orders WHERE bot_id IS NOT NULL AND status IN ('open', 'partially_filled')",
        )
      ).rows[0]?.n ?? 0,
    );
    const allocated = Number(
      (
        await client.execute(
          "SELECT COUNT(*) AS n FROM ledger_balances WHERE account LIKE 'user:%:bot:%' AND balance != 0",
        )
      ).rows[0]?.n ?? 0,
    );
    const reconcile = await fetch(`${stack.baseUrl}/api/v1/ops/reconcile`, {
      headers: { Authorization: `Bearer ${stack.opsToken}` },
    });
    const report = (await reconcile.json()) as {
      ok: boolean;
      checks: { name: string; ok: boolean; detail: string }[];
    };

    const lines = [
      `bench:bots — ${BOTS} PAPER DCA bots (${users.length} users × ${BOTS_PER_USER}), ${windowSeconds.toFixed(0)} s window, through wrangler dev`,
      `  setup (sign-up, funding, ${BOTS} bots created and started): ${setupSeconds.toFixed(1)} s`,
      `  ticks: ${ticks} (${(ticks / windowSeconds).toFixed(1)}/s; schedule ${BOTS}/s)`,
      `  tick lateness against schedule: p50 ${p50Ms.toFixed(0)} ms, p99 ${p99Ms.toFixed(0)} ms (goal p99 <= ${LATENESS_P99_GOAL_MS} ms)`,
      `  CPU per tick (workerd, user+system): ${(((cpuAfter - cpuBefore) / Math.max(1, ticks)) * 1000).toFixed(2)} ms`,
      `  bot orders placed: ${ordersAfter - ordersBefore} (${((ordersAfter - ordersBefore) / windowSeconds).toFixed(1)}/s)`,
      `  after the kill switch: ${open} bot orders open, ${allocated} non-zero bot allocations`,
      `  reconciliation: ${report.ok ? "ok" : "FAILED"}${
        report.ok
          ? ""
          : ` — ${report.checks
              .filter((check) => !check.ok)
              .map((check) => `${check.name}: ${check.detail}`)
              .join("; ")}`
      }`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    if (!report.ok || open !== 0 || allocated !== 0) process.exitCode = 1;
  } catch (error) {
    const failures = stack
      .output()
      .split("\n")
      .filter((line) => /"level":"(error|warn)"/.test(line))
      .slice(-5);
    process.stderr.write(`${failures.join("\n")}\n`);
    throw error;
  } finally {
    client.close();
    await stack.stop();
  }
}

await main();
