import { readFileSync } from "node:fs";
import { generate } from "otplib";
import { describe, expect, inject, it } from "vitest";
import { ApiClient, uniqueEmail } from "../support/api-client.ts";

const baseUrl = inject("baseUrl");
const opsToken = inject("opsToken");
const logFile = inject("logFile");

/**
 * Plants secrets in real traffic (passwords, TOTP codes and secrets, recovery codes, session
 * cookies, the ops token, API-key-looking fields), then greps everything the platform logged
 * during the e2e run for them. The log must show the traffic — and none of the secrets.
 */
describe("logs never carry secrets", () => {
  it("passwords, codes, cookies and tokens from real requests are absent from the log stream", async () => {
    const planted: string[] = [opsToken];
    const client = new ApiClient(fetch, baseUrl);
    const password = `planted-password-${crypto.randomUUID()}`;
    planted.push(password);
    const email = uniqueEmail("logs");
    const signup = await client.post(
      "/api/v1/auth/signup",
      { email, password },
      { "X-Request-Id": "log-check-signup-01" },
    );
    expect(signup.status).toBe(201);
    planted.push((client.cookie ?? "").replace("chx_session=", ""));
    const setup = await client.post<{ secret: string }>("/api/v1/2fa/setup");
    planted.push(setup.body.secret);
    const code = await generate({ secret: setup.body.secret });
    const enable = await client.post<{ recoveryCodes: string[] }>("/api/v1/2fa/enable", { code });
    expect(enable.status).toBe(200);
    planted.push(...enable.body.recoveryCodes);
    // Failing and malformed requests log too: the secrets in them must not.
    const wrongPassword = `planted-wrong-password-${crypto.randomUUID()}`;
    planted.push(wrongPassword);
    await new ApiClient(fetch, baseUrl).post("/api/v1/auth/login", { email, password: wrongPassword });
    const apiKey = `planted-api-key-${crypto.randomUUID()}`;
    planted.push(apiKey);
    await client.post("/api/v1/nope", { apiKey, secret: apiKey });
    await fetch(`${baseUrl}/metrics`, { headers: { Authorization: `Bearer ${opsToken}` } });

    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const log = readFileSync(logFile, "utf8");
    expect(log).toContain("log-check-signup-01"); // the check is not vacuous: our traffic is there
    // Exactly one structured request line for that request, with its route class and status.
    const lines = log
      .split("\n")
      .filter(
        (line) => line.includes('"message":"request"') && line.includes('"requestId":"log-check-signup-01"'),
      );
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]?.slice(lines[0].indexOf("{")) ?? "{}") as Record<string, unknown>;
    expect(line).toMatchObject({
      level: "info",
      method: "POST",
      route: "/api/v1/auth/signup",
      routeClass: "public",
      status: 201,
    });
    expect(typeof line.durationMs).toBe("number");
    for (const secret of planted.filter((value) => value.length >= 8)) {
      expect(log.includes(secret), `log contains a planted secret (${secret.slice(0, 6)}…)`).toBe(false);
    }
    expect(log.includes(code) && log.includes(`"code":"${code}"`)).toBe(false);
  });
});
