import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/cloudflare";
import { data, redirect } from "@remix-run/cloudflare";
import { ApiError } from "../../worker/errors.ts";
import { emailSchema } from "../../worker/services/auth/accounts.ts";
import { logInCodeStep, logInPasswordStep } from "../../worker/use-cases/auth.ts";
import {
  auditContext,
  createLoginChallenge,
  getAuth,
  readLoginChallenge,
  safeRedirect,
  startPageSession,
  toActionFailure,
} from "../utils/session.server.ts";

/**
 * The Log in page's server side: the password step, then (with 2FA) the code step, through the
 * use cases of POST /api/v1/auth/login. Between the steps the browser holds a signed challenge.
 */

export async function loader({ context }: LoaderFunctionArgs) {
  if (await getAuth(context)) throw redirect("/");
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const redirectTo = safeRedirect(form.get("redirectTo"), context.services.config.SITE_ORIGIN);
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
    const answer = {
      ...failure,
      ...(challenge && failure.error.code !== "challenge_expired"
        ? { step: "code" as const, challenge }
        : {}),
    };
    // A lock-out answers 429 with Retry-After, as the API does; the form says when to try again.
    const seconds = failure.error.retryAfterSeconds;
    return seconds === undefined
      ? data(answer)
      : data(answer, { status: 429, headers: { "Retry-After": String(seconds) } });
  }
}
