/**
 * The one source of what a form field says is wrong with it, in a trader's words. The server
 * (parseAmount, the order filters, the zod contracts of the use cases, worker/api/validation.ts)
 * and the pages' checks as the trader types both build their messages here, so the words on
 * the screen before a submit are the words the server sends back after it.
 *
 * Messages are fragments that read on their own at the field ("at most 2 decimals for GBP")
 * and after a field's name in an API error ("amount: at most 2 decimals for GBP"). Pages show
 * them with a capital letter (`atField`). This module is pure: the browser bundle imports it.
 */

export const FIELD_MESSAGES = {
  required: "is required",
  enterAmount: "enter an amount",
  notAString: 'must be a decimal string such as "250.00", not a JSON number',
  notAPlainNumber: "enter a plain number such as 250.00: digits and a point, no sign, spaces or letters",
  decimalComma: "use a point for decimals (250.50); commas only between thousands (10,000.50)",
  moreThanZero: "must be more than zero",
  sixDigitCode: "enter the 6-digit code",
  enterCode: "enter the 6-digit code from your authenticator app",
} as const;

/** "enter a limit price (required for a stop-limit order)". */
export function priceRequired(which: "limit" | "stop", orderType: string): string {
  return `enter a ${which} price (required for a ${orderType} order)`;
}

/** "at most 2 decimals for GBP"; an asset without decimals takes whole numbers only. */
export function tooManyDecimals(asset: string, scale: number): string {
  return scale === 0 ? `whole numbers only for ${asset}` : `at most ${scale} decimals for ${asset}`;
}

/** "at most 1,000,000,000.00 GBP" (the largest single amount an asset allows). */
export function atMost(amount: string, asset: string): string {
  return `at most ${groupThousands(amount)} ${asset}`;
}

/** "minimum order 10.00 GBP": below the market's minimum order value. */
export function minimumOrder(amount: string, asset: string): string {
  return `minimum order ${groupThousands(amount)} ${asset}`;
}

/** "maximum order 9,000,000.00 GBP". */
export function maximumOrder(amount: string, asset: string): string {
  return `maximum order ${groupThousands(amount)} ${asset}`;
}

/** "minimum 0.00001 BTC": below the market's smallest quantity. */
export function minimumQuantity(amount: string, asset: string): string {
  return `minimum ${groupThousands(amount)} ${asset}`;
}

/** "more than you have: 4,990.00 GBP available". */
export function moreThanAvailable(available: string, asset: string): string {
  return `more than you have: ${groupThousands(available)} ${asset} available`;
}

/** "in steps of 0.00001 BTC (0.01234 would do)". */
export function notOnStep(step: string, asset: string, nearest: string): string {
  return `in steps of ${step} ${asset} (${nearest} would do)`;
}

/** A message as it stands at its field: its first letter capitalised. */
export function atField(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}

// ---- Typing amounts in the pages ------------------------------------------------------------

/** Digits grouped by commas in threes (en-GB), with an optional point and decimals. */
const GROUPED = /^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;

/**
 * What a trader typed into an amount field of a page, as the strict decimal the services take:
 * spaces around are dropped and commas are removed only where they group thousands exactly as
 * en-GB writes them ("10,000.50" -> "10000.50"). A decimal comma ("10,5") or a stray comma is
 * never guessed: the text stays as typed and is refused with `FIELD_MESSAGES.decimalComma`.
 * The JSON API does not call this: it takes plain decimal strings only (API.md).
 */
export function normaliseAmountText(text: string): string {
  const trimmed = text.trim();
  return GROUPED.test(trimmed) ? trimmed.replaceAll(",", "") : trimmed;
}

/** The message for a page amount that is still not a plain decimal after `normaliseAmountText`. */
export function malformedAmountMessage(typed: string): string {
  return typed.includes(",") ? FIELD_MESSAGES.decimalComma : FIELD_MESSAGES.notAPlainNumber;
}

/** "1234567.50" -> "1,234,567.50"; text that is not a plain decimal is returned as it is. */
export function groupThousands(value: string): string {
  const match = /^(-?)(\d+)((?:\.\d+)?)$/.exec(value);
  if (!match) return value;
  const [, sign = "", whole = "", fraction = ""] = match;
  return `${sign}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${fraction}`;
}

// ---- Authenticator codes --------------------------------------------------------------------

/**
 * A code typed where a 6-digit authenticator code is expected: null when it has that shape,
 * else the message. Digits only, of another length, is a typo of the code ("12345"), never a
 * recovery code (those are 16 letters and digits).
 */
export function sixDigitCodeProblem(code: string): string | null {
  const compact = code.replace(/\s/g, "");
  if (compact === "") return FIELD_MESSAGES.enterCode;
  return /^\d{6}$/.test(compact) ? null : FIELD_MESSAGES.sixDigitCode;
}

/** Only digits and spaces, but not six digits: a mistyped authenticator code. */
export function isMistypedSixDigitCode(code: string): boolean {
  const compact = code.replace(/\s/g, "");
  return /^\d+$/.test(compact) && compact.length !== 6;
}
