import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../errors.ts";
import { defineRoutes } from "../routes.ts";
import { emailSchema, passwordSchema, publicUser, signUp } from "../services/auth/accounts.ts";
import { deviceName } from "../services/auth/device.ts";
import { signOutOtherSessions, signOutSession, turnOffTwoFactor } from "../services/auth/flows.ts";
import { auditContextOf, clientIp, optionalAuth, requireAuth, requireUser } from "../services/auth/guards.ts";
import {
  clearedSessionCookie,
  cookieIsSecure,
  listActiveSessions,
  revokeSessionById,
  rotateSession,
} from "../services/auth/sessions.ts";
import { changePassword, logIn } from "../use-cases/auth.ts";
import { signedIn } from "../use-cases/caller.ts";
import { confirmTwoFactorSetup, startTwoFactorSetup } from "../use-cases/two-factor.ts";
import { passwordExclusions } from "../waf/policy.ts";
import { userCaller } from "./caller.ts";
import { parseJsonBody } from "./validation.ts";

const codeSchema = z.string().max(64);

const signupBody = z.object({
  email: emailSchema,
  password: passwordSchema,
  referralCode: z.string().max(32).optional(),
});
const loginBody = z.object({
  email: emailSchema,
  password: z.string().min(1).max(256),
  totp: codeSchema.optional(),
  recoveryCode: codeSchema.optional(),
});
const enableBody = z.object({ code: codeSchema });
const disableBody = z.object({ totp: codeSchema.optional() });
const passwordBody = z.object({
  currentPassword: z.string().min(1).max(256),
  newPassword: passwordSchema,
  totp: codeSchema.optional(),
});

/** Starts a fresh session (rotating away any session the request came with) and sets the cookie. */
async function startSession(c: Context<AppEnv>, userId: string) {
  const previous = await optionalAuth(c);
  const { cookie, session } = await rotateSession(c.get("services"), {
    previousSessionId: previous?.session.id ?? null,
    userId,
    client: { userAgent: c.req.header("User-Agent") ?? "", ipAddress: clientIp(c) },
    requestUrl: c.req.url,
  });
  c.header("Set-Cookie", cookie, { append: true });
  return session;
}

export const authRoutes = defineRoutes([
  {
    method: "POST",
    path: "/auth/signup",
    routeClass: "public",
    waf: { exclusions: passwordExclusions("password") },
    handler: async (c) => {
      const body = await parseJsonBody(c, signupBody);
      const user = await signUp(c.get("services"), body, auditContextOf(c));
      await startSession(c, user.id);
      return c.json({ user: { id: user.id, email: user.email } }, 201);
    },
  },
  {
    method: "POST",
    path: "/auth/login",
    routeClass: "public",
    waf: { exclusions: passwordExclusions("password") },
    handler: async (c) => {
      const body = await parseJsonBody(c, loginBody);
      const { user } = await logIn(c.get("services"), auditContextOf(c), body);
      await startSession(c, user.id);
      return c.json({ user: publicUser(user) }, 200);
    },
  },
  {
    method: "POST",
    path: "/auth/logout",
    routeClass: "public",
    handler: async (c) => {
      const auth = await optionalAuth(c);
      if (auth) await revokeSessionById(c.get("services"), auth.session.id);
      c.header("Set-Cookie", clearedSessionCookie({ secure: cookieIsSecure(c.req.url) }));
      return c.body(null, 204);
    },
  },
  {
    method: "POST",
    path: "/auth/password",
    routeClass: "authenticated",
    waf: { exclusions: passwordExclusions("currentPassword", "newPassword") },
    handler: async (c) => {
      const body = await parseJsonBody(c, passwordBody);
      const { session } = await requireAuth(c);
      await changePassword(await userCaller(c), body, session.id);
      return c.body(null, 204);
    },
  },
  {
    method: "GET",
    path: "/me",
    routeClass: "authenticated",
    handler: async (c) => {
      const user = await requireUser(c);
      return c.json({ user: publicUser(user) });
    },
  },
  {
    method: "GET",
    path: "/sessions",
    routeClass: "authenticated",
    handler: async (c) => {
      const { user, session: current } = await requireAuth(c);
      const rows = await listActiveSessions(c.get("services"), user.id);
      return c.json({
        sessions: rows.map((row) => ({
          id: row.publicId,
          userAgent: row.userAgent,
          device: deviceName(row.userAgent),
          ipAddress: row.ipAddress,
          createdAt: new Date(row.createdAtMs).toISOString(),
          lastSeenAt: new Date(row.lastSeenAtMs).toISOString(),
          current: row.id === current.id,
        })),
      });
    },
  },
  {
    method: "DELETE",
    path: "/sessions/:id",
    routeClass: "authenticated",
    handler: async (c) => {
      const { user } = await requireAuth(c);
      const publicId = c.req.param("id") ?? "";
      if (!(await signOutSession(c.get("services"), user.id, publicId, auditContextOf(c)))) {
        throw new ApiError(404, "not_found", "No such session.");
      }
      return c.body(null, 204);
    },
  },
  {
    method: "POST",
    path: "/sessions/revoke-others",
    routeClass: "authenticated",
    handler: async (c) => {
      const { user, session } = await requireAuth(c);
      const revoked = await signOutOtherSessions(c.get("services"), user.id, session.id, auditContextOf(c));
      return c.json({ revoked });
    },
  },
  {
    method: "POST",
    path: "/2fa/setup",
    routeClass: "authenticated",
    handler: async (c) => {
      return c.json(await startTwoFactorSetup(await userCaller(c)));
    },
  },
  {
    method: "POST",
    path: "/2fa/enable",
    routeClass: "authenticated",
    handler: async (c) => {
      const body = await parseJsonBody(c, enableBody);
      const caller = await userCaller(c);
      const recoveryCodes = await confirmTwoFactorSetup(caller, body.code);
      await startSession(c, signedIn(caller).id);
      return c.json({ recoveryCodes });
    },
  },
  {
    method: "POST",
    path: "/2fa/disable",
    routeClass: "authenticated",
    handler: async (c) => {
      const body = await parseJsonBody(c, disableBody);
      const { user, session } = await requireAuth(c);
      await turnOffTwoFactor(c.get("services"), user, body.totp, session.id, auditContextOf(c));
      return c.body(null, 204);
    },
  },
]);
