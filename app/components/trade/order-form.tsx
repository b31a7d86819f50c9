import { Link, useFetcher } from "@remix-run/react";
import { type FormEvent, useEffect } from "react";
import { FormError, useFieldChecks } from "../form.tsx";
import { type TicketField, type TicketProblems, ticketProblems, ticketProblemsOf } from "./order-checks.ts";
import { OrderFacts, OrderFields } from "./order-fields.tsx";
import {
  ModeBanner,
  ModeSwitch,
  OrderKindSwitch,
  OrderResult,
  PercentRow,
  SideSwitch,
} from "./order-form-parts.tsx";
import { toMinor, useOrderTicket } from "./order-ticket.ts";
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
  const { mode, side, kind, amount, price, stopPrice, base, quoteSized, setAmount, setStopPrice } = ticket;
  const submitting = fetcher.state !== "idle";
  const result = fetcher.data;
  const checks = useFieldChecks<TicketField>();
  const { reset } = checks;

  useEffect(() => {
    if (result?.intent !== "place") return;
    // A placed order ends this ticket: its amount and stop go, and so does every old error.
    if (result.order) {
      setAmount("");
      setStopPrice("");
    }
    reset();
  }, [result, setAmount, setStopPrice, reset]);

  const lastMinor = toMinor(live.ticker.last, ticket.quoteScale);
  const problems = ticketProblems(ticket, symbol, lastMinor, account !== null);
  const serverProblems =
    result?.intent === "place" && result.error ? ticketProblemsOf(result.error.fields) : {};
  const errors: TicketProblems = {};
  for (const field of ["amount", "price", "stopPrice"] as const) {
    const shown = checks.shown(field, problems[field] ?? null, serverProblems[field]);
    if (shown) errors[field] = shown;
  }

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (Object.keys(problems).length > 0) {
      checks.checkAll(["amount", "price", "stopPrice"]);
      return;
    }
    const form = new FormData();
    form.set("intent", "place");
    // A fresh key per attempt: a double click is one attempt, the next order is another.
    form.set("key", crypto.randomUUID());
    form.set("symbol", symbol);
    form.set("side", side);
    form.set("type", kind);
    form.set("mode", mode);
    form.set(quoteSized ? "quoteAmount" : "quantity", amount.trim());
    if (kind !== "market") form.set("price", price.trim());
    if (kind === "stop_limit") form.set("stopPrice", stopPrice.trim());
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
      <ModeBanner mode={mode} account={account} liveTradable={market.liveTradable} />
      <SideSwitch side={side} onChange={ticket.chooseSide} />
      <OrderKindSwitch kind={kind} onChange={ticket.chooseKind} />
      <form className="form order-form" onSubmit={submit}>
        <OrderFields
          ticket={ticket}
          market={market}
          errors={errors}
          onBlur={checks.blur}
          onEdit={checks.edit}
        />
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
        {result?.intent === "place" && result.error && Object.keys(serverProblems).length === 0 ? (
          <FormError error={result.error} />
        ) : null}
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
