import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { withDependencies } from "../utils/dependencies.server.ts";
import { requirePageAuth } from "../utils/session.server.ts";
import { allHistory, historyCsv } from "../utils/wallet.server.ts";

/** The whole wallet history as CSV (one line per balance change), for the user's records. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await withDependencies(() => requirePageAuth(context, request));
  const rows = await withDependencies(() => allHistory(context.cloudflare.env, user.id));
  const date = new Date().toISOString().slice(0, 10);
  return new Response(historyCsv(rows), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="coinhubx-wallet-${date}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}
