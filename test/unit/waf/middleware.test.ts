import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { ApiError, errorBody } from "../../../worker/errors.ts";
import { createLogger, type Logger } from "../../../worker/logger.ts";
import { requestId } from "../../../worker/middleware/request-id/index.ts";
import { requestLog } from "../../../worker/middleware/request-log/index.ts";
import { type WafOptions, waf } from "../../../worker/middleware/waf/index.ts";

interface LogLine {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

/**
 * The middleware in a small app shaped like worker/app.ts: request id and log fields set
 * first, errors turned into the API's error shape, and handlers that read the body the way
 * the real ones do (Hono's cached `c.req.text()`/`json()`, and Remix's raw Request).
 */
function appWith(options: WafOptions, env: Record<string, unknown> = {}) {
  const lines: LogLine[] = [];
  const logger: Logger = {
    debug: (message, fields) => lines.push({ level: "debug", message, ...(fields ? { fields } : {}) }),
    info: (message, fields) => lines.push({ level: "info", message, ...(fields ? { fields } : {}) }),
    warn: (message, fields) => lines.push({ level: "warn", message, ...(fields ? { fields } : {}) }),
    error: (message, fields) => lines.push({ level: "error", message, ...(fields ? { fields } : {}) }),
    child: () => logger,
  } as Logger;
  const logFields: Record<string, unknown>[] = [];
  const app = new Hono<{
    Variables: { logFields: Record<string, unknown>; logger: Logger; requestId: string };
  }>();
  app.use(async (c, next) => {
    const fields: Record<string, unknown> = {};
    logFields.push(fields);
    c.set("requestId", "req-test-0001");
    c.set("logger", logger);
    c.set("logFields", fields);
    await next();
  });
  app.use(waf(options));
  app.post("/api/json", async (c) => c.json({ received: await c.req.json() }));
  app.post("/api/text", async (c) => c.json({ text: await c.req.text() }));
  app.post("/page", async (c) => c.json({ form: Object.fromEntries(await c.req.raw.formData()) }));
  app.all("*", (c) => c.json({ ok: true }));
  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(errorBody(error, c.get("requestId")), error.status);
    throw error;
  });
  const request = (path: string, init?: RequestInit) => app.request(`https://coinhubx.com${path}`, init, env);
  return { request, logFields, lines };
}

const attack = "/markets?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E";

