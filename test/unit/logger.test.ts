import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../worker/app.ts";
import { ApiError, errorBody } from "../../worker/errors.ts";
import { createLogger, redact } from "../../worker/logger.ts";
import { requestId } from "../../worker/middleware/request-id/index.ts";
import { type RequestLogVariables, requestLog } from "../../worker/middleware/request-log/index.ts";
import { SESSION_COOKIE } from "../../worker/services/auth/sessions.ts";
import { TEST_SECRETS } from "../support/test-env.ts";

const SECRET_KEYS = [
  "code",
  "totp",
  "totpCode",
  "backupCode",
  "password",
  "newPassword",
  "token",
  "csrfToken",
  "secret",
  "apiKey",
  "api_key",
  "authorization",
  "Authorization",
  "cookie",
  "set-cookie",
];

describe("redact", () => {
  it("keeps errorCode: an error code is not a secret and operators need it", () => {
    expect(redact({ errorCode: "totp_invalid", status: 401 })).toEqual({
      errorCode: "totp_invalid",
      status: 401,
    });
    expect(redact({ outer: { errorCode: "csrf_failed" } })).toEqual({ outer: { errorCode: "csrf_failed" } });
  });

  it.each(SECRET_KEYS)("redacts %s at the top level, nested and inside arrays", (key) => {
    const value = "123456-very-secret";
    const redacted = redact({
      [key]: value,
      nested: { deeper: { [key]: value } },
      list: [{ [key]: value }],
    });
    expect(redacted).toEqual({
      [key]: "[redacted]",
      nested: { deeper: { [key]: "[redacted]" } },
      list: [{ [key]: "[redacted]" }],
    });
    expect(JSON.stringify(redacted)).not.toContain(value);
  });

  it("redacts a whole object under a secret key, and errorCode next to secrets stays", () => {
    const redacted = redact({
      errorCode: "totp_invalid",
      code: "654321",
      body: { errorCode: "invalid_credentials", password: "hunter2hunter2", totp: "123456" },
      authorization: { scheme: "Bearer", value: "abc" },
    });
    expect(redacted).toEqual({
      errorCode: "totp_invalid",
      code: "[redacted]",
      body: { errorCode: "invalid_credentials", password: "[redacted]", totp: "[redacted]" },
      authorization: "[redacted]",
    });
  });
});

describe("request log line", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("carries a top-level errorCode and still redacts secrets in logFields", async () => {
    const printed: string[] = [];
    const app = new Hono<{ Variables: RequestLogVariables & { requestId: string } }>();
    app.use(requestId());
    app.use(
      requestLog({ loggerFor: () => createLogger({ level: "info", sink: (line) => printed.push(line) }) }),
    );
    app.post("/verify", (c) => {
      c.get("logFields").totp = "123456";
      c.get("logFields").code = "654321";
      throw new ApiError(401, "totp_invalid", "Wrong code.");
    });
    // The same hand-off as worker/app.ts onError.
    app.onError((error, c) => {
      if (!(error instanceof ApiError)) throw error;
      c.get("logFields").errorCode = error.code;
      return c.json(errorBody(error, c.get("requestId")), error.status);
    });
    const response = await app.request("https://coinhubx.com/verify", { method: "POST" });
    expect(response.status).toBe(401);
    expect(printed).toHaveLength(1);
    const line = JSON.parse(printed[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({
      message: "request",
      status: 401,
      errorCode: "totp_invalid",
      totp: "[redacted]",
      code: "[redacted]",
    });
    expect(printed[0]).not.toContain("123456");
    expect(printed[0]).not.toContain("654321");
  });

  it("the real app logs the error code of a refused request (csrf_failed)", async () => {
    const printed: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => {
      printed.push(String(line));
    });
    const app = createApp();
    const env = {
      ...TEST_SECRETS,
      LOG_LEVEL: "info",
      // Never contacted: the CSRF check refuses the request before any database work.
      TURSO_DATABASE_URL: "http://127.0.0.1:9",
    };
    const response = await app.request(
      "https://coinhubx.com/api/v1/auth/logout",
      {
        method: "POST",
        headers: { Cookie: `${SESSION_COOKIE}=not-a-real-session`, Origin: "https://evil.example" },
      },
      env,
    );
    expect(response.status).toBe(403);
    const lines = printed.map((l) => JSON.parse(l) as Record<string, unknown>);
    const requestLine = lines.find((l) => l.message === "request");
    expect(requestLine).toMatchObject({
      route: "/api/v1/auth/logout",
      status: 403,
      csrf: "refused",
      errorCode: "csrf_failed",
    });
    expect(printed.join("\n")).not.toContain("not-a-real-session");
  });
});
