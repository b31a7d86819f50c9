import type { HeadersFunction, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { FormError } from "../components/form.tsx";
import type { action } from "./login.server.ts";

export { action, loader } from "./login.server.ts";

/** A lock-out's Retry-After (from the action) reaches the browser on the page's own response too. */
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const retryAfter = actionHeaders.get("Retry-After");
  return retryAfter ? { "Retry-After": retryAfter } : new Headers();
};

export const meta: MetaFunction = () => [{ title: "Log in · CoinHubX" }];

export default function Login() {
  const data = useActionData<typeof action>();
  const navigation = useNavigation();
  const [searchParams] = useSearchParams();
  const redirectTo = searchParams.get("redirectTo") ?? "/";
  const busy = navigation.state !== "idle";
  const error = data && "error" in data ? data.error : undefined;
  const needsCode = data && "step" in data && data.step === "code";
  return (
    <section className="auth-card">
      <h1>Log in</h1>
      {needsCode ? (
        <Form method="post" className="form" data-testid="login-code-form">
          <p className="muted">Enter the 6-digit code from your authenticator app, or a recovery code.</p>
          <input type="hidden" name="intent" value="code" />
          <input type="hidden" name="challenge" value={data.challenge} />
          <input type="hidden" name="redirectTo" value={redirectTo} />
          <label className="field">
            <span>Authentication code</span>
            <input name="code" inputMode="numeric" autoComplete="one-time-code" required maxLength={24} />
          </label>
          <FormError error={error} />
          <button className="button" type="submit" disabled={busy}>
            {busy ? "Checking…" : "Verify"}
          </button>
        </Form>
      ) : (
        <Form method="post" className="form" data-testid="login-form">
          <input type="hidden" name="intent" value="password" />
          <input type="hidden" name="redirectTo" value={redirectTo} />
          <label className="field">
            <span>Email</span>
            <input name="email" type="email" autoComplete="email" required maxLength={254} />
          </label>
          <label className="field">
            <span>Password</span>
            <input name="password" type="password" autoComplete="current-password" required maxLength={256} />
          </label>
          <FormError error={error} />
          <button className="button" type="submit" disabled={busy}>
            {busy ? "Signing in…" : "Log in"}
          </button>
          <p className="muted">
            New to CoinHubX? <Link to="/signup">Create an account</Link>
          </p>
        </Form>
      )}
    </section>
  );
}
