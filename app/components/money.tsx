/**
 * The one way to show a price or an amount, in en-GB style ("76,271.95"). It takes the API's
 * decimal strings and works on their text: no float ever touches a displayed number, so what
 * the user reads is what the server computed. Amounts are shown at their asset's display
 * precision (`formatAmount`); percentages go through percent.ts and moments through
 * date-time.tsx. Tabular numerals keep columns aligned.
 */

import { type FormatDecimalOptions, formatDecimal, PLAIN_DECIMAL, signOf } from "./decimal-text.ts";
import { percentChangeText } from "./percent.ts";

export { type FormatDecimalOptions, formatDecimal, signOf };

/**
 * Decimals an amount of each asset is read at. The ledger keeps USDT to 6 places (the token's
 * own precision), but a trader reads dollars and cents: "4,934.43 USDT", not "4,934.439507".
 * Crypto is read to the satoshi. Unknown units read like money, to 2.
 */
const DISPLAY_DECIMALS: Readonly<Record<string, number>> = { GBP: 2, USDT: 2, BTC: 8, ETH: 8, SOL: 8 };
/** Every amount shows at least this many decimals ("300" GBP -> "300.00"; zero -> "0.00"). */
const MIN_DECIMALS = 2;

export function displayDecimals(asset: string): number {
  return DISPLAY_DECIMALS[asset] ?? MIN_DECIMALS;
}

function isDisplayedAsset(unit: string | undefined): unit is string {
  return unit !== undefined && Object.hasOwn(DISPLAY_DECIMALS, unit);
}

const isZeroDigits = (digits: string) => /^0*$/.test(digits);

/**
 * The digits of an amount (or a price) of `asset` as they are read:
 * - zero is "0.00" whatever the asset (a wallet of empty crypto books is not a wall of zeros);
 * - beyond the asset's display decimals the digits are cut, toward zero, so a balance is never
 *   shown larger than it is ("4934.439507" USDT -> "4934.43"); Money keeps the exact value in
 *   a tooltip;
 * - except that an amount that is not zero never reads as zero: a fee of 0.000650 USDT shows
 *   as "0.00065", not "0.00";
 * - at least two decimals show ("300" -> "300.00").
 * Prices come from the API at their tick's decimals, never more than their quote asset's
 * display decimals, so no rule here changes a price.
 */
export function amountDigits(value: string, asset: string): string {
  const match = PLAIN_DECIMAL.exec(value);
  if (!match) return value;
  const [, sign = "", whole = "0", fraction = ""] = match;
  if (isZeroDigits(whole) && isZeroDigits(fraction)) return `0.${"0".repeat(MIN_DECIMALS)}`;
  const decimals = Math.max(displayDecimals(asset), MIN_DECIMALS);
  let digits = fraction.slice(0, decimals);
  if (isZeroDigits(whole) && isZeroDigits(digits)) digits = fraction.replace(/0+$/, "");
  return `${sign}${whole}.${digits.padEnd(MIN_DECIMALS, "0")}`;
}

/** An amount of `asset` as text, grouped: formatAmount("5000.000000", "USDT") -> "5,000.00". */
export function formatAmount(value: string, asset: string, options: FormatDecimalOptions = {}): string {
  return formatDecimal(amountDigits(value, asset), options);
}

/** A count or a duration, grouped as every other number: 12345 -> "12,345". */
export function formatCount(value: number): string {
  return Number.isSafeInteger(value) ? formatDecimal(String(value)) : String(value);
}

/** An amount with its asset, for text that is not JSX (messages, estimates): "4,990.01 GBP". */
export function amountText(value: string, asset: string): string {
  return `${formatAmount(value, asset)} ${asset}`;
}

/**
 * A price the chart library hands over as a float (axis labels, the crosshair), at the market's
 * price decimals and grouped as every other price. The one place a float becomes displayed
 * text: the library has no other form of its axis values, and they are labels, not amounts.
 */
export function formatChartPrice(price: number, decimals: number): string {
  if (!Number.isFinite(price)) return "";
  return formatDecimal(price.toFixed(Math.min(Math.max(decimals, 0), 12)));
}

/** The digits after the point of a decimal text ("" when there are none). */
function fractionOf(text: string): string {
  return text.split(".")[1] ?? "";
}

export interface MoneyProps {
  /** A decimal string from the API: "70000.00", "-1.25", "0.00150000". */
  value: string;
  /**
   * Asset code or unit shown after the number, muted ("GBP", "BTC", "%"). An asset code reads
   * the value at that asset's display decimals; "%" reads it as a percentage (percent.ts).
   */
  unit?: string;
  /** The asset of a value shown without its unit (a column headed by the asset). */
  asset?: string;
  /** Show "+" on positive values and colour by sign (green up, red down). */
  change?: boolean;
  /** Shorten the fraction for display (volumes); prices are always shown in full. */
  maxDecimals?: number;
  className?: string;
}

export function Money({ value, unit, asset, change = false, maxDecimals, className }: MoneyProps) {
  const direction = change ? signOf(value) : 0;
  const tone = direction > 0 ? " money-up" : direction < 0 ? " money-down" : "";
  const options = maxDecimals === undefined ? { signed: change } : { signed: change, maxDecimals };
  const amountOf = asset ?? (isDisplayedAsset(unit) ? unit : undefined);
  // A percentage's number; its " %" is the muted unit below, as percentChangeText writes it.
  const text =
    unit === "%"
      ? percentChangeText(value, { signed: change }).replace(/ %$/, "")
      : amountOf !== undefined && maxDecimals === undefined
        ? formatAmount(value, amountOf, options)
        : formatDecimal(value, options);
  // Cut to the display decimals: the exact amount is a hover away.
  const cut = amountOf !== undefined && /[1-9]/.test(fractionOf(value).slice(fractionOf(text).length));
  const exact = cut ? `${formatDecimal(value)} ${amountOf}` : undefined;
  return (
    <span className={`money${tone}${className ? ` ${className}` : ""}`} data-value={value} title={exact}>
      {text}
      {unit ? (
        <span className={unit === "%" ? "money-percent" : "money-unit"}>
          {unit === "%" ? " %" : ` ${unit}`}
        </span>
      ) : null}
    </span>
  );
}
