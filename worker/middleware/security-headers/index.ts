import type { MiddlewareHandler } from "hono";
import { readSessionToken } from "../../services/auth/sessions.ts";
import { editResponseHeaders } from "../response-headers.ts";

export type SecurityHeadersVariables = {
  /** This response's CSP nonce, made on first use (pages ask for it; API answers never do). */
  cspNonce: () => string;
};

interface SecurityHeadersOptions {
  /** HSTS only where the site is served over HTTPS (never on localhost): a flag or a rule per URL. */
  strictTransportSecurity?: boolean | ((url: URL) => boolean);
}

function newNonce(): string {
  let binary = "";
  for (const byte of crypto.getRandomValues(new Uint8Array(16))) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * A fresh nonce per response: only scripts the server rendered with it may run (Remix's
 * inline scripts and module entry get it through the load context), so an injected
 * `<script>` is inert even if it slipped past every other defence.
 */
export function securityHeaders(
  options: SecurityHeadersOptions = {},
): MiddlewareHandler<{ Variables: SecurityHeadersVariables }> {
  return async function securityHeadersMiddleware(c, next) {
    let nonce: string | undefined;
    c.set("cspNonce", () => {
      nonce ??= newNonce();
      return nonce;
    });
    await next();
    editResponseHeaders(c, (headers) => {
      headers.set("X-Content-Type-Options", "nosniff");
      headers.set("Referrer-Policy", "strict-origin-when-cross-origin");
      headers.set("X-Frame-Options", "DENY");
      headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()");
      headers.set("Cross-Origin-Opener-Policy", "same-origin");
      if (!headers.has("Content-Security-Policy")) {
        // A page gets the policy its scripts run under, with its nonce. Anything else (JSON, text,
        // CSV, redirects) renders nothing and runs nothing: the strictest policy, and no nonce to
        // make (README decision record 043).
        const page =
          nonce !== undefined || (headers.get("Content-Type") ?? "").toLowerCase().startsWith("text/html");
        headers.set(
          "Content-Security-Policy",
          page
            ? [
                "default-src 'self'",
                `script-src 'self' 'nonce-${c.get("cspNonce")()}'`,
                "style-src 'self' 'unsafe-inline'",
                "img-src 'self' data:",
                "connect-src 'self'",
                "font-src 'self'",
                "object-src 'none'",
                "base-uri 'self'",
                "form-action 'self'",
                "frame-ancestors 'none'",
              ].join("; ")
            : "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        );
      }
      // A signed-in answer (or one that signs in) is private: no cache, shared or not, keeps it.
      // Static files (scripts, styles, images) stay cacheable; they are the same for everyone.
      const type = headers.get("Content-Type") ?? "";
      const personal = readSessionToken(c.req.header("Cookie")) !== null || headers.has("Set-Cookie");
      if (personal && (type === "" || /json|html|csv|text\/plain|event-stream/.test(type))) {
        headers.set("Cache-Control", "no-store");
      }
      const hsts = options.strictTransportSecurity;
      if (typeof hsts === "function" ? hsts(new URL(c.req.url)) : hsts) {
        headers.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
      }
    });
  };
}
