import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/cloudflare";
import { validate } from "../../worker/api/validation.ts";
import { ApiError } from "../../worker/errors.ts";
import { withdrawableAssets } from "../../worker/services/withdrawals/addresses.ts";
import {
  addAddressInput,
  addWithdrawalAddress,
  cancelWithdrawal,
  myWithdrawals,
  removeWithdrawalAddress,
  requestWithdrawal,
  withdrawalAddresses,
  withdrawalInput,
} from "../../worker/use-cases/withdrawals.ts";
import { withDependencies } from "../utils/dependencies.server.ts";
import { pageCaller, toActionFailure } from "../utils/session.server.ts";

/** The Withdraw page's server side: it parses the form and calls the same use cases as the API. */

export async function loader({ request, context }: LoaderFunctionArgs) {
  const caller = await withDependencies(() => pageCaller(context, request));
  const [addresses, withdrawals] = await withDependencies(() =>
    Promise.all([withdrawalAddresses(caller), myWithdrawals(caller)]),
  );
  return {
    twoFactorEnabled: caller.user?.twoFactorEnabled ?? false,
    addresses,
    withdrawals,
    assets: withdrawableAssets(),
    /** The first form's key; the page keeps it across failed attempts (see the component). */
    withdrawalKey: crypto.randomUUID(),
  };
}

const PAGE_KEY = /^[A-Za-z0-9-]{8,64}$/;

export async function action({ request, context }: ActionFunctionArgs) {
  const caller = await withDependencies(() => pageCaller(context, request));
  const form = Object.fromEntries(await request.formData());
  const intent = String(form.intent ?? "");
  try {
    if (intent === "add-address") {
      await addWithdrawalAddress(caller, validate(addAddressInput, form));
      return { intent, message: "Address added. It becomes usable after the cooling-off period." };
    }
    if (intent === "remove-address") {
      await removeWithdrawalAddress(caller, String(form.addressId ?? ""));
      return { intent, message: "Address removed." };
    }
    if (intent === "withdraw") {
      const key = String(form.idempotencyKey ?? "");
      if (!PAGE_KEY.test(key)) throw new ApiError(400, "invalid_request", "Reload the page and try again.");
      // The asset is the chosen address's asset: asking for it again could only disagree.
      const chosen = (await withdrawalAddresses(caller)).find((address) => address.id === form.addressId);
      const input = validate(withdrawalInput, {
        ...form,
        asset: chosen?.asset ?? "",
        idempotencyKey: `page:${key}`,
      });
      const withdrawal = await requestWithdrawal(caller, input);
      return {
        intent,
        message:
          withdrawal.status === "held" ? "Requested: an operator reviews large withdrawals." : "Requested.",
      };
    }
    if (intent === "cancel") {
      await cancelWithdrawal(caller, String(form.withdrawalId ?? ""));
      return { intent, message: "Withdrawal cancelled; the funds are available again." };
    }
    return { intent, error: { code: "invalid_request", message: "Unknown action." } };
  } catch (error) {
    return { intent, ...toActionFailure(error) };
  }
}
