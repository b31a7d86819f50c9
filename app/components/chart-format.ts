import { formatDateTime } from "./date-time.tsx";
import { formatChartPrice } from "./money.tsx";

/**
 * The charts' labels (price axis, crosshair, last-value tags, the crosshair's moment) through
 * the same formatters as every other number and date on the site: "82,216.10", and
 * "2026-12-01 03:41:00 UTC". lightweight-charts hands these over as floats and UTC seconds.
 */
export function chartLocalization(priceDecimals: number) {
  return {
    locale: "en-GB",
    priceFormatter: (price: number) => formatChartPrice(price, priceDecimals),
    timeFormatter: (time: unknown) => (typeof time === "number" ? formatDateTime(time * 1000) : String(time)),
  };
}

/** The price decimals of a market, read from the prices the API sent (at the tick's decimals). */
export function decimalsOf(price: string | undefined, fallback = 2): number {
  if (price === undefined) return fallback;
  return price.split(".")[1]?.length ?? 0;
}
