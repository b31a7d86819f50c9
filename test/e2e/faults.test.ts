import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, errorCode, STRONG_PASSWORD, uniqueEmail } from "../support/api-client.ts";
import { type RunningStack, startStack } from "../support/stack.ts";

// Its own stack: this file stops and starts the database under the running Worker.
let stack: RunningStack;
beforeAll(async () => {
  stack = await startStack();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!accept(last) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    last = await probe();
  }
  return last;
}

describe("the database goes away and comes back", () => {
  it("readiness goes 503, the API answers 503 service_unavailable, pages show maintenance; all recover alone", async () => {
    const client = new ApiClient(fetch, stack.baseUrl);
    const signup = await client.post("/api/v1/auth/signup", {
      email: uniqueEmail("fault"),
      password: STRONG_PASSWORD,
    });
    expect(signup.status).toBe(201);
    expect((await fetch(`${stack.baseUrl}/readyz`)).status).toBe(200);

    await stack.stopDatabase();

    const ready = await eventually(
      () => fetch(`${stack.baseUrl}/readyz`),
      (response) => response.status === 503,
    );
    expect(ready.status).toBe(503);
    const readyBody = (await ready.json()) as {
      status: string;
      checks: { database: { ok: boolean; detail: string } };
    };
    expect(readyBody.status).toBe("unavailable");
    expect(readyBody.checks.database.ok).toBe(false);
    expect(JSON.stringify(readyBody)).not.toMatch(/stack-libsql-token|127\.0\.0\.1:\d+/);
    expect((await fetch(`${stack.baseUrl}/healthz`)).status).toBe(200);

    const me = await client.get("/api/v1/me");
    expect(me.status).toBe(503);
    expect(errorCode(me)).toBe("service_unavailable");
    expect(JSON.stringify(me.body)).not.toMatch(/at .*\.(ts|js):\d+/);
    const outageEmail = uniqueEmail("during-outage");
    const newUser = await new ApiClient(fetch, stack.baseUrl).post("/api/v1/auth/signup", {
      email: outageEmail,
      password: STRONG_PASSWORD,
    });
    expect(newUser.status).toBe(503);

    const home = await eventually(
      async () => (await fetch(`${stack.baseUrl}/`)).text(),
      (html) => html.includes("maintenance-banner"),
    );
    expect(home).toContain('data-testid="maintenance-banner"');

    await stack.startDatabase();

    const recovered = await eventually(
      () => fetch(`${stack.baseUrl}/readyz`),
      (response) => response.status === 200,
    );
    expect(recovered.status).toBe(200);
    expect((await client.get("/api/v1/me")).status).toBe(200);
    const homeAfter = await eventually(
      async () => (await fetch(`${stack.baseUrl}/`)).text(),
      (html) => !html.includes("maintenance-banner"),
    );
    expect(homeAfter).not.toContain("maintenance-banner");
    // The sign-up attempted during the outage left nothing half-written: the email is free.
    const retry = await new ApiClient(fetch, stack.baseUrl).post("/api/v1/auth/signup", {
      email: outageEmail,
      password: STRONG_PASSWORD,
    });
    expect(retry.status).toBe(201);
  });
});

describe("a slow database", () => {
  it("times out every query with a clear 503 and recovers when the database is fast again", async () => {
    const client = new ApiClient(fetch, stack.baseUrl);
    const signup = await client.post("/api/v1/auth/signup", {
      email: uniqueEmail("slow"),
      password: STRONG_PASSWORD,
    });
    expect(signup.status).toBe(201);
    stack.setDatabaseDelayMs(4_000); // the stack's DATABASE_TIMEOUT_MS is 1500
    try {
      const started = Date.now();
      const me = await client.get("/api/v1/me");
      expect(me.status).toBe(503);
      expect(errorCode(me)).toBe("service_unavailable");
      expect(Date.now() - started).toBeLessThan(3_900); // answered by our timeout, not the slow reply
      const ready = await fetch(`${stack.baseUrl}/readyz`);
      expect(ready.status).toBe(503);
    } finally {
      stack.setDatabaseDelayMs(0);
    }
    const recovered = await eventually(
      () => client.get("/api/v1/me"),
      (response) => response.status === 200,
    );
    expect(recovered.status).toBe(200);
  });
});
