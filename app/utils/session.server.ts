import type { AppLoadContext } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { ApiError } from "../../worker/errors.ts";
import type { AuditContext } from "../../worker/services/auth/accounts.ts";
import { bytesToBase64Url } from "../../worker/services/auth/crypto.ts";
import { timingSafeEqual } from "../../worker/services/auth/password.ts";
import { type AuthState, rotateSession } from "../../worker/services/auth/sessions.ts";
import type { Caller } from "../../worker/use-cases/caller.ts";

export async function getAuth(context: AppLoadContext): Promise<AuthState | null> {
  return context.auth();
}

/** Pages that need a user send everyone else to log in, and back afterwards. */
export async function requirePageAuth(context: AppLoadContext, request: Request): Promise<AuthState> {
  const auth = await context.auth();
  if (!auth) {
    const url = new URL(request.url);
    throw redirect(`/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
  }
  return auth;
}

export function auditContext(context: AppLoadContext): AuditContext {
  return { requestId: context.requestId, ipAddress: context.clientIp };
}

/** A new session (the one the request came with is revoked): returns the Set-Cookie value. */
export async function startPageSession(context: AppLoadContext, request: Request, userId: string) {
  const previous = await context.auth();
  const { cookie } = await rotateSession(context.services, {
    previousSessionId: previous?.session.id ?? null,
    userId,
    client: { userAgent: request.headers.get("User-Agent") ?? "", ipAddress: context.clientIp },
    requestUrl: request.url,
  });
  return cookie;
}

/**
 * Only paths on this site: an open redirect would hand phishers a trusted link. Browsers
 * drop tabs and newlines from a Location and read `\` as `/`, so `/\t/evil.example` is
 * `//evil.example` to them. The target is refused (the fallback is used) when it, or it once
 * percent-decoded, holds a control or whitespace character or a backslash, or starts with
 * `//`, or is not a path; then it is parsed against the site's origin, and only a URL on that
 * origin survives — returned as the parser wrote it.
 */
const UNSAFE_IN_REDIRECT =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
  /[\u0000-\u0020\u007f-\u00a0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff\\]/;

export function safeRedirect(
  target: FormDataEntryValue | string | null | undefined,
  siteOrigin: string,
  fallback = "/",
): string {
  if (typeof target !== "string" || target.length > 2048) return fallback;
  let decoded: string;
  try {
    decoded = decodeURIComponent(target);
  } catch {
    return fallback;
  }
  for (const form of [target, decoded]) {
    if (!form.startsWith("/") || form.startsWith("//") || UNSAFE_IN_REDIRECT.test(form)) return fallback;
  }
  let url: URL;
  try {
    url = new URL(target, siteOrigin);
  } catch {
    return fallback;
  }
  if (url.origin !== new URL(siteOrigin).origin) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

export interface ActionFailure {
  error: { code: string; message: string; fields?: Record<string, string>; retryAfterSeconds?: number };
}

/**
 * Maps the service layer's errors to data a form can show; anything else propagates. A lock-out
 * keeps its Retry-After, so the form can say when to try again.
 */
export function toActionFailure(error: unknown): ActionFailure {
  if (error instanceof ApiError) {
    const retryAfter = Number(error.headers?.["Retry-After"]);
    return {
      error: {
        code: error.code,
        message: error.message,
        ...(error.fields ? { fields: error.fields } : {}),
        ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
      },
    };
  }
  throw error;
}

/**
 * Between the password step and the code step of a page login, the browser holds a
 * short-lived signed challenge naming the user — never the password. No session exists
 * until the code is accepted.
 */
const CHALLENGE_TTL_MS = 5 * 60_000;

async function hmac(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message));
  return bytesToBase64Url(new Uint8Array(signature));
}

export async function createLoginChallenge(
  secret: string,
  userId: string,
  nowMs = Date.now(),
): Promise<string> {
  const payload = `${userId}.${nowMs + CHALLENGE_TTL_MS}`;
  return `${payload}.${await hmac(secret, `login-challenge:${payload}`)}`;
}

export async function readLoginChallenge(
  secret: string,
  challenge: string,
  nowMs = Date.now(),
): Promise<string | null> {
  const parts = challenge.split(".");
  if (parts.length !== 3) return null;
  const [userId, expiresText, signature] = parts as [string, string, string];
  const expected = await hmac(secret, `login-challenge:${userId}.${expiresText}`);
  const encoder = new TextEncoder();
  if (!timingSafeEqual(encoder.encode(signature), encoder.encode(expected))) return null;
  if (!(Number(expiresText) > nowMs)) return null;
  return userId;
}

function callerOf(context: AppLoadContext, { user }: AuthState): Caller {
  return {
    services: context.services,
    audit: auditContext(context),
    user: { id: user.id, email: user.email, twoFactorEnabled: user.twoFactorEnabled, role: user.role },
    opsToken: false,
  };
}

/** The signed-in caller of a page, for the use-case layer (worker/use-cases/caller.ts). */
export async function pageCaller(context: AppLoadContext, request: Request): Promise<Caller> {
  return callerOf(context, await requirePageAuth(context, request));
}

/** The caller of a page that signed-out visitors see too (Trade): null when nobody is signed in. */
export async function optionalPageCaller(context: AppLoadContext): Promise<Caller | null> {
  const auth = await context.auth();
  return auth ? callerOf(context, auth) : null;
}
