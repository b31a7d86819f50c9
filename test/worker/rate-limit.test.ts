import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import { type ApiResponse, errorCode, STRONG_PASSWORD, uniqueEmail } from "../support/api-client.ts";
import { newClient } from "./security/support.ts";

const ORIGIN = "http://example.com";
let ipCounter = 0;
/** Each test speaks from its own addresses, so limits from other tests never interfere. */
function freshIp(): string {
  ipCounter++;
  return `198.51.100.${(ipCounter % 250) + 1}`.replace(
    "198.51.100",
    `198.51.${100 + (Math.floor(Date.now() / 1000) % 100)}`,
  );
}

describe("failed-login limits", () => {
  it("40 failed logins on one account are refused with 429, Retry-After and RateLimit headers", async () => {
    const email = uniqueEmail("bruteforce");
    await newClient(freshIp()).post("/api/v1/auth/signup", { email, password: STRONG_PASSWORD });
    const attacker = newClient(freshIp());
    const statuses: number[] = [];
    let limited: ApiResponse | undefined;
    for (let attempt = 0; attempt < 40; attempt++) {
      const response = await attacker.post("/api/v1/auth/login", {
        email,
        password: `wrong-guess-${attempt}-xx`,
      });
      statuses.push(response.status);
      if (response.status === 429) limited ??= response;
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((status) => status === 429)).toBe(true);
    expect(limited && errorCode(limited)).toBe("rate_limited");
    expect(Number(limited?.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(limited?.headers.get("RateLimit-Limit")).toBe("5");
    expect(limited?.headers.get("RateLimit-Remaining")).toBe("0");
    // Even the right password from the attacker's address waits: the limit is checked first.
    const right = await attacker.post("/api/v1/auth/login", { email, password: STRONG_PASSWORD });
    expect(right.status).toBe(429);
  });

  it("the attacker cannot lock the customer out: the customer signs in from their own address", async () => {
    const email = uniqueEmail("victim");
    await newClient(freshIp()).post("/api/v1/auth/signup", { email, password: STRONG_PASSWORD });
    const attacker = newClient(freshIp());
    for (let attempt = 0; attempt < 40; attempt++) {
      await attacker.post("/api/v1/auth/login", { email, password: `wrong-guess-${attempt}-yy` });
    }
    const customer = newClient(freshIp());
    const login = await customer.post("/api/v1/auth/login", { email, password: STRONG_PASSWORD });
    expect(login.status).toBe(200);
  });
});

/**
 * The class limits run through Cloudflare's Rate Limiting binding. To exercise the 429 path
 * without sending hundreds of requests (slow and window-dependent on a shared CI machine), the
 * app is driven with a counting binding of the same shape and a limit of 3.
 */
function countingLimiter(limit: number) {
  const counts = new Map<string, number>();
  const keys: string[] = [];
  return {
    keys,
    binding: {
      async limit({ key }: { key: string }) {
        keys.push(key);
        const count = (counts.get(key) ?? 0) + 1;
        counts.set(key, count);
        return { success: count <= limit };
      },
    },
  };
}

describe("coarse limits by route class", () => {
  it("a flood from one address gets 429 with Retry-After and RateLimit headers; other addresses are unaffected", async () => {
    const limiter = countingLimiter(3);
    const app = createApp();
    const testEnv = { ...env, RATE_LIMIT_PUBLIC: limiter.binding };
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let index = 0; index < 5; index++) {
      const response = await app.request(
        `${ORIGIN}/api/v1/auth/logout`,
        { method: "POST", headers: { "CF-Connecting-IP": "192.0.2.10" } },
        testEnv,
      );
      statuses.push(response.status);
      if (response.status === 429) limited ??= response;
    }
    expect(statuses).toEqual([204, 204, 204, 429, 429]);
    expect(limited?.headers.get("Retry-After")).toBe("10");
    expect(limited?.headers.get("RateLimit-Policy")).toBe("300;w=10");
    const limitedBody = (await limited?.json()) as { error?: { code: string } } | undefined;
    expect(limitedBody?.error?.code).toBe("rate_limited");
    const other = await app.request(
      `${ORIGIN}/api/v1/auth/logout`,
      { method: "POST", headers: { "CF-Connecting-IP": "192.0.2.11" } },
      testEnv,
    );
    expect(other.status).toBe(204);
  });

  it("random cookies cannot dodge a public route's per-address limit", async () => {
    const limiter = countingLimiter(3);
    const app = createApp();
    const testEnv = { ...env, RATE_LIMIT_PUBLIC: limiter.binding };
    const statuses: number[] = [];
    for (let index = 0; index < 5; index++) {
      const response = await app.request(
        `${ORIGIN}/api/v1/no-such-route`,
        {
          headers: {
            "CF-Connecting-IP": "192.0.2.20",
            Cookie: `chx_session=${crypto.randomUUID()}${crypto.randomUUID()}`,
          },
        },
        testEnv,
      );
      statuses.push(response.status);
    }
    expect(statuses).toEqual([404, 404, 404, 429, 429]);
    expect(new Set(limiter.keys)).toEqual(new Set(["public:ip:192.0.2.20"]));
  });

  it("the real binding answers on every classified request (the success path)", async () => {
    const response = await SELF.fetch(`${ORIGIN}/api/v1/auth/logout`, {
      method: "POST",
      headers: { "CF-Connecting-IP": freshIp() },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("RateLimit-Policy")).toBe("300;w=10");
  });
});
