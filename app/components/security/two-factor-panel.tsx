import { Form } from "@remix-run/react";
import { FormError } from "../form.tsx";

/**
 * Two-factor authentication in its four states: just turned on (the recovery codes, shown
 * once), on (a code turns it off), being set up (QR code and key, a code confirms), and off.
 */
export function TwoFactorPanel({
  enabled,
  setup,
  recoveryCodes,
  error,
  busy,
}: {
  enabled: boolean;
  setup: { qrSvg: string; secret: string } | undefined;
  recoveryCodes: string[] | undefined;
  error: { code: string; message: string } | undefined;
  busy: boolean;
}) {
  return (
    <article className="panel" data-testid="two-factor-panel">
      <h2>Two-factor authentication</h2>
      {recoveryCodes ? (
        <RecoveryCodes codes={recoveryCodes} />
      ) : enabled ? (
        <>
          <p className="status status-positive" data-testid="two-factor-on">
            On. Withdrawals, new withdrawal addresses and LIVE bots ask for a code.
          </p>
          <CodeForm intent="disable" name="totp" label="Code to turn it off" secondary busy={busy}>
            Turn off
          </CodeForm>
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
          <CodeForm intent="enable" name="code" label="6-digit code" busy={busy}>
            Turn on
          </CodeForm>
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
  );
}

function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <div data-testid="recovery-codes">
      <p className="status status-positive">Two-factor authentication is on.</p>
      <p>
        Save these recovery codes somewhere safe. Each works once if you lose your device. They will not be
        shown again.
      </p>
      <ol className="codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
    </div>
  );
}

/** One authenticator code and a button: how 2FA is confirmed and how it is turned off. */
function CodeForm({
  intent,
  name,
  label,
  secondary = false,
  busy,
  children,
}: {
  intent: "enable" | "disable";
  name: string;
  label: string;
  secondary?: boolean;
  busy: boolean;
  children: string;
}) {
  return (
    <Form method="post" className="form inline-form">
      <input type="hidden" name="intent" value={intent} />
      <label className="field">
        <span>{label}</span>
        <input name={name} inputMode="numeric" autoComplete="one-time-code" pattern="\d{6}" required />
      </label>
      <button className={secondary ? "button button-secondary" : "button"} type="submit" disabled={busy}>
        {children}
      </button>
    </Form>
  );
}
