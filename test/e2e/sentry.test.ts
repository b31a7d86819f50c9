import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WORKERD_FACING_KEEP_ALIVE_MS } from "../../db/server/server.ts";
import { type RunningStack, startStack } from "../support/stack.ts";

/** A local stand-in for Sentry's ingest: records every envelope it receives. */
let collector: Server;
const envelopes: string[] = [];
let stack: RunningStack;

beforeAll(async () => {
  collector = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      envelopes.push(`${request.url}\n${Buffer.concat(chunks).toString("utf8")}`);
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end("{}");
    });
  });
  collector.keepAliveTimeout = WORKERD_FACING_KEEP_ALIVE_MS;
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
  const address = collector.address();
  const port = typeof address === "object" && address ? address.port : 0;
  stack = await startStack({
    vars: { SENTRY_DSN: `http://publickey@127.0.0.1:${port}/42`, RELEASE: "test-release" },
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => collector?.close(resolve));
});

describe("Sentry through toucan-js", () => {
  it("reports an unhandled error with context, and nothing secret", async () => {
    const response = await fetch(
      `${stack.baseUrl}/api/v1/ops/sentry-test?token=planted-query-secret&limit=5`,
      {
        method: "POST",
        headers: {
          Authorization: `Bearer ${stack.opsToken}`,
          Cookie: "chx_session=planted-cookie-secret",
          "Content-Type": "application/json",
          Origin: stack.baseUrl,
          "X-Request-Id": "sentry-check-0001",
        },
        body: JSON.stringify({ password: "planted-body-secret" }),
      },
    );
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(body).not.toContain("Sentry pipeline test"); // the client learns nothing internal
    const deadline = Date.now() + 15_000;
    while (envelopes.length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(envelopes.length).toBeGreaterThan(0);
    const envelope = envelopes.join("\n");
    expect(envelope).toContain("/api/42/envelope/");
    expect(envelope).toContain("Sentry pipeline test raised by an operator");
    expect(envelope).toContain("test-release");
    expect(envelope).toContain("sentry-check-0001");
    expect(envelope).toContain("/ops/sentry-test");
    for (const secret of [
      "planted-cookie-secret",
      "planted-body-secret",
      "planted-query-secret",
      stack.opsToken,
      stack.libsqlAuthToken,
    ]) {
      expect(envelope).not.toContain(secret);
    }
  });

  it("handled errors (4xx) are not reported", async () => {
    const before = envelopes.length;
    const response = await fetch(`${stack.baseUrl}/api/v1/me`);
    expect(response.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(envelopes.length).toBe(before);
  });
});
