import type { MiddlewareHandler } from "hono";
import { ApiError } from "../../errors.ts";

export type PageErrorsVariables = { requestId: string };

interface PageErrorsOptions {
  /** The site's name in the page title. */
  siteName?: string;
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

/** A browser navigation (a document request), not Remix's single fetch (`*.data`) or a script. */
function wantsDocument(request: Request): boolean {
  const accept = request.headers.get("Accept") ?? "";
  return accept.includes("text/html") && !new URL(request.url).pathname.endsWith(".data");
}

/**
 * Pages: a refusal from the middleware in front of Remix (CSRF, WAF, rate limit, body limits)
 * reaches a browser as a small page with the same status, the stable error code and the
 * request id — never a stack, never Remix's "Unexpected Server Error". Scripts and Remix's
 * single fetch keep the API's JSON error, built by `onError` as before.
 */
export function pageErrors(options: PageErrorsOptions = {}): MiddlewareHandler<{
  Variables: PageErrorsVariables;
}> {
  const siteName = options.siteName ?? "CoinHubX";
  return async function pageErrorsMiddleware(c, next) {
    await next();
    const error = c.error;
    if (!(error instanceof ApiError) || !wantsDocument(c.req.raw)) return;
    const requestId = c.get("requestId") ?? "unknown";
    const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Request refused · ${escapeHtml(siteName)}</title></head>
<body>
<main>
<h1>We could not do that</h1>
<p>${escapeHtml(error.message)}</p>
<p>Error code: <code data-testid="error-code">${escapeHtml(error.code)}</code> · Request id: <code>${escapeHtml(requestId)}</code></p>
<p><a href="/">Back to ${escapeHtml(siteName)}</a></p>
</main>
</body>
</html>
`;
    const headers = new Headers(c.res.headers);
    headers.set("Content-Type", "text/html; charset=utf-8");
    headers.delete("Content-Length");
    c.res = new Response(html, { status: c.res.status, headers });
  };
}
