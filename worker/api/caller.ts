import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { auditContextOf, opsTokenPresented, optionalAuth, requireUser } from "../services/auth/guards.ts";
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
  if (opsTokenPresented(c)) return { services, audit: auditContextOf(c), user: null, opsToken: true };
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
