import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { validate } from "../../worker/api/validation.ts";
import {
  emailSchema,
  PASSWORD_MIN_LENGTH,
  passwordSchema,
  signUp,
} from "../../worker/services/auth/accounts.ts";
import { FieldError, FormError } from "../components/form.tsx";
import { auditContext, getAuth, startPageSession, toActionFailure } from "../utils/session.server.ts";

export const meta: MetaFunction = () => [{ title: "Create account · CoinHubX" }];

const signupForm = z.object({
  email: emailSchema,
  password: passwordSchema,
  referralCode: z
    .string()
    .max(32)
    .optional()
    .transform((value) => value || undefined),
});

export async function loader({ context }: LoaderFunctionArgs) {
  if (await getAuth(context)) throw redirect("/security");
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  try {
    const input = validate(signupForm, {
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
      referralCode: String(form.get("referralCode") ?? ""),
    });
    const user = await signUp(context.services, input, auditContext(context));
    const cookie = await startPageSession(context, request, user.id);
    return redirect("/security", { headers: { "Set-Cookie": cookie } });
  } catch (error) {
    return toActionFailure(error);
  }
}

export default function Signup() {
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const fields = data?.error.fields;
  return (
    <section className="auth-card">
      <h1>Create your account</h1>
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
            minLength={PASSWORD_MIN_LENGTH}
            maxLength={128}
          />
          <span className="hint">At least {PASSWORD_MIN_LENGTH} characters. A passphrase works well.</span>
          <FieldError message={fields?.password} />
        </label>
        <label className="field">
          <span>Referral code (optional)</span>
          <input name="referralCode" autoComplete="off" maxLength={32} />
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
