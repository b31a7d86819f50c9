import type { MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { FieldError, FormError } from "../components/form.tsx";
import { percentText } from "../components/percent.ts";
import type { action, loader } from "./signup.server.ts";

export { action, loader } from "./signup.server.ts";

export const meta: MetaFunction = () => [{ title: "Create account · CoinHubX" }];

export default function Signup() {
  const { passwordMinLength, referralCode, referralOffer } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const fields = data?.error.fields;
  return (
    <section className="auth-card">
      <h1>Create your account</h1>
      {referralCode && !fields?.referralCode ? (
        <p className="referral-welcome" data-testid="referral-welcome">
          Referred by a friend: {percentText(referralOffer.discount, { minDecimals: 0 })} off fees for{" "}
          {referralOffer.days} days.
        </p>
      ) : null}
      <Form method="post" className="form" data-testid="signup-form">
        <label className="field">
          <span>Email</span>
          <input name="email" type="email" autoComplete="email" required maxLength={254} />
          <FieldError message={fields?.email} />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            name="password"
            type="password"
            autoComplete="new-password"
            required
            minLength={passwordMinLength}
            maxLength={128}
          />
          <span className="hint">At least {passwordMinLength} characters. A passphrase works well.</span>
          <FieldError message={fields?.password} />
        </label>
        <label className="field">
          <span>Referral code (optional)</span>
          <input
            name="referralCode"
            autoComplete="off"
            maxLength={32}
            defaultValue={referralCode}
            aria-invalid={fields?.referralCode ? true : undefined}
            aria-describedby={fields?.referralCode ? "referral-code-error" : undefined}
          />
          <FieldError message={fields?.referralCode} id="referral-code-error" />
        </label>
        <FormError error={fields ? undefined : data?.error} />
        <button className="button" type="submit" disabled={busy}>
          {busy ? "Creating…" : "Create account"}
        </button>
        <p className="muted">
          Already have an account? <Link to="/login">Log in</Link>
        </p>
      </Form>
    </section>
  );
}
