import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { listUserEvents } from "../../worker/services/audit/query.ts";
import { deviceName } from "../../worker/services/auth/device.ts";
import { signOutOtherSessions, signOutSession, turnOffTwoFactor } from "../../worker/services/auth/flows.ts";
import { listActiveSessions } from "../../worker/services/auth/sessions.ts";
import { myOnboarding } from "../../worker/use-cases/onboarding.ts";
import {
  confirmTwoFactorSetup,
  startTwoFactorSetup,
  twoFactorSetupInProgress,
} from "../../worker/use-cases/two-factor.ts";
import { withDependencies } from "../utils/dependencies.server.ts";
import {
  type ActionFailure,
  auditContext,
  pageCaller,
  requirePageAuth,
  startPageSession,
  toActionFailure,
} from "../utils/session.server.ts";
import { onboardingDismissed } from "./wallet.server.ts";

/**
 * The Security page's server side: the user's sessions and recent security events, and the
 * two-factor and sign-out flows the API's /auth and /2fa routes run. A set-up in progress is
 * shown again on every visit until it is confirmed or expires, so a wrong code (or a reload)
 * never takes the QR code and key away.
 */

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, session } = await withDependencies(() => requirePageAuth(context, request));
  const caller = await pageCaller(context, request);
  const [sessions, events, setup, onboarding] = await withDependencies(() =>
    Promise.all([
      listActiveSessions(context.services, user.id),
      listUserEvents(context.services.client, user.id, 20),
      twoFactorSetupInProgress(caller),
      // Sign-up lands here: the first steps are shown from the first page on.
      onboardingDismissed(request, user.id) ? null : myOnboarding(caller),
    ]),
  );
  return {
    user: { email: user.email, twoFactorEnabled: user.twoFactorEnabled },
    onboarding: onboarding && !onboarding.done ? onboarding.steps : null,
    setup: setup ? { qrSvg: setup.qrSvg, secret: setup.secret, expiresAt: setup.expiresAt } : null,
    sessions: sessions.map((row) => ({
      id: row.publicId,
      device: deviceName(row.userAgent),
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
  const caller = await pageCaller(context, request);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const services = context.services;
  try {
    switch (intent) {
      case "setup": {
        await startTwoFactorSetup(caller);
        // The loader shows the pending set-up: the same one on every visit until it is used.
        return { intent, started: true };
      }
      case "enable": {
        const recoveryCodes = await confirmTwoFactorSetup(caller, String(form.get("code") ?? ""));
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
    return lockOutAware({ intent, ...toActionFailure(error) });
  }
}

/** A lock-out answers 429 with Retry-After, as the API does; the form says when to try again. */
function lockOutAware<Failure extends ActionFailure>(failure: Failure) {
  const seconds = failure.error.retryAfterSeconds;
  return seconds === undefined
    ? data(failure)
    : data(failure, { status: 429, headers: { "Retry-After": String(seconds) } });
}
