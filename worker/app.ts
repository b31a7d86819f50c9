import { Hono } from "hono";
import { accountRoutes } from "./api/account.ts";
import { authRoutes } from "./api/auth.ts";
import { botRoutes } from "./api/bots.ts";
import { healthRoutes } from "./api/health.ts";
import { ledgerRoutes } from "./api/ledger.ts";
import { marketRoutes } from "./api/markets.ts";
import { metricsRoutes } from "./api/metrics.ts";
import { opsRoutes } from "./api/ops.ts";
import { opsLedgerRoutes } from "./api/ops-ledger.ts";
import { orderRoutes } from "./api/orders.ts";
import { staticRoutes } from "./api/static.ts";
import { walletRoutes } from "./api/wallets.ts";
import { withdrawalRoutes } from "./api/withdrawals.ts";
import type { AppEnv } from "./app-env.ts";
import { ConfigError, getConfig } from "./env.ts";
import { ApiError, errorBody } from "./errors.ts";
import { createLogger } from "./logger.ts";
import { pageErrors } from "./middleware/page-errors/index.ts";
import { rateLimit } from "./middleware/rate-limit/index.ts";
import { requestId } from "./middleware/request-id/index.ts";
import { requestLog } from "./middleware/request-log/index.ts";
import { securityHeaders } from "./middleware/security-headers/index.ts";
import { session } from "./middleware/session/index.ts";
import { waf } from "./middleware/waf/index.ts";
import { accessFor, type RouteDefinition } from "./routes.ts";
import { requireAuth, requireOperator } from "./services/auth/guards.ts";
import { createServices } from "./services/context.ts";
import { isDependencyUnavailable } from "./services/dependencies.ts";
import { flushMetrics } from "./services/metrics/flush.ts";
import { isolateMetrics } from "./services/metrics/recorder.ts";
import { PAGE_EXCLUSIONS } from "./waf/index.ts";

interface AppOptions {
  /** Everything that is not an API, ops or asset route: the Remix request handler. */
  pages?: (c: import("hono").Context<AppEnv>) => Promise<Response>;
}

const API_PREFIX = "/api/v1";

/**
 * Composition only. The order is the contract: request id, request log, security headers,
 * then per route (by its declared class): WAF, rate limit, session; then the routes, with
 * Remix mounted last.
 */
