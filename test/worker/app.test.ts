import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("request id", () => {
  it("accepts a well-formed incoming X-Request-Id and echoes it", async () => {
    const response = await SELF.fetch("http://example.com/healthz", {
      headers: { "X-Request-Id": "client-req-12345678" },
    });
    expect(response.headers.get("X-Request-Id")).toBe("client-req-12345678");
  });

  it("replaces a malformed one with a generated id", async () => {
    const response = await SELF.fetch("http://example.com/healthz", {
      headers: { "X-Request-Id": "bad id <script>" },
    });
    const id = response.headers.get("X-Request-Id");
    expect(id).not.toBe("bad id <script>");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("is on Remix pages too, rendered or stored", async () => {
    for (const id of ["page-request-0001", "page-request-0002"]) {
      const response = await SELF.fetch("http://example.com/", { headers: { "X-Request-Id": id } });
      expect(response.status).toBe(200);
      expect(response.headers.get("X-Request-Id")).toBe(id);
    }
  });

  it("is on static files, whose fetched responses have immutable headers", async () => {
    const response = await SELF.fetch("http://example.com/robots.txt", {
      headers: { "X-Request-Id": "static-request-01" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("X-Request-Id")).toBe("static-request-01");
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
  });
});

describe("API errors", () => {
  it("an unknown API route answers the error shape with 404", async () => {
    const response = await SELF.fetch("http://example.com/api/v1/nothing-here");
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error.code).toBe("not_found");
    expect(body.error.requestId).toBe(response.headers.get("X-Request-Id"));
    expect(typeof body.error.message).toBe("string");
  });
});

describe("security headers", () => {
  it("every response carries them; no HSTS on plain-http localhost", async () => {
    const response = await SELF.fetch("http://localhost/healthz");
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
    // An API answer runs nothing: the strictest policy, and no nonce.
    expect(response.headers.get("Content-Security-Policy")).toMatch(/^default-src 'none';/);
    expect(response.headers.get("Content-Security-Policy")).not.toContain("nonce-");
    expect(response.headers.get("Strict-Transport-Security")).toBeNull();
    const https = await SELF.fetch("https://coinhubx.example/healthz");
    expect(https.headers.get("Strict-Transport-Security")).toContain("max-age=");
  });
});

describe("Content-Security-Policy nonce", () => {
  it("every script on a page carries the response's nonce, and no inline script is allowed without it", async () => {
    const response = await SELF.fetch("http://example.com/");
    const csp = response.headers.get("Content-Security-Policy") ?? "";
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(csp).not.toContain("'unsafe-inline' 'nonce");
    expect(csp).toMatch(/script-src 'self' 'nonce-[^']+'(;|$)/);
    const html = await response.text();
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    const second = await SELF.fetch("http://example.com/");
    expect(second.headers.get("Content-Security-Policy")).not.toContain(nonce);
  });
});
