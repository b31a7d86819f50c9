import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  ApiClient,
  type ApiResponse,
  errorCode,
  STRONG_PASSWORD,
  uniqueEmail,
} from "../support/api-client.ts";

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

function clientFrom(ip: string) {
  return new ApiClient(
    (input, init) =>
      SELF.fetch(input, {
        ...init,
        headers: { ...(init?.headers as Record<string, string>), "CF-Connecting-IP": ip },
      }),
    ORIGIN,
  );
}

describe("failed-login limits", () => {
  it("40 failed logins on one account are refused with 429, Retry-After and RateLimit headers", async () => {
    const email = uniqueEmail("bruteforce");
    await clientFrom(freshIp()).post("/api/v1/auth/signup", { email, password: STRONG_PASSWORD });
    const attacker = clientFrom(freshIp());
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
    await clientFrom(freshIp()).post("/api/v1/auth/signup", { email, password: STRONG_PASSWORD });
    const attacker = clientFrom(freshIp());
    for (let attempt = 0; attempt < 40; attempt++) {
      await attacker.post("/api/v1/auth/login", { email, password: `wrong-guess-${attempt}-yy` });
    }
    const customer = clientFrom(freshIp());
    const login = await customer.post("/api/v1/auth/login", { email, password: STRONG_PASSWORD });
    expect(login.status).toBe(200);
  });
});

describe("coarse limits by route class", () => {
  it("floods from one address on a public route get 429 with Retry-After; other addresses are unaffected", async () => {
    const ip = freshIp();
    // Concurrently, so the flood lands inside one limiter window.
    const responses = await Promise.all(
      Array.from({ length: 340 }, () =>
        SELF.fetch(`${ORIGIN}/api/v1/auth/logout`, { method: "POST", headers: { "CF-Connecting-IP": ip } }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status !== 204 && status !== 429)).toEqual([]);
    const firstLimited = responses.find((response) => response.status === 429);
    expect(firstLimited?.status).toBe(429);
    expect(firstLimited?.headers.get("Retry-After")).toBe("10");
    expect(firstLimited?.headers.get("RateLimit-Policy")).toBe("300;w=10");
    const other = await SELF.fetch(`${ORIGIN}/api/v1/auth/logout`, {
      method: "POST",
      headers: { "CF-Connecting-IP": freshIp() },
    });
    expect(other.status).toBe(204);
  });
});

describe("coarse limits cannot be dodged", () => {
  it("a fresh random cookie per request does not reset a public route's per-address limit", async () => {
    const ip = freshIp();
    const responses = await Promise.all(
      Array.from({ length: 340 }, () =>
        SELF.fetch(`${ORIGIN}/api/v1/no-such-route`, {
          headers: {
            "CF-Connecting-IP": ip,
            Cookie: `chx_session=${crypto.randomUUID()}${crypto.randomUUID()}`,
          },
        }),
      ),
    );
    const statuses = new Set(responses.map((response) => response.status));
    expect([...statuses].sort()).toEqual([404, 429]);
  });
});
