import { atMost, FIELD_MESSAGES, tooManyDecimals } from "../forms/messages.ts";
import { type AssetCode, assert, assetDefinition, unitMinor } from "./assets.ts";

/**
 * Amounts cross the wire as decimal strings and live in code as bigint minor units. Parsing is
 * deliberately strict: one canonical-enough spelling, so that two clients cannot mean different
 * things by the same bytes and nothing ever passes through a float.
 */

/** Longer input is refused before any other work: no amount we accept needs more characters. */
export const MAX_AMOUNT_TEXT_LENGTH = 40;

// Digits only, no sign, no exponent, no leading zeros ("007"), no bare or trailing point.
const DECIMAL_PATTERN = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

type AmountProblem =
  | "not_a_string"
  | "empty"
  | "too_long"
  | "malformed"
  | "too_many_decimals"
  | "zero"
  | "too_large";

type ParsedAmount =
  | { ok: true; amountMinor: bigint }
  | { ok: false; problem: AmountProblem; message: string };

interface ParseAmountOptions {
  /** Zero makes sense for a few fields (a fee of nothing); for a movement it does not. */
  allowZero?: boolean;
}

export function parseAmount(
  asset: AssetCode,
  input: unknown,
  options: ParseAmountOptions = {},
): ParsedAmount {
  const definition = assetDefinition(asset);
  if (typeof input !== "string") {
    return fail("not_a_string", FIELD_MESSAGES.notAString);
  }
  if (input.length === 0) return fail("empty", FIELD_MESSAGES.enterAmount);
  if (input.length > MAX_AMOUNT_TEXT_LENGTH) return fail("too_long", "is too long");
  const match = DECIMAL_PATTERN.exec(input);
  if (!match) {
    return fail("malformed", FIELD_MESSAGES.notAPlainNumber);
  }
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  if (fraction.length > definition.scale) {
    return fail("too_many_decimals", tooManyDecimals(asset, definition.scale));
  }
  const amountMinor =
    BigInt(whole) * unitMinor(asset) + BigInt(fraction.padEnd(definition.scale, "0") || "0");
  if (amountMinor === 0n && !options.allowZero) return fail("zero", FIELD_MESSAGES.moreThanZero);
  if (amountMinor > definition.maxAmountMinor) {
    return fail("too_large", atMost(formatAmount(asset, definition.maxAmountMinor), asset));
  }
  assert(amountMinor >= 0n, "parsed amount is negative");
  return { ok: true, amountMinor };
}

/** Exactly the asset's scale, always: "250.00", "0.00150000", "-3.10" (postings are signed). */
export function formatAmount(asset: AssetCode, amountMinor: bigint): string {
  const { scale } = assetDefinition(asset);
  const negative = amountMinor < 0n;
  const magnitude = negative ? -amountMinor : amountMinor;
  const unit = unitMinor(asset);
  const whole = (magnitude / unit).toString();
  const sign = negative ? "-" : "";
  if (scale === 0) return `${sign}${whole}`;
  const fraction = (magnitude % unit).toString().padStart(scale, "0");
  return `${sign}${whole}.${fraction}`;
}

/** For tests and scripts that hold a value they know is valid; never for client input. */
export function amountMinorOf(asset: AssetCode, text: string): bigint {
  const parsed = parseAmount(asset, text, { allowZero: true });
  if (!parsed.ok) throw new RangeError(`${asset} amount ${JSON.stringify(text)}: ${parsed.message}`);
  return parsed.amountMinor;
}

function fail(problem: AmountProblem, message: string): ParsedAmount {
  return { ok: false, problem, message };
}
