import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { myDepositReference, myWallets } from "../../worker/use-cases/wallets.ts";
import { withDependencies } from "../utils/dependencies.server.ts";
import { pageCaller } from "../utils/session.server.ts";

/**
 * The Deposit page's server side: the trader's own GBP bank-transfer reference (the use case
 * behind GET /api/v1/deposits/reference) and the LIVE GBP balance a credited transfer lands in.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const caller = await withDependencies(() => pageCaller(context, request));
  const [{ reference }, wallets] = await withDependencies(() =>
    Promise.all([myDepositReference(caller), myWallets(caller)]),
  );
  const gbp = wallets.find((wallet) => wallet.mode === "live" && wallet.asset === "GBP");
  return {
    reference,
    balance: { available: gbp?.available ?? "0.00", locked: gbp?.locked ?? "0.00" },
  };
}
