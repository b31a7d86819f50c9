/**
 * The one way to show a price or an amount. It takes the API's decimal strings and only
 * regroups their digits ("76271.95" -> "76,271.95"): no float ever touches a displayed number,
 * so what the user reads is exactly what the server computed. Tabular numerals keep columns
 * aligned.
 */

const PLAIN_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

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

export interface MoneyProps {
  /** A decimal string from the API: "70000.00", "-1.25", "0.00150000". */
  value: string;
  /** Asset code or unit shown after the number, muted ("GBP", "BTC", "%"). */
  unit?: string;
  /** Show "+" on positive values and colour by sign (green up, red down). */
  change?: boolean;
  /** Shorten the fraction for display (volumes); prices are always shown in full. */
  maxDecimals?: number;
  className?: string;
}

export function Money({ value, unit, change = false, maxDecimals, className }: MoneyProps) {
  const direction = change ? signOf(value) : 0;
  const tone = direction > 0 ? " money-up" : direction < 0 ? " money-down" : "";
  return (
    <span className={`money${tone}${className ? ` ${className}` : ""}`} data-value={value}>
      {formatDecimal(value, maxDecimals === undefined ? { signed: change } : { signed: change, maxDecimals })}
      {unit ? (
        <span className={unit === "%" ? "money-percent" : "money-unit"}>
          {unit === "%" ? "%" : ` ${unit}`}
        </span>
      ) : null}
    </span>
  );
}
