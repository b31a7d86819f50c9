import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { loadMarketRows } from "../utils/markets.server.ts";

/** The home page's markets table: the same rows as the Markets page (utils/markets.server.ts). */
export async function loader({ context }: LoaderFunctionArgs) {
  return loadMarketRows(context.services);
}
