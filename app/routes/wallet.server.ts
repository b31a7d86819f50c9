import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { validate } from "../../worker/api/validation.ts";
import { pageAmountOrThrow } from "../../worker/services/forms/amount-field.ts";
import { isAssetCode } from "../../worker/services/ledger/assets.ts";
import { userLedger } from "../../worker/services/ledger/client.ts";
import { entryCursor } from "../../worker/services/paging/cursor.ts";
import { signedIn } from "../../worker/use-cases/caller.ts";
import { myOnboarding, valueWallets } from "../../worker/use-cases/onboarding.ts";
import { myWallets, paperDeposit, paperDepositInput } from "../../worker/use-cases/wallets.ts";
import { withDependencies } from "../utils/dependencies.server.ts";
import { pageCaller, toActionFailure } from "../utils/session.server.ts";
import { historyRows } from "../utils/wallet.server.ts";

/**
 * The Wallet page's server side: both books through the same use case as GET /api/v1/wallets,
 * a page of the user's history, and the paper faucet through the use case of
 * POST /api/v1/wallets/paper-deposit.
 */

const HISTORY_PAGE = 25;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const caller = await withDependencies(() => pageCaller(context, request));
  const user = signedIn(caller);
  const url = new URL(request.url);
  const beforeSequence = historyPosition(url.searchParams.get("cursor"));
  const ledger = userLedger(context.cloudflare.env, user.id);
  const dismissed = onboardingDismissed(request, user.id);
  const [wallets, page, onboarding] = await withDependencies(() =>
    Promise.all([
      myWallets(caller),
      ledger.entries({
        mode: null,
        asset: null,
        beforeSequence,
        limit: HISTORY_PAGE,
      }),
      dismissed ? null : myOnboarding(caller),
    ]),
  );
  const valued = await withDependencies(() => valueWallets(caller, wallets));
  return {
    wallets: valued.wallets,
    totals: valued.totals,
    onboarding: onboarding && !onboarding.done ? onboarding.steps : null,
    history: historyRows(page.entries, user.id),
    nextCursor:
      page.nextBeforeSequence === null ? null : entryCursor.encode({ sequence: page.nextBeforeSequence }),
    // One key per rendered form: a double click or a resubmitted form deposits once.
    depositKey: crypto.randomUUID(),
  };
}

/** Where a history page starts; a stale or hand-edited link shows the newest page instead. */
function historyPosition(cursor: string | null): number | null {
  if (cursor === null) return null;
  try {
    return entryCursor.decode(cursor).sequence;
  } catch {
    return null;
  }
}

/**
 * "Dismiss" on the first-steps checklist is remembered by this browser for this user: a
 * cookie, not a record, as it only hides a hint.
 */
const ONBOARDING_COOKIE = "chx_onboarding_dismissed";

export function onboardingDismissed(request: Request, userId: string): boolean {
  const cookies = request.headers.get("Cookie") ?? "";
  return cookies.split(/;\s*/).some((pair) => pair === `${ONBOARDING_COOKIE}=${userId}`);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const caller = await withDependencies(() => pageCaller(context, request));
  const form = await request.formData();
  if (form.get("intent") === "dismiss-onboarding") {
    const secure = new URL(request.url).protocol === "https:" ? "; Secure" : "";
    return data(
      { dismissed: true },
      {
        headers: {
          "Set-Cookie": `${ONBOARDING_COOKIE}=${signedIn(caller).id}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly${secure}`,
        },
      },
    );
  }
  try {
    const key = String(form.get("idempotencyKey") ?? "");
    if (!/^[A-Za-z0-9-]{8,64}$/.test(key)) {
      return { error: { code: "invalid_request", message: "Reload the page and try again." } };
    }
    const asset = form.get("asset");
    // Thousands separators are a page's courtesy ("10,000.50"); the use case takes plain decimals.
    const amount = isAssetCode(asset) ? pageAmountOrThrow(asset, form.get("amount")) : form.get("amount");
    const input = validate(paperDepositInput, { asset, amount, idempotencyKey: `page:${key}` });
    const receipt = await paperDeposit(caller, input);
    return { deposited: { asset: input.asset, amount: input.amount, entryId: receipt.entryId } };
  } catch (error) {
    return toActionFailure(error);
  }
}
