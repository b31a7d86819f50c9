import { amountMinorOf } from "./amount.ts";
import { type AssetCode, assert, unitMinor } from "./assets.ts";

/**
 * FIXED reference prices in GBP, used for one thing only: expressing the paper-deposit daily
 * cap in GBP-equivalent across assets. They are deliberately round and deliberately static;
 * the markets issue replaces this table with prices from the market data service. Nothing
 * that moves money at a price (orders, fills) may ever read it.
 */
const FIXED_REFERENCE_PRICES_GBP: Readonly<Record<AssetCode, string>> = {
  GBP: "1.00",
  USDT: "0.80",
  BTC: "50000.00",
  ETH: "2500.00",
  SOL: "100.00",
};

const priceMinorGbp = new Map<AssetCode, bigint>(
  (Object.entries(FIXED_REFERENCE_PRICES_GBP) as [AssetCode, string][]).map(([asset, price]) => [
    asset,
    amountMinorOf("GBP", price),
  ]),
);

/** GBP-equivalent in pence, rounded up: a cap measured this way is never exceeded by rounding. */
export function gbpEquivalentMinor(asset: AssetCode, amountMinor: bigint): bigint {
  assert(amountMinor >= 0n, "GBP equivalent of a negative amount");
  const price = priceMinorGbp.get(asset);
  assert(price !== undefined && price > 0n, `no reference price for ${asset}`);
  const unit = unitMinor(asset);
  return (amountMinor * price + unit - 1n) / unit;
}
