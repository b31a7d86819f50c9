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

/** Only local paths: an open redirect would hand phishers a trusted link. */
export function safeRedirect(target: FormDataEntryValue | string | null | undefined, fallback = "/"): string {
  if (
    typeof target !== "string" ||
    !target.startsWith("/") ||
    target.startsWith("//") ||
    target.includes("\\")
  ) {
    return fallback;
  }
  return target;
}

export interface ActionFailure {
  error: { code: string; message: string; fields?: Record<string, string> };
}

/** Maps the service layer's errors to data a form can show; anything else propagates. */
export function toActionFailure(error: unknown): ActionFailure {
  if (error instanceof ApiError) {
    return {
      error: { code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) },
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
