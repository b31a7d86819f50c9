import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "../../logger.ts";
import type { RouteClass } from "../../routes.ts";

export type RequestLogVariables = {
  logger: Logger;
  routeClass: RouteClass;
  /** Filled by later middleware (WAF, rate limit, session) so the one request line tells all. */
  logFields: Record<string, unknown>;
};

interface RequestSummary {
  method: string;
  route: string;
  routeClass: RouteClass;
  status: number;
  durationMs: number;
}

interface RequestLogOptions {
  loggerFor: (c: Parameters<MiddlewareHandler>[0]) => Logger;
  /** Called once per request after the line is written (metrics hook). */
  onComplete?: (c: Parameters<MiddlewareHandler>[0], summary: RequestSummary) => void;
}

/** One JSON line per request, written after the response is known. */
export function requestLog(options: RequestLogOptions): MiddlewareHandler<{
  Variables: RequestLogVariables & { requestId: string };
}> {
  return async function requestLogMiddleware(c, next) {
    const started = performance.now();
    const logger = options.loggerFor(c).child({ requestId: c.get("requestId") });
    c.set("logger", logger);
    c.set("logFields", {});
    await next();
    const status = c.res.status;
    const fields = {
      method: c.req.method,
      route: routePath(c) === "/*" ? "(remix)" : routePath(c),
      routeClass: c.get("routeClass") ?? "public",
      status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      ...c.get("logFields"),
    };
    if (status >= 500) logger.error("request", fields);
    else logger.info("request", fields);
    options.onComplete?.(c, fields);
  };
}
