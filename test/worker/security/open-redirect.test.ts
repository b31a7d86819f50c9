import { describe, expect, it } from "vitest";
import { STRONG_PASSWORD } from "../../support/api-client.ts";
import { ORIGIN, postPageForm, signedUpClient } from "./support.ts";

/**
 * Finding 1 (issue #15): after log-in the page redirects to `redirectTo`. Only a path on this
 * site may come back in Location; everything a browser could read as another host falls back
 * to "/". Browsers drop tabs and newlines from a Location and read `\` as `/`, so
 * `/\t/evil.example` is `//evil.example` to them.
 */
const EVIL_TARGETS = [
  "/\t/evil.example",
  "/\n/evil.example",
  "/\r\n/evil.example",
  "/ /evil.example",
  "/\\evil.example",
  "/\\/evil.example",
  "//evil.example",
  "///evil.example",
  "/%5Cevil.example",
  "/%5c/evil.example",
  "/%09/evil.example",
  "/%0A/evil.example",
  "/%2F/evil.example",
  "/%2f%2fevil.example",
  "https:evil.example",
  "https://evil.example/",
  "evil.example",
  "\t//evil.example",
  "/\u00a0/evil.example",
  "/\u2028/evil.example",
];
/** Refused before the page runs (the WAF); whatever answers, no Location may leave the site. */
const BLOCKED_EARLIER = ["javascript:alert(1)", "/\u0000/evil.example"];

async function logInWith(redirectTo: string): Promise<Response> {
  const { email } = await signedUpClient("redirect");
  return postPageForm("/login", { intent: "password", email, password: STRONG_PASSWORD, redirectTo });
}

describe("log-in redirect", () => {
  it.each(EVIL_TARGETS)("refuses %j and sends the user home", async (target) => {
    const response = await logInWith(target);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/");
  });

  it("keeps a path on this site, query included", async () => {
    const response = await logInWith("/trade?symbol=BTC-GBP");
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/trade?symbol=BTC-GBP");
  });

  it("a Location the browser resolves stays on the site's origin", async () => {
    for (const target of [...EVIL_TARGETS, ...BLOCKED_EARLIER]) {
      const response = await logInWith(target);
      const location = response.headers.get("Location") ?? "";
      // What a browser would do: strip tabs and newlines, then resolve against the page.
      const resolved = new URL(location.replace(/[\t\n\r]/g, ""), `${ORIGIN}/login`);
      expect(resolved.origin).toBe(ORIGIN);
    }
  });
});
