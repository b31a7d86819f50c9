import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startStack } from "../support/stack.ts";
import { runLoad } from "./load.ts";

/**
 * `npx tsx test/bench/profile-path.ts <path> [seconds]`: a CPU profile of the Worker (workerd,
 * through wrangler dev's DevTools inspector) while 16 clients request one path as a signed-in
 * trader (a POST with PROFILE_BODY; PROFILE_ANONYMOUS=1 sends no session cookie); writes a .cpuprofile (open it in Chrome DevTools) and prints the hottest functions.
 * How the findings in README decision record 043 were made. Loopback only, bounded in time.
 */
const path = process.argv[2] ?? "/api/v1/me";
const seconds = Number(process.argv[3] ?? 8);
const inspectorPort = Number(process.env.BENCH_INSPECTOR_PORT ?? 9229);
mkdirSync(".bench", { recursive: true });
const output = process.env.PROFILE_OUT ?? `.bench/worker${path.replaceAll(/[^a-z0-9]+/gi, "-")}.cpuprofile`;

const stack = await startStack({
  vars: { LOG_LEVEL: "warn" },
  separateDatabase: true,
  inspectorPort: String(inspectorPort),
});
try {
  // Sixteen traders, one per client: limits are per session, as they are for real users.
  const cookies: string[] = [];
  for (let index = 0; index < 16; index++) {
    const signup = await fetch(`${stack.baseUrl}/api/v1/auth/signup`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: stack.baseUrl },
      body: JSON.stringify({
        email: `profile-${Date.now()}-${index}@example.com`,
        password: "profile-password-long-42",
      }),
    });
    if (signup.status !== 201) throw new Error(`sign-up answered ${signup.status}`);
    const cookie = (signup.headers.get("Set-Cookie") ?? "").split(";")[0] ?? "";
    cookies.push(cookie);
    // PROFILE_FUND=<GBP>: paper money first (orders need it).
    if (process.env.PROFILE_FUND) {
      const funded = await fetch(`${stack.baseUrl}/api/v1/wallets/paper-deposit`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Origin: stack.baseUrl,
          Cookie: cookie,
          "Idempotency-Key": `profile-fund-${index}`,
        },
        body: JSON.stringify({ asset: "GBP", amount: process.env.PROFILE_FUND }),
      });
      if (funded.status !== 201) throw new Error(`paper deposit answered ${funded.status}`);
    }
  }
  // PROFILE_BODY (JSON) makes it a POST with a fresh Idempotency-Key per request.
  const body = process.env.PROFILE_BODY;
  let sequence = 0;
  const init = (client: number): RequestInit => {
    // Each request from its own address in 198.18.0.0/15 (benchmark range; a header value only),
    // as in bench:http, so public routes measure the chain and not the per-address limit.
    const visitor = sequence++;
    const headers: Record<string, string> = {
      "CF-Connecting-IP": `198.18.${Math.floor(visitor / 250) % 250}.${visitor % 250}`,
    };
    // PROFILE_ANONYMOUS=1: a visitor without a session (public pages, as bench:http requests them).
    if (process.env.PROFILE_ANONYMOUS !== "1") headers.Cookie = cookies[client % cookies.length] ?? "";
    if (body === undefined) return { headers };
    headers["Content-Type"] = "application/json";
    headers.Origin = stack.baseUrl;
    headers["Idempotency-Key"] = `profile-${Date.now()}-${visitor}`;
    return { method: "POST", headers, body };
  };
  const probe = await fetch(`${stack.baseUrl}${path}`, init(0));
  if (!probe.ok) throw new Error(`${path} answered ${probe.status}: ${await probe.text()}`);
  await runLoad({ url: `${stack.baseUrl}${path}`, count: 300, concurrency: 16, maxMs: 10_000, init });
  const profiler = spawn(
    process.execPath,
    [
      fileURLToPath(new URL("./cdp-profile.cjs", import.meta.url)),
      String(inspectorPort),
      String(seconds),
      output,
    ],
    { stdio: "inherit" },
  );
  const load = await runLoad({
    url: `${stack.baseUrl}${path}`,
    count: 1_000_000,
    concurrency: 16,
    maxMs: (seconds + 2) * 1000,
    init,
  });
  await new Promise((resolve) => profiler.once("exit", resolve));
  console.log(
    `${path}: ${Math.round(load.perSecond)} req/s, p50 ${load.p50Ms.toFixed(1)} ms, errors ${load.errors}`,
  );
} finally {
  await stack.stop();
}
