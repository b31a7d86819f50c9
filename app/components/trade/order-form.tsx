import { Link, useFetcher } from "@remix-run/react";
import { type FormEvent, useEffect } from "react";
import { FormError } from "../form.tsx";
import { OrderFacts, OrderFields } from "./order-fields.tsx";
import {
  ModeBanner,
  ModeSwitch,
  OrderKindSwitch,
  OrderResult,
  PercentRow,
  SideSwitch,
} from "./order-form-parts.tsx";
import { useOrderTicket } from "./order-ticket.ts";
import type { Account, MarketData, MarketInfo, TradeActionData } from "./types.ts";

/** Place an order: PAPER or LIVE, buy or sell, market or limit, sized by amount or by share. */
export function OrderForm({
  symbol,
  market,
  live,
  account,
}: {
  symbol: string;
  market: MarketInfo;
  live: MarketData;
  account: Account | null;
}) {
  const fetcher = useFetcher<TradeActionData>();
  const ticket = useOrderTicket({ market, live, account });
  const { mode, side, kind, amount, price, base, quoteSized, setAmount } = ticket;
  const submitting = fetcher.state !== "idle";
  const result = fetcher.data;

  useEffect(() => {
    if (result?.order && result.intent === "place") setAmount("");
  }, [result, setAmount]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData();
    form.set("intent", "place");
    // A fresh key per attempt: a double click is one attempt, the next order is another.
    form.set("key", crypto.randomUUID());
    form.set("symbol", symbol);
    form.set("side", side);
    form.set("type", kind);
    form.set("mode", mode);
    form.set(quoteSized ? "quoteAmount" : "quantity", amount.trim());
    if (kind === "limit") form.set("price", price.trim());
    fetcher.submit(form, { method: "post" });
  };

  // LIVE needs the platform's exchange account, 2FA on and a live-tradable market; the server
  // enforces each of these too, the button only says which one is missing.
  const liveRefusal =
    mode !== "live"
      ? null
      : !account?.liveTrading
        ? "LIVE unavailable"
        : !account.twoFactorEnabled
          ? "Turn on 2FA for LIVE"
          : !market.liveTradable
            ? "Paper only on this pair"
            : null;
  const liveBlocked = liveRefusal !== null;
  return (
    <div className={`panel order-card order-card-${mode}`} data-testid="order-form" data-mode={mode}>
      <ModeSwitch mode={mode} onChange={ticket.setMode} />
      <ModeBanner mode={mode} account={account} />
      <SideSwitch side={side} onChange={ticket.chooseSide} />
      <OrderKindSwitch kind={kind} onChange={ticket.chooseKind} />
      <form className="form order-form" onSubmit={submit}>
        <OrderFields ticket={ticket} market={market} />
        <PercentRow disabled={!account} onChoose={ticket.choosePercent} />
        <OrderFacts ticket={ticket} fees={account?.fees ?? null} />
        {account ? (
          <button
            type="submit"
            className={`button order-submit ${side}`}
            disabled={submitting || liveBlocked || amount.trim() === ""}
            data-testid="submit-order"
          >
            {submitting
              ? "Placing…"
              : liveRefusal !== null
                ? liveRefusal
                : `${side === "buy" ? "Buy" : "Sell"} ${base}${mode === "paper" ? " (paper)" : " (LIVE)"}`}
          </button>
        ) : (
          <p className="muted">
            <Link to={`/login?redirectTo=${encodeURIComponent(`/trade?symbol=${symbol}`)}`}>Log in</Link> or{" "}
            <Link to="/signup">sign up</Link> to trade.
          </p>
        )}
        {result?.intent === "place" && result.error ? <FormError error={result.error} /> : null}
        {result?.intent === "place" && result.order?.mode === mode ? (
          <OrderResult order={result.order} />
        ) : null}
      </form>
      {account && mode === "paper" ? (
        <p className="hint">
          Need paper funds? <Link to="/wallet">Add them on the Wallet page</Link>.
        </p>
      ) : null}
    </div>
  );
}
