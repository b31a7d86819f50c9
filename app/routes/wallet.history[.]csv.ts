import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { withDependencies } from "../utils/dependencies.server.ts";
import { requirePageAuth } from "../utils/session.server.ts";
import { historyCsvStream } from "../utils/wallet.server.ts";

/**
 * The whole wallet history as CSV (one line per balance change), for the user's records:
 * streamed page by page, complete, or ending with a line that says where it stopped.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await withDependencies(() => requirePageAuth(context, request));
  const body = await withDependencies(() => historyCsvStream(context.cloudflare.env, user.id));
  const date = new Date().toISOString().slice(0, 10);
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="coinhubx-wallet-${date}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}
