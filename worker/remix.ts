import { createRequestHandler, type ServerBuild } from "@remix-run/cloudflare";
// Resolved by an alias (wrangler.toml [alias], vitest resolve.alias) to build/server/index.js,
// which `npm run build` produces before wrangler bundles the Worker.
import * as build from "remix-server-build";
import type { Bindings } from "./env.ts";
import type { AuthState } from "./services/auth/sessions.ts";
import type { Services } from "./services/context.ts";

const handleRemixRequest = createRequestHandler(build as unknown as ServerBuild, "production");

export interface RemixLoadContext {
  cloudflare: { env: Bindings; ctx: ExecutionContext };
  services: Services;
  requestId: string;
  /** The session, loaded on first use (same memoised loader the API routes use). */
  auth: () => Promise<AuthState | null>;
  clientIp: string;
  /** The Content-Security-Policy nonce every rendered script must carry. */
  cspNonce: string;
}

export function remixFetch(request: Request, context: RemixLoadContext): Promise<Response> {
  return handleRemixRequest(
    withoutOrigin(request),
    context as unknown as Parameters<typeof handleRemixRequest>[1],
  );
}

/**
 * The session middleware has already decided CSRF against the configured SITE_ORIGIN. Remix's
 * own check compares `Origin` with the Host / X-Forwarded-Host headers, which the client
 * writes and a proxy may rewrite, and throws (a 500) on a mismatch; handed no `Origin`, it
 * leaves the decision to ours.
 */
function withoutOrigin(request: Request): Request {
  if (request.method === "GET" || request.method === "HEAD" || !request.headers.has("Origin")) return request;
  const headers = new Headers(request.headers);
  headers.delete("Origin");
  return new Request(request, { headers });
}
