import { ApiError } from "../../errors.ts";
import { parseAmount } from "../ledger/amount.ts";
import type { AssetCode } from "../ledger/assets.ts";
import { malformedAmountMessage, moreThanAvailable, normaliseAmountText } from "./messages.ts";

/**
 * An amount typed into a page form, checked the same way in the browser (as the trader types)
 * and in the page's action (before the use case, which checks it again with parseAmount): the
 * en-GB thousands separators are accepted, then the ledger's own parser decides, then — where
 * the page knows it — the balance. Pure: the browser bundle imports it.
 */
export type PageAmount = { ok: true; text: string; amountMinor: bigint } | { ok: false; message: string };

export function checkPageAmount(
  asset: AssetCode,
  typed: string,
  options: { available?: string | undefined } = {},
): PageAmount {
  const text = normaliseAmountText(typed);
  const parsed = parseAmount(asset, text);
  if (!parsed.ok) {
    return {
      ok: false,
      message: parsed.problem === "malformed" ? malformedAmountMessage(typed) : parsed.message,
    };
  }
  if (options.available !== undefined) {
    const available = parseAmount(asset, options.available, { allowZero: true });
    const availableMinor = available.ok ? available.amountMinor : 0n;
    if (parsed.amountMinor > availableMinor) {
      return { ok: false, message: moreThanAvailable(options.available, asset) };
    }
  }
  return { ok: true, text, amountMinor: parsed.amountMinor };
}

/** The page action's side: the plain decimal to hand to the use case, or a 400 naming `field`. */
export function pageAmountOrThrow(
  asset: AssetCode,
  typed: FormDataEntryValue | null | undefined,
  field = "amount",
  options: { available?: string | undefined } = {},
): string {
  const checked = checkPageAmount(asset, typeof typed === "string" ? typed : "", options);
  if (!checked.ok) {
    throw new ApiError(400, "invalid_request", "Some fields are missing or invalid.", {
      fields: { [field]: checked.message },
    });
  }
  return checked.text;
}
