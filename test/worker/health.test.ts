import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("health probes", () => {
  it("/healthz answers ok without touching dependencies", async () => {
    const response = await SELF.fetch("http://example.com/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
    expect(response.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("/readyz checks the database, migrations and a Durable Object", async () => {
    const response = await SELF.fetch("http://example.com/readyz");
    const body = (await response.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(body.checks.database?.ok).toBe(true);
    expect(body.checks.migrations?.ok).toBe(true);
    expect(body.checks.durableObjects?.ok).toBe(true);
    expect(response.status).toBe(200);
    expect(body.status).toBe("ok");
  });
});