describe("waf middleware", () => {
  it("blocks with 403 waf_blocked, the request id, and no rule named", async () => {
    const { request, logFields } = appWith({ routeClass: "public" });
    const response = await request(attack);
    expect(response.status).toBe(403);
    const body = (await response.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error.code).toBe("waf_blocked");
    expect(body.error.requestId).toBe("req-test-0001");
    expect(Object.keys(body.error).sort()).toEqual(["code", "message", "requestId"]);
    expect(body.error.message).not.toMatch(
      /xss|sqli|script|jndi|traversal|cmdi|ssrf|xxe|scanner|protocol|score/i,
    );
    // The log line gets what the client does not.
    expect(logFields[0]?.waf).toMatchObject({
      action: "block",
      class: "public",
      mode: "block",
      rules: expect.arrayContaining(["xss-script-tag"]),
      locations: ["query:q"],
    });
    expect((logFields[0]?.waf as { score: number } | undefined)?.score).toBeGreaterThanOrEqual(5);
  });

  it("passes look-alikes and logs nothing for a clean request", async () => {
    const { request, logFields } = appWith({ routeClass: "public" });
    const response = await request("/markets?q=I%20%3C3%20O%27Brien%20%26%20AT%26T");
    expect(response.status).toBe(200);
    expect(logFields[0]?.waf).toBeUndefined();
  });

  it("leaves the body readable for the route: c.req.json(), c.req.text() and the raw Request", async () => {
    const { request } = appWith({ routeClass: "authenticated" });
    const json = { label: "O'Brien <3 AT&T", amount: "0.00150000" };
    const viaJson = await request("/api/json", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(json),
    });
    expect(await viaJson.json()).toEqual({ received: json });
    const viaText = await request("/api/text", {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: "drop me a note",
    });
    expect(await viaText.json()).toEqual({ text: "drop me a note" });
    const viaRaw = await request("/page", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "email=o%27brien%40example.ie&note=AT%26T%20%3C3",
    });
    expect(await viaRaw.json()).toEqual({ form: { email: "o'brien@example.ie", note: "AT&T <3" } });
  });

  it("inspects the body: an attack in JSON is blocked", async () => {
    const { request } = appWith({ routeClass: "authenticated" });
    const response = await request("/api/json", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ label: "1' UNION SELECT password FROM users--" }),
    });
    expect(response.status).toBe(403);
  });

  it("refuses a body over the limit, reading no further than the limit", async () => {
    const { request } = appWith({ routeClass: "public", limits: { maxBodyBytes: 1024 } });
    const response = await request("/api/text", {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: "a".repeat(2048),
    });
    // A body too large to inspect is the client's mistake, not an attack (finding 9 of #15).
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });

  it("monitor mode logs what it would block and lets it through", async () => {
    const { request, logFields } = appWith({ routeClass: "public", policy: { public: { mode: "monitor" } } });
    const response = await request(attack);
    expect(response.status).toBe(200);
    expect(logFields[0]?.waf).toMatchObject({ action: "monitor", mode: "monitor" });
  });

  it("off mode does not inspect at all", async () => {
    const { request, logFields } = appWith({ routeClass: "public", policy: { public: { mode: "off" } } });
    expect((await request(attack)).status).toBe(200);
    expect(logFields[0]?.waf).toBeUndefined();
  });

  it("the threshold is per class: weak signals alone pass, and a stricter class blocks them", async () => {
    const weak = "/markets?q=%27hi%27%20and%202%20dogs";
    expect((await appWith({ routeClass: "public" }).request(weak)).status).toBe(200);
    const strict = appWith({ routeClass: "ops", policy: { ops: { threshold: 3 } } });
    expect((await strict.request(weak)).status).toBe(403);
  });

  it("WAF_MODE switches every class, or one, at deploy time", async () => {
    expect((await appWith({ routeClass: "public" }, { WAF_MODE: "monitor" }).request(attack)).status).toBe(
      200,
    );
    expect(
      (await appWith({ routeClass: "public" }, { WAF_MODE: "ops=monitor" }).request(attack)).status,
    ).toBe(403);
    expect(
      (await appWith({ routeClass: "ops" }, { WAF_MODE: "ops=monitor,public=block" }).request(attack)).status,
    ).toBe(200);
  });

  it("an unreadable WAF_MODE keeps the WAF blocking and warns once", async () => {
    const env = { WAF_MODE: "monitr" };
    const { request, lines } = appWith({ routeClass: "public" }, env);
    expect((await request(attack)).status).toBe(403);
    expect((await request(attack)).status).toBe(403);
    expect(lines.filter((line) => line.message === "WAF_MODE ignored")).toHaveLength(1);
  });

  it("applies the route's exclusions by parameter", async () => {
    const options: WafOptions = {
      routeClass: "authenticated",
      exclusions: [{ parameter: "label", categories: ["xss"], reason: "free text shown escaped" }],
    };
    const { request } = appWith(options);
    const send = (body: unknown) =>
      request("/api/json", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await send({ label: "<script>hi</script>" })).status).toBe(200);
    expect((await send({ note: "<script>hi</script>" })).status).toBe(403);
  });

  it("puts rule ids, score and class on the printed request line, and no payload", async () => {
    const printed: string[] = [];
    const app = new Hono();
    app.use(requestId());
    app.use(
      requestLog({ loggerFor: () => createLogger({ level: "info", sink: (line) => printed.push(line) }) }),
    );
    app.use(waf({ routeClass: "authenticated" }));
    app.post("*", (c) => c.json({ ok: true }));
    app.onError((error, c) =>
      error instanceof ApiError ? c.json(errorBody(error, "id"), error.status) : c.json({}, 500),
    );
    const response = await app.request("https://coinhubx.com/api/v1/withdrawal-addresses", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ label: "<script>steal('hunter2')</script>" }),
    });
    expect(response.status).toBe(403);
    const line = JSON.parse(printed.find((entry) => entry.includes('"request"')) ?? "{}") as {
      waf?: { action: string; class: string; score: number; rules: string[]; locations: string[] };
    };
    expect(line.waf).toMatchObject({ action: "block", class: "authenticated", locations: ["body:label"] });
    expect(line.waf?.rules).toContain("xss-script-tag");
    expect(line.waf?.score).toBeGreaterThanOrEqual(5);
    expect(printed.join("\n")).not.toContain("hunter2");
  });
});
