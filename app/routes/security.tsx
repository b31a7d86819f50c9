import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { listUserEvents } from "../../worker/services/audit/query.ts";
import {
  confirmTwoFactor,
  signOutOtherSessions,
  signOutSession,
  turnOffTwoFactor,
} from "../../worker/services/auth/flows.ts";
import { listActiveSessions } from "../../worker/services/auth/sessions.ts";
import { assertTwoFactorOff, beginTotpSetup } from "../../worker/services/auth/two-factor.ts";
import { FormError } from "../components/form.tsx";
import { withDependencies } from "../utils/dependencies.server.ts";
import { auditContext, requirePageAuth, startPageSession, toActionFailure } from "../utils/session.server.ts";

export const meta: MetaFunction = () => [{ title: "Security · CoinHubX" }];

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

const EVENT_LABELS: Record<string, string> = {
  "account.signup": "Account created",
  "login.succeeded": "Signed in",
  "login.failed": "Failed sign-in",
  "two_factor.enabled": "Two-factor turned on",
  "two_factor.disabled": "Two-factor turned off",
  "two_factor.recovery_code_used": "Recovery code used",
  "session.revoked": "Session signed out",
  "session.revoked_others": "Other sessions signed out",
  "password.changed": "Password changed",
  "step_up.failed": "Wrong verification code",
};

export default function Security() {
  const { user, sessions, events } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const error = result && "error" in result ? result.error : undefined;
  const setup = result && "setup" in result ? result.setup : undefined;
  const recoveryCodes = result && "recoveryCodes" in result ? result.recoveryCodes : undefined;

  return (
    <section className="stack">
      <header className="page-header">
        <h1>Security</h1>
        <p className="muted">Signed in as {user.email}</p>
      </header>

      <article className="panel" data-testid="two-factor-panel">
        <h2>Two-factor authentication</h2>
        {recoveryCodes ? (
          <div data-testid="recovery-codes">
            <p className="status status-positive">Two-factor authentication is on.</p>
            <p>
              Save these recovery codes somewhere safe. Each works once if you lose your device. They will not
              be shown again.
            </p>
            <ol className="codes">
              {recoveryCodes.map((code) => (
                <li key={code}>
                  <code>{code}</code>
                </li>
              ))}
            </ol>
          </div>
        ) : user.twoFactorEnabled ? (
          <>
            <p className="status status-positive" data-testid="two-factor-on">
              On. Withdrawals, new withdrawal addresses and LIVE bots ask for a code.
            </p>
            <Form method="post" className="form inline-form">
              <input type="hidden" name="intent" value="disable" />
              <label className="field">
                <span>Code to turn it off</span>
                <input
                  name="totp"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  pattern="\d{6}"
                  required
                />
              </label>
              <button className="button button-secondary" type="submit" disabled={busy}>
                Turn off
              </button>
            </Form>
          </>
        ) : setup ? (
          <div className="setup" data-testid="two-factor-setup">
            <p>
              Scan the QR code with your authenticator app, or enter the key by hand, then type the code it
              shows.
            </p>
            <div className="qr" aria-label="QR code for your authenticator app" role="img">
              {/* SVG generated on our server from the otpauth URI; it contains no user input. */}
              {/* biome-ignore lint/security/noDangerouslySetInnerHtml: trusted server-generated SVG */}
              <div dangerouslySetInnerHTML={{ __html: setup.qrSvg }} />
            </div>
            <p>
              Key: <code data-testid="totp-secret">{setup.secret}</code>
            </p>
            <Form method="post" className="form inline-form">
              <input type="hidden" name="intent" value="enable" />
              <label className="field">
                <span>6-digit code</span>
                <input
                  name="code"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  pattern="\d{6}"
                  required
                />
              </label>
              <button className="button" type="submit" disabled={busy}>
                Turn on
              </button>
            </Form>
          </div>
        ) : (
          <>
            <p className="status status-warning" data-testid="two-factor-off">
              Off. Turn it on to protect withdrawals and LIVE trading.
            </p>
            <Form method="post">
              <input type="hidden" name="intent" value="setup" />
              <button className="button" type="submit" disabled={busy}>
                Set up two-factor authentication
              </button>
            </Form>
          </>
        )}
        <FormError error={error} />
      </article>

      <article className="panel">
        <div className="panel-header">
          <h2>Devices and sessions</h2>
          <Form method="post">
            <input type="hidden" name="intent" value="revoke-others" />
            <button className="button button-secondary" type="submit" disabled={busy || sessions.length < 2}>
              Log out other sessions
            </button>
          </Form>
        </div>
        <table className="table" data-testid="sessions-table">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">IP address</th>
              <th scope="col">Last seen</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {sessions.map((row) => (
              <tr key={row.id}>
                <td>{row.userAgent || "Unknown device"}</td>
                <td>{row.ipAddress}</td>
                <td>{new Date(row.lastSeenAt).toLocaleString("en-GB", { timeZone: "UTC" })} UTC</td>
                <td className="numeric">
                  {row.current ? (
                    <span className="badge">This device</span>
                  ) : (
                    <Form method="post">
                      <input type="hidden" name="intent" value="revoke" />
                      <input type="hidden" name="sessionId" value={row.id} />
                      <button className="link-button" type="submit">
                        Log out
                      </button>
                    </Form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </article>

      <article className="panel">
        <h2>Recent security events</h2>
        <table className="table" data-testid="security-events">
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col">Event</th>
              <th scope="col">IP address</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event) => (
              <tr
                key={`${event.at}-${event.event}`}
                className={event.outcome === "failure" ? "row-warning" : undefined}
              >
                <td>{new Date(event.at).toLocaleString("en-GB", { timeZone: "UTC" })}</td>
                <td>{EVENT_LABELS[event.event] ?? event.event}</td>
                <td>{event.ipAddress ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </article>
    </section>
  );
}
