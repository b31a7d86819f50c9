import { spawnSync } from "node:child_process";
import { describe, expect, inject, it } from "vitest";

const baseUrl = inject("baseUrl");
const opsToken = inject("opsToken");

describe("operations on the running stack", () => {
  it("/metrics/prometheus passes `promtool check metrics`", async () => {
    await fetch(`${baseUrl}/healthz`);
    await fetch(`${baseUrl}/`);
    const response = await fetch(`${baseUrl}/metrics/prometheus`, {
      headers: { Authorization: `Bearer ${opsToken}` },
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    if (check.error)
      throw new Error(`promtool is required (apt-get install prometheus): ${check.error.message}`);
    expect(`${check.stdout}${check.stderr}`.trim()).toBe("");
    expect(check.status).toBe(0);
    expect(text).toContain("chx_http_requests_total{");
  });

  it("every response carries X-Request-Id", async () => {
    for (const path of ["/healthz", "/readyz", "/", "/api/v1/me", "/api/v1/none", "/favicon.svg", "/nope"]) {
      const response = await fetch(`${baseUrl}${path}`);
      expect(response.headers.get("X-Request-Id"), path).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});
