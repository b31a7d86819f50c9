import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ORIGIN, signedUpClient } from "./support.ts";

/**
 * Finding 3 (issue #15): every answer to a signed-in request is private — API or page — and
 * carries `Cache-Control: no-store`; the fingerprinted static files stay cacheable.
 */
describe("Cache-Control: no-store on signed-in answers", () => {
  it("on every signed-in API read and on 2FA set-up", async () => {
    const { client } = await signedUpClient("no-store");
    for (const path of [
      "/api/v1/me",
      "/api/v1/sessions",
      "/api/v1/withdrawal-addresses",
      "/api/v1/withdrawals",
    ]) {
      const response = await client.get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("Cache-Control"), path).toBe("no-store");
    }
    const setup = await client.post("/api/v1/2fa/setup");
    expect(setup.status).toBe(200);
    expect(setup.headers.get("Cache-Control")).toBe("no-store");
  });

  it("on the answer that signs in (it sets the cookie)", async () => {
    const { client, email } = await signedUpClient("no-store-login");
    const login = await client.post("/api/v1/auth/login", { email, password: "correct-pony-battery-42" });
    expect(login.status).toBe(200);
    expect(login.headers.get("Cache-Control")).toBe("no-store");
  });

  it("on signed-in pages: /wallet and /security", async () => {
    const { client } = await signedUpClient("no-store-pages");
    for (const path of ["/wallet", "/security"]) {
      const response = await SELF.fetch(`${ORIGIN}${path}`, {
        headers: { Cookie: client.cookie ?? "", Accept: "text/html" },
        redirect: "manual",
      });
      expect(response.status, path).toBe(200);
      expect(response.headers.get("Content-Type"), path).toContain("text/html");
      expect(response.headers.get("Cache-Control"), path).toBe("no-store");
      await response.body?.cancel();
    }
  });

  it("not on a static file, even for a signed-in browser", async () => {
    const { client } = await signedUpClient("no-store-static");
    for (const path of ["/favicon.svg", "/robots.txt"]) {
      for (const cookie of [client.cookie ?? "", ""]) {
        const response = await SELF.fetch(`${ORIGIN}${path}`, { headers: cookie ? { Cookie: cookie } : {} });
        expect(response.status, path).toBe(200);
        expect(response.headers.get("Cache-Control") ?? "", `${path} cookie=${cookie !== ""}`).not.toContain(
          "no-store",
        );
        await response.body?.cancel();
      }
    }
  });
});