export function createApp(options: AppOptions = {}) {
  const app = new Hono<AppEnv>();

  app.use(requestId());
  app.use(
    requestLog({
      loggerFor: (c) => {
        const level = (c.env as Record<string, unknown>).LOG_LEVEL;
        return createLogger({
          level: level === "debug" || level === "warn" || level === "error" ? level : "info",
        });
      },
      onComplete: (c, summary) => {
        const labels = { route_class: summary.routeClass, route: summary.route };
        isolateMetrics.increment("chx_http_requests_total", {
          ...labels,
          method: summary.method,
          status: String(summary.status),
        });
        isolateMetrics.observe("chx_http_request_duration_seconds", labels, summary.durationMs / 1000);
        const env = c.env as AppEnv["Bindings"];
        env.ANALYTICS?.writeDataPoint({
          blobs: [summary.routeClass, summary.route, summary.method],
          doubles: [summary.status, summary.durationMs],
          indexes: [summary.routeClass],
        });
        if (env.METRICS) {
          const flush = flushMetrics(env).catch(() => undefined);
          try {
            c.executionCtx.waitUntil(flush);
          } catch {
            // No execution context (app.request() in unit tests): the flush still runs.
          }
        }
      },
    }),
  );
  app.use(
    securityHeaders({
      strictTransportSecurity: (url) =>
        url.protocol === "https:" && !["localhost", "127.0.0.1", "[::1]"].includes(url.hostname),
    }),
  );
  // Config is validated and services are built before any route runs, so a
  // misconfiguration fails every request with one clear log line instead of half-working.
  app.use(async function services(c, next) {
    const config = getConfig(c.env);
    let waitUntil: ((promise: Promise<unknown>) => void) | undefined;
    try {
      const executionCtx = c.executionCtx;
      waitUntil = (promise) => executionCtx.waitUntil(promise);
    } catch {
      // app.request() without an execution context: reports are sent inline instead.
    }
    c.set(
      "services",
      createServices({
        config,
        env: c.env,
        logger: c.get("logger"),
        requestId: c.get("requestId"),
        request: c.req.raw,
        ...(waitUntil ? { waitUntil } : {}),
      }),
    );
    await next();
  });

  const sessionMiddleware = session();
  const pageSessionMiddleware = session({ refuseCrossOriginWithoutSession: true });
  const rateLimitMiddleware = rateLimit();

  const register = (prefix: string, routes: RouteDefinition[]) => {
    for (const route of routes) {
      const access = accessFor(route);
      app.on(
        route.method,
        `${prefix}${route.path}`,
        async function classify(c, next) {
          c.set("routeClass", route.routeClass);
          c.get("services")?.sentry?.addBreadcrumb({
            category: "route",
            message: `${route.method} ${prefix}${route.path} (${route.routeClass})`,
          });
          await next();
        },
        // WAF and rate limit by class slot in here (security issue), before the session.
        waf({ routeClass: route.routeClass, exclusions: route.waf?.exclusions }),
        rateLimitMiddleware,
        sessionMiddleware,
        async function enforceAccess(c, next) {
          if (access === "session") await requireAuth(c);
          else if (access === "operator") await requireOperator(c);
          await next();
        },
        route.handler,
      );
    }
  };

  register("", healthRoutes);
  register("", staticRoutes);
  register("", metricsRoutes);
  register(API_PREFIX, opsRoutes);
  register(API_PREFIX, authRoutes);
  register(API_PREFIX, walletRoutes);
  register(API_PREFIX, ledgerRoutes);
  register(API_PREFIX, opsLedgerRoutes);
  register(API_PREFIX, botRoutes);
  register(API_PREFIX, accountRoutes);
  register(API_PREFIX, marketRoutes);
  register(API_PREFIX, orderRoutes);
  register(API_PREFIX, withdrawalRoutes);

  // Unknown API paths are public-class requests like any other: classified, inspected by the
  // WAF and rate limited before they get their 404.
  app.all(
    `${API_PREFIX}/*`,
    async function classifyUnknownApi(c, next) {
      c.set("routeClass", "public");
      await next();
    },
    waf({ routeClass: "public" }),
    rateLimitMiddleware,
    (c) => {
      throw new ApiError(404, "not_found", `No API route ${c.req.method} ${new URL(c.req.url).pathname}.`);
    },
  );

  if (options.pages) {
    const pages = options.pages;
    app.all(
      "*",
      async function classifyPage(c, next) {
        c.set("routeClass", "public");
        await next();
      },
      pageErrors(),
      waf({ routeClass: "public", exclusions: PAGE_EXCLUSIONS }),
      rateLimitMiddleware,
      pageSessionMiddleware,
      (c) => pages(c),
    );
  }

  app.notFound((c) => {
    const error = new ApiError(404, "not_found", "Not found.");
    return c.json(errorBody(error, c.get("requestId")), 404);
  });

  app.onError((error, c) => {
    const id = c.get("requestId") ?? "unknown";
    if (error instanceof ApiError) {
      const logFields = c.get("logFields");
      if (logFields) logFields.errorCode = error.code;
      return c.json(errorBody(error, id), error.status, error.headers);
    }
    if (isDependencyUnavailable(error)) {
      c.get("logger")?.error("dependency unavailable", { error });
      isolateMetrics.increment("chx_errors_total", { where: "dependency" });
      const unavailable = new ApiError(
        503,
        "service_unavailable",
        "The service is temporarily unavailable. Try again shortly.",
      );
      return c.json(errorBody(unavailable, id), 503, { "Retry-After": "5" });
    }
    if (error instanceof ConfigError) {
      // Names every bad variable in the log; the client only learns that we are unavailable.
      c.get("logger")?.error("invalid configuration", { problems: error.problems });
      const unavailable = new ApiError(
        503,
        "service_unavailable",
        "The service is misconfigured. Try again later.",
      );
      return c.json(errorBody(unavailable, id), 503);
    }
    // Unknown errors: the stack goes to the log, the client gets an id to quote.
    c.get("logger")?.error("unhandled error", { error });
    isolateMetrics.increment("chx_errors_total", { where: "worker" });
    c.get("services")?.sentry?.captureException(error);
    const internal = new ApiError(
      500,
      "internal_error",
      "Something went wrong on our side. Quote the request id.",
    );
    return c.json(errorBody(internal, id), 500);
  });

  return app;
}
