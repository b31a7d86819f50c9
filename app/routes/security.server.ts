import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { listUserEvents } from "../../worker/services/audit/query.ts";
import {
  confirmTwoFactor,
  signOutOtherSessions,
  signOutSession,
  turnOffTwoFactor,
} from "../../worker/services/auth/flows.ts";
import { listActiveSessions } from "../../worker/services/auth/sessions.ts";
import { assertTwoFactorOff, beginTotpSetup } from "../../worker/services/auth/two-factor.ts";
import { withDependencies } from "../utils/dependencies.server.ts";
import { auditContext, requirePageAuth, startPageSession, toActionFailure } from "../utils/session.server.ts";

/**
 * The Security page's server side: the user's sessions and recent security events, and the
 * two-factor and sign-out flows the API's /auth routes run (worker/services/auth/flows.ts).
 */

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, session } = await withDependencies(() => requirePageAuth(context, request));
  const [sessions, events] = await withDependencies(() =>
    Promise.all([
      listActiveSessions(context.services, user.id),
      listUserEvents(context.services.client, user.id, 20),
    ]),
  );
  return {
    user: { email: user.email, twoFactorEnabled: user.twoFactorEnabled },
    sessions: sessions.map((row) => ({
      id: row.publicId,
      userAgent: row.userAgent,
      ipAddress: row.ipAddress,
      lastSeenAt: new Date(row.lastSeenAtMs).toISOString(),
      current: row.id === session.id,
    })),
    events,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { user, session } = await requirePageAuth(context, request);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const services = context.services;
  try {
    switch (intent) {
      case "setup": {
        assertTwoFactorOff(user);
        const setup = await beginTotpSetup(services, user);
        return { intent, setup };
      }
      case "enable": {
        const recoveryCodes = await confirmTwoFactor(
          services,
          user,
          String(form.get("code") ?? "").trim(),
          auditContext(context),
        );
        const cookie = await startPageSession(context, request, user.id);
        return data({ intent, recoveryCodes }, { headers: { "Set-Cookie": cookie } });
      }
      case "disable": {
        const code = String(form.get("totp") ?? "").trim();
        await turnOffTwoFactor(services, user, code || undefined, session.id, auditContext(context));
        return { intent, done: true };
      }
      case "revoke": {
        await signOutSession(services, user.id, String(form.get("sessionId") ?? ""), auditContext(context));
        return { intent, done: true };
      }
      case "revoke-others": {
        await signOutOtherSessions(services, user.id, session.id, auditContext(context));
        return { intent, done: true };
      }
      default:
        return { intent, error: { code: "invalid_request", message: "Unknown action." } };
    }
  } catch (error) {
    return { intent, ...toActionFailure(error) };
  }
}
