import type { MiddlewareHandler } from "hono";
import { ApiError } from "../../errors.ts";
import { type AuthState, loadSession, readSessionToken, sessionIdOf } from "../../services/auth/sessions.ts";
import type { Services } from "../../services/context.ts";

export type SessionVariables = {
  /** The session, loaded on first use (public routes that never ask pay nothing). */
  auth: () => Promise<AuthState | null>;
  sessionToken: string | null;
};

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF: a state-changing request that carries a session cookie must come from our own
 * origin — the configured SITE_ORIGIN, never one derived from the Host header, which whoever
 * sends the request writes. `Origin` decides when present; otherwise `Sec-Fetch-Site`
 * (same-origin or a user-typed navigation); otherwise refuse. Requests without a session
 * cookie carry no ambient authority, so on the API they pass (they are unauthenticated anyway).
 */
function requestSite(request: Request, siteOrigin: string): "same" | "cross" | "unknown" {
  const origin = request.headers.get("Origin");
  if (origin !== null) return isSiteOrigin(origin, siteOrigin) ? "same" : "cross";
  const fetchSite = request.headers.get("Sec-Fetch-Site");
  if (fetchSite === null) return "unknown";
  return fetchSite === "same-origin" || fetchSite === "none" ? "same" : "cross";
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * The request's `Origin` is the site's. Exactly the configured origin; and, only when that is
 * a loopback address (local development: `npm start` serves http://127.0.0.1:8787), the same
 * scheme and port under another loopback name, since `localhost` and `127.0.0.1` are one
 * machine and a developer or a local test may use either. A deployed site never matches loosely.
 */
export function isSiteOrigin(origin: string, siteOrigin: string): boolean {
  if (origin === siteOrigin) return true;
  let site: URL;
  let candidate: URL;
  try {
    site = new URL(siteOrigin);
    candidate = new URL(origin);
  } catch {
    return false;
  }
  return (
    LOOPBACK_HOSTS.has(site.hostname) &&
    LOOPBACK_HOSTS.has(candidate.hostname) &&
    candidate.protocol === site.protocol &&
    candidate.port === site.port &&
    candidate.origin === origin
  );
}

export interface SessionOptions {
  /**
   * Pages: a browser's state-changing request from another origin is refused even without a
   * session cookie (log-in CSRF signs the victim into the attacker's account). Requests that
   * say nothing about their origin (no Origin, no Sec-Fetch-Site: not a browser) still pass.
   */
  refuseCrossOriginWithoutSession?: boolean;
}

export function session(options: SessionOptions = {}): MiddlewareHandler<{
  Variables: SessionVariables & { services: Services; logFields: Record<string, unknown> };
}> {
  return async function sessionMiddleware(c, next) {
    const token = readSessionToken(c.req.header("Cookie"));
    c.set("sessionToken", token);
    const site = SAFE_METHODS.has(c.req.method)
      ? "same"
      : requestSite(c.req.raw, c.get("services").config.SITE_ORIGIN);
    const refused = token
      ? site !== "same"
      : options.refuseCrossOriginWithoutSession === true && site === "cross";
    if (refused) {
      c.get("logFields").csrf = "refused";
      throw new ApiError(403, "csrf_failed", "This request did not come from the CoinHubX site.");
    }
    let loaded: Promise<AuthState | null> | undefined;
    c.set("auth", () => {
      loaded ??= token
        ? loadSession(c.get("services"), token, Date.now(), sessionIdOf(c.req.raw, token))
        : Promise.resolve(null);
      return loaded;
    });
    await next();
  };
}
