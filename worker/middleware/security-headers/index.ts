import type { MiddlewareHandler } from "hono";

export interface SecurityHeadersOptions {
  /** HSTS only where the site is served over HTTPS (never on localhost). */
  strictTransportSecurity?: boolean;
}

export function securityHeaders(options: SecurityHeadersOptions = {}): MiddlewareHandler {
  return async function securityHeadersMiddleware(c, next) {
    await next();
    const headers = new Headers(c.res.headers);
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Referrer-Policy", "strict-origin-when-cross-origin");
    headers.set("X-Frame-Options", "DENY");
    headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()");
    headers.set("Cross-Origin-Opener-Policy", "same-origin");
    if (!headers.has("Content-Security-Policy")) {
      headers.set(
        "Content-Security-Policy",
        [
          "default-src 'self'",
          "script-src 'self' 'unsafe-inline'",
          "style-src 'self' 'unsafe-inline'",
          "img-src 'self' data:",
          "connect-src 'self'",
          "font-src 'self'",
          "object-src 'none'",
          "base-uri 'self'",
          "form-action 'self'",
          "frame-ancestors 'none'",
        ].join("; "),
      );
    }
    if (options.strictTransportSecurity) {
      headers.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
    }
    c.res = new Response(c.res.body, { status: c.res.status, statusText: c.res.statusText, headers });
  };
}
