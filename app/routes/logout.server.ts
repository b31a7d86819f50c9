import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import {
  clearedSessionCookie,
  cookieIsSecure,
  revokeSessionById,
} from "../../worker/services/auth/sessions.ts";

/** Log out: the session is revoked on the server, not only forgotten by the browser. */
export async function action({ request, context }: ActionFunctionArgs) {
  const auth = await context.auth();
  if (auth) await revokeSessionById(context.services, auth.session.id);
  return redirect("/", {
    headers: { "Set-Cookie": clearedSessionCookie({ secure: cookieIsSecure(request.url) }) },
  });
}

export function loader() {
  return redirect("/");
}
