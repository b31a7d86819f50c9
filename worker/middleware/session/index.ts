import type { MiddlewareHandler } from "hono";
import { ApiError } from "../../errors.ts";
import { type AuthState, loadSession, readSessionToken } from "../../services/auth/sessions.ts";
import type { Services } from "../../services/context.ts";

export type SessionVariables = {
  /** The session, loaded on first use (public routes that never ask pay nothing). */
  auth: () => Promise<AuthState | null>;
  sessionToken: string | null;
};

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF: a state-changing request that carries a session cookie must come from our own
 * origin. `Origin` decides when present; otherwise `Sec-Fetch-Site` (same-origin or a
 * user-typed navigation); otherwise refuse. Requests without a session cookie carry no
 * ambient authority, so they pass (they are unauthenticated anyway).
 */
function isSameOriginRequest(request: Request): boolean {
  const origin = request.headers.get("Origin");
  const siteOrigin = new URL(request.url).origin;
  if (origin !== null) return origin === siteOrigin;
  const fetchSite = request.headers.get("Sec-Fetch-Site");
  return fetchSite === "same-origin" || fetchSite === "none";
}

export function session(): MiddlewareHandler<{
  Variables: SessionVariables & { services: Services; logFields: Record<string, unknown> };
}> {
  return async function sessionMiddleware(c, next) {
    const token = readSessionToken(c.req.header("Cookie"));
    c.set("sessionToken", token);
    if (token && !SAFE_METHODS.has(c.req.method) && !isSameOriginRequest(c.req.raw)) {
      c.get("logFields").csrf = "refused";
      throw new ApiError(403, "csrf_failed", "This request did not come from the CoinHubX site.");
    }
    let loaded: Promise<AuthState | null> | undefined;
    c.set("auth", () => {
      loaded ??= token ? loadSession(c.get("services"), token) : Promise.resolve(null);
      return loaded;
    });
    await next();
  };
}
