import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/cloudflare";
import { validate } from "../../worker/api/validation.ts";
import { ApiError } from "../../worker/errors.ts";
import { PLAN_NAMES } from "../../worker/services/monetisation/catalogue.ts";
import {
  accountFees,
  accountPlan,
  changeAccountPlan,
  myReferrals,
  planChangeInput,
} from "../../worker/use-cases/account.ts";
import { myWallets } from "../../worker/use-cases/wallets.ts";
import { withDependencies } from "../utils/dependencies.server.ts";
import { pageCaller, toActionFailure } from "../utils/session.server.ts";

/**
 * The Account page's server side: fee tier, bot plan and a referral summary through the use
 * cases behind GET /api/v1/account/fees, /account/plan and /referrals; the plan buttons through
 * the use case of POST /api/v1/account/plan, under the page's own key namespace ("page:…").
 */

export async function loader({ request, context }: LoaderFunctionArgs) {
  const caller = await withDependencies(() => pageCaller(context, request));
  const [fees, plan, referrals, wallets] = await withDependencies(() =>
    Promise.all([accountFees(caller), accountPlan(caller), myReferrals(caller), myWallets(caller)]),
  );
  const liveGbp = wallets.find((wallet) => wallet.mode === "live" && wallet.asset === "GBP");
  return {
    fees,
    plan,
    referrals: {
      code: referrals.code,
      link: referrals.link,
      referees: referrals.referees,
      totals: referrals.totals,
    },
    /** What upgrades are charged from, shown next to the prices. */
    liveGbpAvailable: liveGbp?.available ?? "0.00",
    /**
     * One key per plan the trader may choose; the page keeps each across uncertain outcomes
     * (components/account/plan-key.ts), as the Withdraw page does.
     */
    planKeys: Object.fromEntries(PLAN_NAMES.map((name) => [name, crypto.randomUUID()])) as Record<
      (typeof PLAN_NAMES)[number],
      string
    >,
  };
}

const PAGE_KEY = /^[A-Za-z0-9-]{8,64}$/;

export async function action({ request, context }: ActionFunctionArgs) {
  const caller = await withDependencies(() => pageCaller(context, request));
  const form = Object.fromEntries(await request.formData());
  const intent = String(form.intent ?? "");
  const plan = String(form.plan ?? "");
  try {
    if (intent !== "change-plan") throw new ApiError(400, "invalid_request", "Unknown action.");
    const key = String(form.idempotencyKey ?? "");
    if (!PAGE_KEY.test(key)) throw new ApiError(400, "invalid_request", "Reload the page and try again.");
    const answer = await changeAccountPlan(
      caller,
      validate(planChangeInput, { plan, idempotencyKey: `page:${key}` }),
    );
    return {
      intent,
      plan,
      changed: {
        current: answer.plan.name,
        scheduledPlan: answer.scheduledPlan,
        renewsAt: answer.renewsAt,
      },
    };
  } catch (error) {
    return { intent, plan, ...toActionFailure(error) };
  }
}
