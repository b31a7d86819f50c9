import { Form } from "@remix-run/react";
import { type FormEvent, useEffect, useState } from "react";
import { sixDigitCodeProblem } from "../../../worker/services/forms/messages.ts";
import { DateTime } from "../date-time.tsx";
import { FormError, type FormFailure, InputField, useFieldChecks } from "../form.tsx";
import { RecoveryCodes } from "./recovery-codes.tsx";

type Failure = FormFailure & { code: string; fields?: Record<string, string> };

/** Refusals that are about the code typed, shown at the code field rather than above the form. */
const CODE_REFUSALS = new Set(["totp_invalid", "totp_required", "invalid_request"]);

/**
 * Two-factor authentication in its four states: just turned on (the recovery codes, shown
 * once), on (a code turns it off), being set up (QR code and key, a code confirms), and off.
 * The set-up comes from the loader, so it stays on screen after a wrong code until it expires.
 */
export function TwoFactorPanel({
  enabled,
  setup,
  recoveryCodes,
  intent,
  error,
  busy,
}: {
  enabled: boolean;
  setup: { qrSvg: string; secret: string; expiresAt: string } | undefined;
  recoveryCodes: string[] | undefined;
  intent: string | undefined;
  error: Failure | undefined;
  busy: boolean;
}) {
  const codeError = error && CODE_REFUSALS.has(error.code) && error.retryAfterSeconds === undefined;
  const fieldError = codeError ? (error.fields?.code ?? error.fields?.totp ?? error.message) : undefined;
  const formError = codeError ? undefined : error;
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
          <CodeForm
            intent="disable"
            name="totp"
            label="Code to turn it off"
            secondary
            busy={busy}
            serverError={intent === "disable" ? fieldError : undefined}
            result={error}
          >
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
          <p className="hint">
            This set-up stays valid until <DateTime value={setup.expiresAt} />; a wrong code does not change
            it.
          </p>
          <CodeForm
            intent="enable"
            name="code"
            label="6-digit code"
            busy={busy}
            serverError={intent === "enable" ? fieldError : undefined}
            result={error}
          >
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
      <FormError error={formError} />
    </article>
  );
}

/**
 * One authenticator code and a button: how 2FA is confirmed and how it is turned off. A code
 * that is not six digits is answered at the field before it is sent; the server says the same.
 */
function CodeForm({
  intent,
  name,
  label,
  secondary = false,
  busy,
  serverError,
  result,
  children,
}: {
  intent: "enable" | "disable";
  name: string;
  label: string;
  secondary?: boolean;
  busy: boolean;
  serverError: string | undefined;
  result: unknown;
  children: string;
}) {
  const [code, setCode] = useState("");
  const checks = useFieldChecks<"code">();
  const { reset } = checks;
  // Each answer from the server starts the field afresh: its error shows, the old code goes.
  useEffect(() => {
    if (result) {
      setCode("");
      reset();
    }
  }, [result, reset]);
  const problem = sixDigitCodeProblem(code);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    if (problem) {
      event.preventDefault();
      checks.checkAll(["code"]);
    }
  };
  return (
    <Form method="post" className="form inline-form checked-form" onSubmit={submit} noValidate>
      <input type="hidden" name="intent" value={intent} />
      <InputField
        form={`two-factor-${intent}`}
        name={name}
        label={label}
        inputMode="numeric"
        autoComplete="one-time-code"
        maxLength={12}
        value={code}
        error={checks.shown("code", problem, serverError)}
        onChange={(event) => {
          setCode(event.target.value);
          checks.edit("code");
        }}
        onBlur={() => checks.blur("code")}
      />
      <button className={secondary ? "button button-secondary" : "button"} type="submit" disabled={busy}>
        {children}
      </button>
    </Form>
  );
}
