import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../errors.ts";
import { auditContextOf, optionalAuth, requireUser } from "../services/auth/guards.ts";
import { timingSafeEqual } from "../services/auth/password.ts";
import type { Caller } from "../use-cases/caller.ts";

/**
 * Who is calling, as the API transport knows it: the session user (authenticated routes) or
 * the operator bearer token (ops routes). What the caller may do is the use case's business.
 */
export async function userCaller(c: Context<AppEnv>): Promise<Caller> {
  const user = await requireUser(c);
  return { services: c.get("services"), audit: auditContextOf(c), user, opsToken: false };
}

/** Ops routes: a bearer token must be the right one; without one, the session (if any). */
export async function opsCaller(c: Context<AppEnv>): Promise<Caller> {
  const services = c.get("services");
  const header = c.req.header("Authorization");
  const token = header ? (/^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? null) : null;
  if (token !== null) {
    const encoder = new TextEncoder();
    if (!timingSafeEqual(encoder.encode(token), encoder.encode(services.config.OPS_TOKEN))) {
      throw new ApiError(403, "forbidden", "The operator token is not valid.");
    }
    return { services, audit: auditContextOf(c), user: null, opsToken: true };
  }
  const auth = await optionalAuth(c);
  const user = auth
    ? {
        id: auth.user.id,
        email: auth.user.email,
        twoFactorEnabled: auth.user.twoFactorEnabled,
        role: auth.user.role,
      }
    : null;
  return { services, audit: auditContextOf(c), user, opsToken: false };
}
