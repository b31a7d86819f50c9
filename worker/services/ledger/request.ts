import type { Context } from "hono";
import { z } from "zod";
import { ApiError } from "../../errors.ts";
import { parseAmount } from "./amount.ts";
import { ASSET_CODES, type AssetCode } from "./assets.ts";

/**
 * Request parsing shared by the money routes: the Idempotency-Key header and the
 * `{asset, amount}` pair. Amounts are decimal strings; a JSON number, a negative, an exponent
 * or too many decimals is a 400 `invalid_request` naming the field.
 */

export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
const MAX_CLIENT_KEY_LENGTH = 255;
// Visible ASCII and spaces: what a header can carry without ambiguity.
const KEY_PATTERN = /^[\x20-\x7E]+$/;

export function requireIdempotencyKey(c: Context): string {
  const key = c.req.header(IDEMPOTENCY_KEY_HEADER);
  if (key === undefined || key.length === 0) {
    throw new ApiError(
      400,
      "invalid_request",
      "Send an Idempotency-Key header with every request that moves money.",
      {
        fields: { [IDEMPOTENCY_KEY_HEADER]: "is required" },
      },
    );
  }
  if (key.length > MAX_CLIENT_KEY_LENGTH || !KEY_PATTERN.test(key)) {
    throw new ApiError(400, "invalid_request", "The Idempotency-Key header is malformed.", {
      fields: { [IDEMPOTENCY_KEY_HEADER]: `must be 1 to ${MAX_CLIENT_KEY_LENGTH} printable characters` },
    });
  }
  return key;
}

export const assetField = z.enum(ASSET_CODES, { message: `must be one of ${ASSET_CODES.join(", ")}` });

/** Amounts are strings on the wire; a JSON number is refused here, before anything else. */
export const amountField = z.string({
  message: 'must be a decimal string such as "250.00", not a JSON number',
});

/**
 * For `.superRefine` on a body with `asset` and `amount`: checks the amount against the
 * asset's scale and bounds and names the field when it fails.
 */
export function refineAmount(body: { asset: AssetCode; amount: string }, context: z.RefinementCtx): void {
  const parsed = parseAmount(body.asset, body.amount);
  if (!parsed.ok) context.addIssue({ code: "custom", path: ["amount"], message: parsed.message });
}

/** The amount of a body that passed `refineAmount`, in minor units. */
export function amountMinorOfBody(body: { asset: AssetCode; amount: string }): bigint {
  const parsed = parseAmount(body.asset, body.amount);
  if (!parsed.ok) {
    throw new ApiError(400, "invalid_request", "Some fields are missing or invalid.", {
      fields: { amount: parsed.message },
    });
  }
  return parsed.amountMinor;
}
