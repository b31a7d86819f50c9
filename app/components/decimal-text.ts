/**
 * Decimal strings as text, en-GB style: thousands grouped with commas, a point before the
 * fraction, a true minus sign. The primitives under money.tsx (amounts, prices) and percent.ts
 * (percentages); pages use those, not this. Text only: nothing here parses to a float.
 */

export const PLAIN_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

export interface FormatDecimalOptions {
  /** Prefix positive values with "+" (for changes). */
  signed?: boolean;
  /** Cut the fraction to this many digits (truncation of the text: for volumes, never prices). */
  maxDecimals?: number;
}

/** Groups thousands of a decimal string; text that is not a plain decimal is returned as is. */
export function formatDecimal(value: string, options: FormatDecimalOptions = {}): string {
  const match = PLAIN_DECIMAL.exec(value);
  if (!match) return value;
  const [, sign = "", whole = "0", fullFraction] = match;
  const fraction =
    options.maxDecimals === undefined || fullFraction === undefined
      ? fullFraction
      : options.maxDecimals === 0
        ? undefined
        : fullFraction.slice(0, options.maxDecimals);
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const isZero = /^0*$/.test(whole) && /^0*$/.test(fraction ?? "");
  const prefix = sign === "-" && !isZero ? "−" : options.signed && !isZero ? "+" : "";
  return `${prefix}${grouped}${fraction !== undefined ? `.${fraction}` : ""}`;
}

/** Direction of a signed decimal string without parsing it as a number. */
export function signOf(value: string): -1 | 0 | 1 {
  const match = PLAIN_DECIMAL.exec(value);
  if (!match) return 0;
  if (/^0*$/.test(match[2] ?? "") && /^0*$/.test(match[3] ?? "")) return 0;
  return match[1] === "-" ? -1 : 1;
}
