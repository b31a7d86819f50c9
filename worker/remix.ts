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
  return handleRemixRequest(request, context as unknown as Parameters<typeof handleRemixRequest>[1]);
}
