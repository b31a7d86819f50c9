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

describe("domain metrics", () => {
  it("counts ledger movements and WAF blocks", async () => {
    const signup = await SELF.fetch("http://example.com/api/v1/auth/signup", {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: "http://example.com" },
      body: JSON.stringify({
        email: `metrics-${crypto.randomUUID()}@example.com`,
        password: "metrics-long-passphrase",
      }),
    });
    const cookie = (signup.headers.get("Set-Cookie") ?? "").split(";")[0] ?? "";
    const deposit = await SELF.fetch("http://example.com/api/v1/wallets/paper-deposit", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Origin: "http://example.com",
        Cookie: cookie,
        "Idempotency-Key": crypto.randomUUID(),
      },
      body: JSON.stringify({ asset: "GBP", amount: "100.00" }),
    });
    expect(deposit.status).toBe(201);
    const attack = await SELF.fetch(
      "http://example.com/api/v1/markets?symbol=1%27%20UNION%20SELECT%20password%20FROM%20users--",
    );
    expect(attack.status).toBe(403);
    const response = await SELF.fetch("http://example.com/metrics", { headers: OPS });
    const body = (await response.json()) as {
      series: { name: string; labels: Record<string, string>; value: number }[];
    };
    const movements = body.series.find(
      (entry) => entry.name === "chx_ledger_movements_total" && entry.labels.kind === "paper_deposit",
    );
    expect(movements?.value).toBeGreaterThanOrEqual(1);
    const blocks = body.series.filter(
      (entry) => entry.name === "chx_waf_blocks_total" && entry.labels.category === "sqli",
    );
    expect(blocks.reduce((sum, entry) => sum + entry.value, 0)).toBeGreaterThanOrEqual(1);
  });
});
