import { formatMinor, parseDecimal, pow10 } from "../../worker/services/markets/decimal.ts";
import { formatDecimal, PLAIN_DECIMAL } from "./decimal-text.ts";

/**
 * The one way to show a rate as a percentage: the API's decimal string with its point moved two
 * places ("0.0010" -> "0.10 %", "0.000675" -> "0.0675 %", "0.10" -> "10 %" with
 * `minDecimals: 0`). A shift of the text, no arithmetic and no float, and no digit dropped: a
 * discounted rate shows every digit the server charges by. Text that is not a plain decimal is
 * returned as is.
 */
export function percentText(rate: string, options: { minDecimals?: number } = {}): string {
  const parsed = parseDecimal(rate);
  if (!parsed) return rate;
  const minDecimals = options.minDecimals ?? 2;
  let { digits, scale } = parsed;
  // Trailing zeros carry no value ("0.0010" is 0.001): drop them, then pad to minDecimals.
  while (scale > 0 && digits % 10n === 0n) {
    digits /= 10n;
    scale--;
  }
  let percentMinor = scale >= 2 ? digits : digits * pow10(2 - scale);
  let percentScale = Math.max(scale - 2, 0);
  if (percentScale < minDecimals) {
    percentMinor *= pow10(minDecimals - percentScale);
    percentScale = minDecimals;
  }
  return `${percentScale === 0 ? percentMinor.toString() : formatMinor(percentMinor, percentScale)} %`;
}

/**
 * A value that is already a percentage ("-1.25" = −1.25 %, as the API's `change24h`), in the
 * same form as `percentText`: "−1.25 %", or "+2.08 %" with `signed` for a change. Grouped like
 * every other number; text that is not a plain decimal is returned as is.
 */
export function percentChangeText(percent: string, options: { signed?: boolean } = {}): string {
  if (!PLAIN_DECIMAL.test(percent)) return percent;
  return `${formatDecimal(percent, { signed: options.signed ?? false })} %`;
}
