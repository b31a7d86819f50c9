import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TEST_SECRETS } from "../support/test-env.ts";

const OPS = { Authorization: `Bearer ${TEST_SECRETS.OPS_TOKEN}` };

describe("metrics (ops route class)", () => {
  it("refuses anonymous scrapes (401) and a wrong token (403)", async () => {
    const anonymous = await SELF.fetch("http://example.com/metrics/prometheus");
    expect(anonymous.status).toBe(401);
    const wrong = await SELF.fetch("http://example.com/metrics", {
      headers: { Authorization: "Bearer nope" },
    });
    expect(wrong.status).toBe(403);
  });

  it("counts requests across the platform and exposes them as JSON and Prometheus text", async () => {
    for (let index = 0; index < 3; index++) await SELF.fetch("http://example.com/healthz");
    const json = await SELF.fetch("http://example.com/metrics", { headers: OPS });
    expect(json.status).toBe(200);
    const body = (await json.json()) as {
      series: { name: string; labels: Record<string, string>; value: number; count: number }[];
    };
    const healthz = body.series.find(
      (entry) => entry.name === "chx_http_requests_total" && entry.labels.route === "/healthz",
    );
    expect(healthz?.value).toBeGreaterThanOrEqual(3);
    expect(healthz?.labels.route_class).toBe("ops");
    const database = body.series.find((entry) => entry.name === "chx_database_up");
    expect(database?.value).toBe(1);

    const text = await SELF.fetch("http://example.com/metrics/prometheus", { headers: OPS });
    expect(text.headers.get("Content-Type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const exposition = await text.text();
    expect(exposition).toContain("# TYPE chx_http_requests_total counter");
    expect(exposition).toMatch(/chx_http_request_duration_seconds_bucket\{[^}]*le="\+Inf"\} \d+/);
    expect(exposition).toMatch(/chx_http_requests_total\{[^}]*route="\/healthz"[^}]*\} \d+/);
  });
});
