import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { REFERRAL_TERMS } from "../../worker/services/monetisation/catalogue.ts";
import { myReferrals } from "../../worker/use-cases/account.ts";
import { withDependencies } from "../utils/dependencies.server.ts";
import { pageCaller } from "../utils/session.server.ts";

/** The Referrals page's server side: everything through the use case of GET /api/v1/referrals. */

const DAY_MS = 86_400_000;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const caller = await withDependencies(() => pageCaller(context, request));
  const referrals = await withDependencies(() => myReferrals(caller));
  return {
    referrals: {
      ...referrals,
      // Rewards carry no id of their own on the wire (it would name the referee's order): the
      // table keys rows by position in this newest-first list.
      rewards: referrals.rewards.map((reward, index) => ({ ...reward, key: String(index) })),
    },
    terms: {
      ...referrals.terms,
      /** The referrer's share as a rate ("0.2"), shown by the same percentage helper as fees. */
      referrerShareRate: String(Number(REFERRAL_TERMS.referrerShareBps) / 10_000),
      rewardWindowDays: REFERRAL_TERMS.rewardWindowMs / DAY_MS,
    },
  };
}
