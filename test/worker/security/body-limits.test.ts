import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { freshAddress, ORIGIN } from "./support.ts";

/**
 * Finding 9 (issue #15): a body the WAF cannot inspect is refused for what it is — too large
 * (413 `payload_too_large`), too deep or not UTF-8 (400 `invalid_request`) — not as an attack
 * (403 `waf_blocked`). Attacks the WAF can see are still `waf_blocked`.
 */
function post(path: string, body: BodyInit, contentType = "application/json") {
  return SELF.fetch(`${ORIGIN}${path}`, {
    method: "POST",
    headers: { "Content-Type": contentType, Origin: ORIGIN, "CF-Connecting-IP": freshAddress() },
    body,
  });
}

async function errorOf(response: Response) {
  return (
    (await response.json()) as { error: { code: string; message: string; fields?: Record<string, string> } }
  ).error;
}

const OVER_64_KB = JSON.stringify({ email: "a@example.com", password: "x".repeat(70 * 1024) });
const TOO_DEEP = `${"[".repeat(40)}1${"]".repeat(40)}`;
const TOO_DEEP_LONG = JSON.stringify({ padding: "p".repeat(5000), deep: JSON.parse(TOO_DEEP) });
const TOO_MANY_VALUES = JSON.stringify({ values: Array.from({ length: 6000 }, (_, index) => index) });
const NOT_UTF8 = new Uint8Array([
  ...new TextEncoder().encode('{"email":"a@example.com","password":"'),
  0xc0,
  0xae,
  0xff,
  ...new TextEncoder().encode('"}'),
]);

describe("bodies the WAF cannot inspect", () => {
  it("over 64 KB: 413 payload_too_large (declared or streamed)", async () => {
    for (const path of ["/api/v1/auth/login", "/login"]) {
      const response = await post(path, OVER_64_KB);
      expect(response.status, path).toBe(413);
      expect((await errorOf(response)).code, path).toBe("payload_too_large");
    }
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(OVER_64_KB));
        controller.close();
      },
    });
    const streamed = await SELF.fetch(`${ORIGIN}/api/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": freshAddress() },
      body: stream,
      // @ts-expect-error workerd's fetch takes `duplex` for a streamed body
      duplex: "half",
    });
    expect(streamed.status).toBe(413);
    expect((await errorOf(streamed)).code).toBe("payload_too_large");
  });

  it.each([
    ["nested too deep", TOO_DEEP],
    ["nested too deep, in a long body", TOO_DEEP_LONG],
    ["too many values", TOO_MANY_VALUES],
  ])("JSON %s: 400 invalid_request naming the body", async (_name, body) => {
    const response = await post("/api/v1/auth/login", body);
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe("invalid_request");
    expect(error.fields?.body).toBeTruthy();
  });

  it("not UTF-8: 400 invalid_request, on the API and on a page", async () => {
    for (const [path, type] of [
      ["/api/v1/auth/login", "application/json"],
      ["/login", "application/x-www-form-urlencoded"],
    ] as const) {
      const response = await post(path, NOT_UTF8, type);
      expect(response.status, path).toBe(400);
      const error = await errorOf(response);
      expect(error.code, path).toBe("invalid_request");
      expect(error.fields?.body, path).toBeTruthy();
    }
  });

  it("an attack the WAF can read is still waf_blocked", async () => {
    const response = await post(
      "/api/v1/auth/login",
      JSON.stringify({ email: "a@example.com' UNION SELECT password FROM users--", password: "x" }),
    );
    expect(response.status).toBe(403);
    expect((await errorOf(response)).code).toBe("waf_blocked");
  });
});
