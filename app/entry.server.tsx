import type {
  ActionFunctionArgs,
  AppLoadContext,
  EntryContext,
  LoaderFunctionArgs,
} from "@remix-run/cloudflare";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToReadableStream } from "react-dom/server";
import { NonceContext } from "./utils/nonce.ts";

const ABORT_DELAY_MS = 5_000;

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  _loadContext: AppLoadContext,
) {
  let status = responseStatusCode;
  const nonce = _loadContext.cspNonce;
  const body = await renderToReadableStream(
    <NonceContext.Provider value={nonce}>
      <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY_MS} nonce={nonce} />
    </NonceContext.Provider>,
    {
      nonce,
      signal: AbortSignal.timeout(ABORT_DELAY_MS),
      onError(error: unknown) {
        status = 500;
        // Reported through the load context's logger by the route's error boundary; avoid
        // double logging here, but never swallow silently during shell rendering.
        if (!remixContext.isSpaMode) _loadContext.services?.logger.error("render error", { error });
      },
    },
  );
  // Bots and crawlers get the full document; people get it streamed.
  if (isbot(request.headers.get("user-agent") ?? "")) await body.allReady;
  responseHeaders.set("Content-Type", "text/html; charset=utf-8");
  return new Response(body, { headers: responseHeaders, status });
}

/** Loader and action failures (not thrown Responses): logged and reported like the Worker's. */
export function handleError(error: unknown, { request, context }: LoaderFunctionArgs | ActionFunctionArgs) {
  if (request.signal.aborted) return;
  context.services?.logger.error("remix error", { error, path: new URL(request.url).pathname });
  context.services?.sentry?.captureException(error);
}
