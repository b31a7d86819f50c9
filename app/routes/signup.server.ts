import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { z } from "zod";
import { validate } from "../../worker/api/validation.ts";
import {
  emailSchema,
  PASSWORD_MIN_LENGTH,
  passwordSchema,
  signUp,
} from "../../worker/services/auth/accounts.ts";
import { REFERRAL_TERMS } from "../../worker/services/monetisation/catalogue.ts";
import { auditContext, getAuth, startPageSession, toActionFailure } from "../utils/session.server.ts";

/** The Sign up page's server side: the same account rules and service as POST /api/v1/auth/signup. */

const signupForm = z.object({
  email: emailSchema,
  password: passwordSchema,
  referralCode: z
    .string()
    .max(32)
    .optional()
    .transform((value) => value || undefined),
});

/** What a shared link may carry in `?ref=`: a code's characters, nothing to render as markup. */
const REFERRAL_CODE_IN_LINK = /^[A-Za-z0-9_-]{1,32}$/;

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (await getAuth(context)) throw redirect("/security");
  const ref = new URL(request.url).searchParams.get("ref")?.trim() ?? "";
  return {
    // The form's hint and minlength, from the rule itself: the page imports no server module.
    passwordMinLength: PASSWORD_MIN_LENGTH,
    // A referral link pre-fills the code; whether it is valid is decided on submit (signUp).
    referralCode: REFERRAL_CODE_IN_LINK.test(ref) ? ref.toUpperCase() : "",
    referralOffer: {
      discount: REFERRAL_TERMS.refereeDiscount,
      days: REFERRAL_TERMS.refereeDiscountMs / 86_400_000,
    },
  };
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
