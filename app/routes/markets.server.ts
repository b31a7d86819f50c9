import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { loadMarketRows } from "../utils/markets.server.ts";

/** Every listed market, through the market service the API uses (utils/markets.server.ts). */
export async function loader({ context }: LoaderFunctionArgs) {
  return loadMarketRows(context.services);
}
