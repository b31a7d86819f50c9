import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { ApiError } from "../../worker/errors.ts";
import { emailSchema } from "../../worker/services/auth/accounts.ts";
import { logInCodeStep, logInPasswordStep } from "../../worker/use-cases/auth.ts";
import { FormError } from "../components/form.tsx";
import {
  auditContext,
  createLoginChallenge,
  getAuth,
  readLoginChallenge,
  safeRedirect,
  startPageSession,
  toActionFailure,
} from "../utils/session.server.ts";

export const meta: MetaFunction = () => [{ title: "Log in · CoinHubX" }];

export async function loader({ context }: LoaderFunctionArgs) {
  if (await getAuth(context)) throw redirect("/");
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const redirectTo = safeRedirect(form.get("redirectTo"));
  const services = context.services;
  try {
    if (form.get("intent") === "code") {
      const userId = await readLoginChallenge(
        services.config.SESSION_SECRET,
        String(form.get("challenge") ?? ""),
      );
      const login = await logInCodeStep(services, auditContext(context), {
        userId,
        code: String(form.get("code") ?? ""),
      });
      const cookie = await startPageSession(context, request, login.userId);
      return redirect(redirectTo, { headers: { "Set-Cookie": cookie } });
    }
    const email = emailSchema.safeParse(String(form.get("email") ?? ""));
    if (!email.success)
      throw new ApiError(401, "invalid_credentials", "The email or password is not correct.");
    const login = await logInPasswordStep(services, auditContext(context), {
      email: email.data,
      password: String(form.get("password") ?? ""),
    });
    if (login.needsCode) {
      return {
        step: "code" as const,
        challenge: await createLoginChallenge(services.config.SESSION_SECRET, login.userId),
      };
    }
    const cookie = await startPageSession(context, request, login.userId);
    return redirect(redirectTo, { headers: { "Set-Cookie": cookie } });
  } catch (error) {
    const failure = toActionFailure(error);
    const challenge = form.get("intent") === "code" ? String(form.get("challenge") ?? "") : undefined;
    return {
      ...failure,
      ...(challenge && failure.error.code !== "challenge_expired"
        ? { step: "code" as const, challenge }
        : {}),
    };
  }
}

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
