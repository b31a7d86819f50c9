import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { errorCode, STRONG_PASSWORD } from "../../support/api-client.ts";
import { EVIL_ORIGIN, freshAddress, ORIGIN, signedUpClient } from "./support.ts";

/**
 * Findings 5 and 8 (issue #15). A state-changing request from another origin is refused with
 * 403 `csrf_failed` — on pages as on the API, never a 500 with a stack — and "our origin" is
 * the configured SITE_ORIGIN (http://example.com in the worker tests), never the Host header.
 */
function crossOriginForm(path: string, headers: Record<string, string>, fields: Record<string, string>) {
  return SELF.fetch(`${ORIGIN}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      "CF-Connecting-IP": freshAddress(),
      ...headers,
    },
    body: new URLSearchParams(fields).toString(),
  });
}

async function expectCsrfRefusal(response: Response) {
  expect(response.status).toBe(403);
  const text = await response.text();
  expect(text).toContain("csrf_failed");
  expect(text).not.toContain("Unexpected Server Error");
  expect(text).not.toMatch(/stack|at \w+ \(/i);
  expect(response.headers.get("X-Request-Id")).toBeTruthy();
  return text;
}

describe("cross-origin form posts to pages (finding 5)", () => {
  const login = { intent: "password", email: "someone@example.com", password: STRONG_PASSWORD };

  it.each([
    ["/login, a document", "/login", { Accept: "text/html" }],
    ["/login.data, a single fetch", "/login.data", { Accept: "*/*" }],
  ])("%s: 403 csrf_failed, no session cookie needed", async (_name, path, accept) => {
    for (const origin of [EVIL_ORIGIN, "null"]) {
      for (const host of [{}, { Host: "example.com" }] as Record<string, string>[]) {
        const response = await crossOriginForm(path, { Origin: origin, ...accept, ...host }, login);
        await expectCsrfRefusal(response);
      }
    }
  });

  it("a browser navigation gets a page naming the code; a script gets the API's JSON error", async () => {
    const page = await crossOriginForm("/login", { Origin: EVIL_ORIGIN, Accept: "text/html" }, login);
    expect(page.headers.get("Content-Type")).toContain("text/html");
    expect(await expectCsrfRefusal(page)).toContain("<html");
    const data = await crossOriginForm("/login.data", { Origin: EVIL_ORIGIN, Accept: "*/*" }, login);
    expect(data.headers.get("Content-Type")).toContain("application/json");
    const body = JSON.parse(await expectCsrfRefusal(data)) as { error: { code: string } };
    expect(body.error.code).toBe("csrf_failed");
  });

  it("with a session cookie too, and for signed-in pages", async () => {
    const { client } = await signedUpClient("csrf-page");
    const response = await crossOriginForm(
      "/security",
      { Origin: EVIL_ORIGIN, Cookie: client.cookie ?? "", Accept: "text/html" },
      { intent: "setup" },
    );
    await expectCsrfRefusal(response);
  });

  it("the site's own form post still works", async () => {
    const { email } = await signedUpClient("csrf-own");
    const response = await crossOriginForm(
      "/login",
      { Origin: ORIGIN, Host: "example.com" },
      { intent: "password", email, password: STRONG_PASSWORD, redirectTo: "/wallet" },
    );
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/wallet");
  });
});

describe("the site's origin comes from configuration, not the Host header (finding 8)", () => {
  it("a request that names another host and a matching Origin is still cross-origin", async () => {
    const { client } = await signedUpClient("csrf-host");
    const response = await SELF.fetch("http://attacker.example/api/v1/2fa/setup", {
      method: "POST",
      headers: {
        Origin: "http://attacker.example",
        Host: "attacker.example",
        Cookie: client.cookie ?? "",
        "Content-Type": "application/json",
      },
      body: "{}",
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("csrf_failed");
  });

  it("the configured origin passes even when the Host header says otherwise (a proxy)", async () => {
    const { client } = await signedUpClient("csrf-proxy");
    const response = await SELF.fetch(`${ORIGIN}/api/v1/2fa/setup`, {
      method: "POST",
      headers: { Origin: ORIGIN, Host: "internal.example:8787", Cookie: client.cookie ?? "" },
    });
    expect(response.status).toBe(200);
    const { email } = await signedUpClient("csrf-proxy-page");
    const page = await SELF.fetch(`${ORIGIN}/login`, {
      method: "POST",
      redirect: "manual",
      headers: {
        Origin: ORIGIN,
        Host: "internal.example:8787",
        "X-Forwarded-Host": "other.example",
        "Content-Type": "application/x-www-form-urlencoded",
        "CF-Connecting-IP": freshAddress(),
      },
      body: new URLSearchParams({ intent: "password", email, password: STRONG_PASSWORD }).toString(),
    });
    expect(page.status).toBe(302);
  });

  it("the API contract holds: a cookie-carrying POST from another Origin is 403 csrf_failed", async () => {
    const { client } = await signedUpClient("csrf-api");
    const response = await client.request("POST", "/api/v1/2fa/setup", {
      body: {},
      headers: { Origin: EVIL_ORIGIN },
    });
    expect(response.status).toBe(403);
    expect(errorCode(response)).toBe("csrf_failed");
  });
});
