/**
 * Exact decimal text <-> bigint at a fixed scale, for prices and quantities. Nothing here goes
 * through a float: a price on the wire is a decimal string, in code a bigint of minor units.
 *
 * Asset amounts proper (balances, postings) are parsed by the ledger's `amount.ts`; this module
 * exists because market inputs need two things it deliberately refuses: telling a caller *how*
 * far off the grid a value is (to name the nearest valid one), and rounding upstream numbers
 * (Binance sends 8 decimals for USDT, which we keep at 6).
 */

/** Digits only: no sign, exponent, spaces, leading zeros ("007") or bare point. */
const DECIMAL_PATTERN = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
/** Longer text is refused before any other work; no market value needs more. */
const MAX_DECIMAL_TEXT_LENGTH = 40;

/** An exact decimal: `digits / 10^scale`. */
export interface ExactDecimal {
  digits: bigint;
  scale: number;
}

export function parseDecimal(text: string): ExactDecimal | null {
  if (text.length === 0 || text.length > MAX_DECIMAL_TEXT_LENGTH) return null;
  const match = DECIMAL_PATTERN.exec(text);
  if (!match) return null;
  const fraction = match[2] ?? "";
  return { digits: BigInt(`${match[1] ?? "0"}${fraction}`), scale: fraction.length };
}

export function pow10(exponent: number): bigint {
  return 10n ** BigInt(exponent);
}

export type Rounding = "floor" | "ceil" | "half-up";

/** Integer division of non-negative bigints with the given rounding. */
export function divide(numerator: bigint, denominator: bigint, rounding: Rounding): bigint {
  if (denominator <= 0n || numerator < 0n) throw new RangeError("divide expects non-negative / positive");
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  if (remainder === 0n) return quotient;
  if (rounding === "floor") return quotient;
  if (rounding === "ceil") return quotient + 1n;
  return remainder * 2n >= denominator ? quotient + 1n : quotient;
}

/** The value at `scale` if it is exactly representable there, else null. */
export function toScaleExact(value: ExactDecimal, scale: number): bigint | null {
  if (value.scale <= scale) return value.digits * pow10(scale - value.scale);
  const factor = pow10(value.scale - scale);
  return value.digits % factor === 0n ? value.digits / factor : null;
}

export function toScaleRounded(value: ExactDecimal, scale: number, rounding: Rounding): bigint {
  if (value.scale <= scale) return value.digits * pow10(scale - value.scale);
  return divide(value.digits, pow10(value.scale - scale), rounding);
}

/** For constants and trusted upstream text; throws instead of returning null. */
export function decimalToMinor(text: string, scale: number, rounding: Rounding | "exact" = "exact"): bigint {
  const parsed = parseDecimal(text);
  if (!parsed) throw new RangeError(`not a plain decimal: ${JSON.stringify(text)}`);
  if (rounding === "exact") {
    const exact = toScaleExact(parsed, scale);
    if (exact === null) throw new RangeError(`${text} has more than ${scale} decimals`);
    return exact;
  }
  return toScaleRounded(parsed, scale, rounding);
}

/**
 * `minor / 10^scale` as text with exactly `decimals` fraction digits. Digits beyond `decimals`
 * must be zero (callers pass values already on their grid); if they are not, all `scale`
 * digits are shown rather than silently dropping value.
 */
export function formatMinor(minor: bigint, scale: number, decimals: number = scale): string {
  const negative = minor < 0n;
  const magnitude = negative ? -minor : minor;
  const unit = pow10(scale);
  const whole = magnitude / unit;
  let fraction = (magnitude % unit).toString().padStart(scale, "0");
  if (decimals < scale) {
    const dropped = fraction.slice(decimals);
    if (/^0*$/.test(dropped)) fraction = fraction.slice(0, decimals);
  }
  const sign = negative ? "-" : "";
  return fraction.length === 0 ? `${sign}${whole}` : `${sign}${whole}.${fraction}`;
}

/** Fraction digits needed to write any multiple of `stepMinor` at `scale`: 0.01000 -> 2. */
export function decimalsOfStep(stepMinor: bigint, scale: number): number {
  if (stepMinor <= 0n) throw new RangeError("step must be positive");
  let decimals = scale;
  let step = stepMinor;
  while (decimals > 0 && step % 10n === 0n) {
    step /= 10n;
    decimals -= 1;
  }
  return decimals;
}

/** Largest multiple of `step` that is <= value (value >= 0). */
export function floorToStep(value: bigint, step: bigint): bigint {
  return (value / step) * step;
}

export function ceilToStep(value: bigint, step: bigint): bigint {
  return divide(value, step, "ceil") * step;
}

/** Nearest multiple of `step`; a tie goes up (the usual commercial rounding). */
export function roundToStep(value: bigint, step: bigint): bigint {
  return divide(value, step, "half-up") * step;
}

/**
 * Signed percentage `(to - from) / from * 100` with two decimals, rounded half away from zero:
 * "2.15", "-0.40", "0.00". From <= 0 gives "0.00" (no meaningful change).
 */
export function percentChange(from: bigint, to: bigint): string {
  if (from <= 0n) return "0.00";
  const delta = to - from;
  const magnitude = divide((delta < 0n ? -delta : delta) * 10_000n, from, "half-up");
  return formatMinor(delta < 0n && magnitude > 0n ? -magnitude : magnitude, 2);
}

/** Math.max for bigint (Math.max throws on bigint). */
export function maxBigint(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Math.min for bigint. */
export function minBigint(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
