import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/cloudflare";
import { validate } from "../../worker/api/validation.ts";
import { ApiError } from "../../worker/errors.ts";
import { pageAmountOrThrow } from "../../worker/services/forms/amount-field.ts";
import { atField, moreThanAvailable } from "../../worker/services/forms/messages.ts";
import { isAssetCode } from "../../worker/services/ledger/assets.ts";
import { withdrawableAssets } from "../../worker/services/withdrawals/addresses.ts";
import type { Caller } from "../../worker/use-cases/caller.ts";
import { myWallets } from "../../worker/use-cases/wallets.ts";
import {
  addAddressInput,
  addWithdrawalAddress,
  cancelWithdrawal,
  myWithdrawalLimits,
  myWithdrawals,
  removeWithdrawalAddress,
  requestWithdrawal,
  withdrawalAddresses,
  withdrawalInput,
} from "../../worker/use-cases/withdrawals.ts";
import { withDependencies } from "../utils/dependencies.server.ts";
import { type ActionFailure, pageCaller, toActionFailure } from "../utils/session.server.ts";

/** The Withdraw page's server side: it parses the form and calls the same use cases as the API. */

export async function loader({ request, context }: LoaderFunctionArgs) {
  const caller = await withDependencies(() => pageCaller(context, request));
  const [addresses, withdrawals, wallets, limits] = await withDependencies(() =>
    Promise.all([
      withdrawalAddresses(caller),
      myWithdrawals(caller),
      myWallets(caller),
      myWithdrawalLimits(caller),
    ]),
  );
  return {
    twoFactorEnabled: caller.user?.twoFactorEnabled ?? false,
    addresses,
    withdrawals,
    /** What each asset has available in the LIVE book: the most a withdrawal may take. */
    available: Object.fromEntries(
      wallets.filter((wallet) => wallet.mode === "live").map((wallet) => [wallet.asset, wallet.available]),
    ),
    limits,
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
      return await withdraw(caller, form);
    }
    if (intent === "cancel") {
      await cancelWithdrawal(caller, String(form.withdrawalId ?? ""));
      return { intent, message: "Withdrawal cancelled; the funds are available again." };
    }
    return { intent, error: { code: "invalid_request", message: "Unknown action." } };
  } catch (error) {
    return { intent, ...atTheirFields(toActionFailure(error), intent) };
  }
}

async function withdraw(caller: Caller, form: Record<string, FormDataEntryValue>) {
  const intent = "withdraw";
  const key = String(form.idempotencyKey ?? "");
  if (!PAGE_KEY.test(key)) throw new ApiError(400, "invalid_request", "Reload the page and try again.");
  // The asset is the chosen address's asset: asking for it again could only disagree.
  const chosen = (await withdrawalAddresses(caller)).find((address) => address.id === form.addressId);
  const asset = chosen?.asset;
  if (!chosen || !isAssetCode(asset)) {
    throw new ApiError(400, "invalid_request", "Choose an address.", {
      fields: { addressId: "choose one of your active addresses" },
    });
  }
  const wallet = (await myWallets(caller)).find((entry) => entry.mode === "live" && entry.asset === asset);
  // Checked as the page checked it while typing: the asset's decimals, then the balance.
  const amount = pageAmountOrThrow(asset, form.amount, "amount", { available: wallet?.available ?? "0" });
  const input = validate(withdrawalInput, {
    ...form,
    amount,
    asset,
    idempotencyKey: `page:${key}`,
  });
  try {
    const withdrawal = await requestWithdrawal(caller, input);
    return {
      intent,
      withdrawn: { id: withdrawal.id, amount: withdrawal.amount, asset: withdrawal.asset },
      message:
        withdrawal.status === "held" ? "Requested: an operator reviews large withdrawals." : "Requested.",
    };
  } catch (error) {
    if (error instanceof ApiError && error.code === "insufficient_funds") {
      const latest = (await myWallets(caller)).find(
        (entry) => entry.mode === "live" && entry.asset === asset,
      );
      throw new ApiError(409, error.code, error.message, {
        fields: { amount: moreThanAvailable(latest?.available ?? "0", asset) },
      });
    }
    throw error;
  }
}

/** Refusals that concern one field are shown at it: the code, the amount, the address. */
function atTheirFields(failure: ActionFailure, intent: string): ActionFailure {
  const { error } = failure;
  const fields = { ...(error.fields ?? {}) };
  const lower = (message: string) => message.charAt(0).toLowerCase() + message.slice(1);
  if (error.code === "totp_required" || error.code === "totp_invalid") fields.totp ??= lower(error.message);
  if (intent === "withdraw") {
    if (error.code === "address_not_active") fields.addressId ??= lower(error.message);
    if (error.code === "velocity_limit_exceeded") fields.amount ??= lower(error.message);
  }
  if (error.code === "invalid_address") fields.address ??= atField(error.message);
  return Object.keys(fields).length > 0 ? { error: { ...error, fields } } : failure;
}
