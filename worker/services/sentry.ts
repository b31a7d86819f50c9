import { Toucan } from "toucan-js";
import { sha256Hex } from "./auth/crypto.ts";

/**
 * Error reporting through toucan-js, off when no DSN is configured. What leaves the platform
 * is allow-listed: a few harmless headers, no cookies, no bodies, no IPs, no query values
 * that could carry tokens; user ids are hashed. Every message is scrubbed once more in
 * beforeSend for anything that looks like a secret.
 */
interface SentryOptions {
  dsn: string | undefined;
  release: string;
  environment: string;
  requestId?: string;
  request?: Request;
  waitUntil?: (promise: Promise<unknown>) => void;
}

const ALLOWED_HEADERS = ["user-agent", "content-type", "accept", "x-request-id", "cf-ray"];
const SECRET_PATTERN =
  /(bearer\s+)[A-Za-z0-9._~+/=-]+|((?:password|secret|token|totp|code|api[_-]?key)["']?\s*[:=]\s*["']?)[^"'\s,&}]+/gi;

function scrubText(text: string): string {
  return text.replace(SECRET_PATTERN, (_match, bearer: string | undefined, key: string | undefined) =>
    bearer ? `${bearer}[redacted]` : `${key}[redacted]`,
  );
}

export function createSentry(options: SentryOptions): Toucan | null {
  if (!options.dsn) return null;
  const sentry = new Toucan({
    dsn: options.dsn,
    release: options.release,
    environment: options.environment,
    ...(options.request ? { request: options.request } : {}),
    ...(options.waitUntil ? { context: { waitUntil: options.waitUntil } } : {}),
    requestDataOptions: {
      allowedHeaders: ALLOWED_HEADERS,
      allowedCookies: false,
      allowedSearchParams: /^(interval|limit|depth|mode|asset|status|symbol)$/,
      allowedIps: false,
    },
    beforeSend(event) {
      if (event.request) {
        delete event.request.cookies;
        delete event.request.data;
      }
      if (event.message) event.message = scrubText(event.message);
      for (const value of event.exception?.values ?? []) {
        if (value.value) value.value = scrubText(value.value);
      }
      for (const crumb of event.breadcrumbs ?? []) {
        if (crumb.message) crumb.message = scrubText(crumb.message);
        delete crumb.data;
      }
      return event;
    },
  });
  if (options.requestId) sentry.setTag("request_id", options.requestId);
  return sentry;
}

/** Sentry sees a stable pseudonym, never the raw user id. */
export async function setSentryUser(sentry: Toucan | null, userId: string): Promise<void> {
  if (!sentry) return;
  sentry.setUser({ id: (await sha256Hex(`sentry:${userId}`)).slice(0, 16) });
}

/**
 * For Durable Object work that no Worker request waits on (alarms): the error would
 * otherwise reach only the log. Reports with the object's name as context, then flushes.
 */
export async function reportBackgroundError(
  config: { SENTRY_DSN?: string | undefined; RELEASE: string; ENVIRONMENT: string },
  error: unknown,
  context: { durableObject: string; operation: string },
): Promise<void> {
  const pending: Promise<unknown>[] = [];
  const sentry = createSentry({
    dsn: config.SENTRY_DSN,
    release: config.RELEASE,
    environment: config.ENVIRONMENT,
    waitUntil: (promise) => pending.push(promise),
  });
  if (!sentry) return;
  sentry.setTag("durable_object", context.durableObject);
  sentry.setTag("operation", context.operation);
  sentry.captureException(error);
  await Promise.allSettled(pending);
}
