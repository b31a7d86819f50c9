import { useMemo, useState } from "react";
import { normaliseAmountText } from "../../../worker/services/forms/messages.ts";
import { ASSETS, type AssetCode } from "../../../worker/services/ledger/assets.ts";
import { formatMinor, parseDecimal, toScaleRounded } from "../../../worker/services/markets/decimal.ts";
import { type FeeRates, maxFeeMinor, ratesOf } from "../../../worker/services/trading/fees.ts";
import { type PercentChoice, sizeForPercent } from "../../../worker/services/trading/sizing.ts";
import { amountText } from "../money.tsx";
import type { Account, MarketData, MarketInfo } from "./types.ts";

/**
 * The order form's state and what follows from it: which balance it spends, the price it
 * sizes at, the 25–100 % buttons and the estimate. The arithmetic is the trading service's own
 * (sizing, fees), on minor units, so the estimate is the hold the order will take.
 */

export type Side = "buy" | "sell";
export type OrderKind = "market" | "limit" | "stop_limit";
export type Mode = "paper" | "live";

/**
 * Decimal text -> minor units at `scale`, rounded down; null when it is not a plain decimal.
 * Thousands separators as a trader types them ("10,000.50") are accepted, as the page's
 * action accepts them.
 */
export function toMinor(value: string, scale: number): bigint | null {
  const parsed = parseDecimal(normaliseAmountText(value));
  return parsed ? toScaleRounded(parsed, scale, "floor") : null;
}

export type OrderTicket = ReturnType<typeof useOrderTicket>;

export function useOrderTicket({
  market,
  live,
  account,
}: {
  market: MarketInfo;
  live: MarketData;
  account: Account | null;
}) {
  const [mode, setMode] = useState<Mode>("paper");
  const [side, setSide] = useState<Side>("buy");
  const [kind, setKind] = useState<OrderKind>("market");
  const [sizeIn, setSizeIn] = useState<"base" | "quote">("quote");
  const [amount, setAmount] = useState("");
  const [price, setPrice] = useState("");
  const [stopPrice, setStopPrice] = useState("");
  const base = market.base as AssetCode;
  const quote = market.quote as AssetCode;
  const baseScale = ASSETS[base].scale;
  const quoteScale = ASSETS[quote].scale;
  const quoteSized = side === "buy" && kind === "market" && sizeIn === "quote";
  const spendAsset = side === "buy" ? quote : base;
  const balance = account?.wallets.find((wallet) => wallet.asset === spendAsset && wallet.mode === mode);
  // The tier's list rates less the trader's combined discount: the order desk's own arithmetic.
  // Signed out, the bottom tier's list rates (what a new account pays).
  const rates = useMemo(
    () =>
      ratesOf(
        account?.fees.listMakerRate ?? "0.0010",
        account?.fees.listTakerRate ?? "0.0020",
        account?.fees.combinedDiscount ?? "0",
      ),
    [account?.fees.listMakerRate, account?.fees.listTakerRate, account?.fees.combinedDiscount],
  );
  const bestPrice = side === "buy" ? live.book.asks[0]?.price : live.book.bids[0]?.price;
  // A limit or stop-limit order is sized and valued at its limit price; a market order at the book.
  const priceMinor = kind !== "market" ? toMinor(price, quoteScale) : toMinor(bestPrice ?? "", quoteScale);

  const choosePercent = (percent: PercentChoice) => {
    const available = balance ? toMinor(balance.available, ASSETS[spendAsset].scale) : 0n;
    if (available === null || priceMinor === null) return;
    const size = sizeForPercent({
      side,
      type: kind,
      sizeIn: quoteSized ? "quote" : "base",
      percent,
      availableMinor: available,
      priceMinor,
      baseScale,
      stepMinor: toMinor(market.filters.stepSize, baseScale) ?? 1n,
      rates,
    });
    setAmount(
      "quoteAmountMinor" in size
        ? formatMinor(size.quoteAmountMinor, quoteScale)
        : formatMinor(size.quantityMinor, baseScale, market.quantityDecimals),
    );
  };

  const chooseSide = (choice: Side) => {
    setSide(choice);
    if (choice === "sell") setSizeIn("base");
  };
  const chooseKind = (choice: OrderKind) => {
    setKind(choice);
    if (choice !== "market") {
      setSizeIn("base");
      if (!price && bestPrice) setPrice(bestPrice);
    }
  };
  const toggleSizeIn = () => {
    setSizeIn(sizeIn === "quote" ? "base" : "quote");
    setAmount("");
  };

  return {
    mode,
    setMode,
    side,
    chooseSide,
    kind,
    chooseKind,
    sizeIn,
    toggleSizeIn,
    amount,
    setAmount,
    price,
    setPrice,
    stopPrice,
    setStopPrice,
    priceMinor,
    baseScale,
    quoteScale,
    base,
    quote,
    quoteSized,
    spendAsset,
    balance,
    rates,
    choosePercent,
    estimate: orderEstimate({ amount, quoteSized, side, priceMinor, baseScale, quoteScale, quote, rates }),
  };
}

/** What the order will cost or bring, fee included: the same arithmetic as the hold. */
function orderEstimate(terms: {
  amount: string;
  quoteSized: boolean;
  side: Side;
  priceMinor: bigint | null;
  baseScale: number;
  quoteScale: number;
  quote: string;
  rates: FeeRates;
}): string | null {
  const { quoteSized, side, priceMinor, baseScale, quoteScale, quote, rates } = terms;
  const amountMinor = toMinor(terms.amount, quoteSized ? quoteScale : baseScale);
  if (amountMinor === null || amountMinor <= 0n) return null;
  // Shown as every amount is (money.tsx): "4,990.01 GBP".
  const text = (minor: bigint) => amountText(formatMinor(minor, quoteScale), quote);
  if (quoteSized) {
    return `Spends ${text(amountMinor)} + up to ${text(maxFeeMinor(rates, amountMinor))} fee`;
  }
  if (priceMinor === null || priceMinor <= 0n) return null;
  const value = (amountMinor * priceMinor) / 10n ** BigInt(baseScale);
  const fee = maxFeeMinor(rates, value);
  return side === "buy"
    ? `≈ ${text(value)} + up to ${text(fee)} fee`
    : `≈ ${text(value)} before a fee of up to ${text(fee)}`;
}
