import type { MiddlewareHandler } from "hono";
import { editResponseHeaders } from "../response-headers.ts";

export type RequestIdVariables = { requestId: string };

interface RequestIdOptions {
  headerName?: string;
  /** Incoming ids are accepted only when they look like ids, so they are safe to log and echo. */
  pattern?: RegExp;
  generate?: () => string;
}

const DEFAULT_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestId(
  options: RequestIdOptions = {},
): MiddlewareHandler<{ Variables: RequestIdVariables }> {
  const headerName = options.headerName ?? "X-Request-Id";
  const pattern = options.pattern ?? DEFAULT_PATTERN;
  const generate = options.generate ?? (() => crypto.randomUUID());
  return async function requestIdMiddleware(c, next) {
    const incoming = c.req.header(headerName);
    const id = incoming && pattern.test(incoming) ? incoming : generate();
    c.set("requestId", id);
    c.header(headerName, id);
    await next();
    // Responses built elsewhere (Remix, stored pages, onError, static assets) get it too.
    if (c.res.headers.get(headerName) !== id)
      editResponseHeaders(c, (headers) => headers.set(headerName, id));
  };
}
