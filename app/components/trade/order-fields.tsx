import { Money } from "../money.tsx";
import { type OrderTicket, percentText } from "./order-ticket.ts";
import type { MarketInfo } from "./types.ts";

/** The order form's inputs (limit price, amount in base or quote) and what it will cost. */

export function OrderFields({ ticket, market }: { ticket: OrderTicket; market: MarketInfo }) {
  const { kind, side, price, setPrice, amount, setAmount, sizeIn, toggleSizeIn, base, quote, quoteSized } =
    ticket;
  return (
    <>
      {kind === "limit" ? (
        <label className="field">
          <span>Limit price ({quote})</span>
          <input
            name="price"
            inputMode="decimal"
            autoComplete="off"
            value={price}
            onChange={(event) => setPrice(event.target.value)}
            data-testid="price-input"
          />
        </label>
      ) : null}
      <label className="field">
        <span className="field-label-row">
          <span>Amount ({quoteSized ? quote : base})</span>
          {side === "buy" && kind === "market" ? (
            <button
              type="button"
              className="link-button small"
              onClick={toggleSizeIn}
              data-testid="size-toggle"
            >
              in {sizeIn === "quote" ? base : quote} instead
            </button>
          ) : null}
        </span>
        <input
          name="amount"
          inputMode="decimal"
          autoComplete="off"
          placeholder={quoteSized ? `e.g. 250.00 ${quote}` : `e.g. ${market.filters.minQuantity} ${base}`}
          value={amount}
          onChange={(event) => setAmount(event.target.value)}
          data-testid="amount-input"
        />
      </label>
    </>
  );
}

export function OrderFacts({ ticket }: { ticket: OrderTicket }) {
  const { balance, spendAsset, rates, estimate } = ticket;
  return (
    <dl className="order-facts">
      <div>
        <dt>Available</dt>
        <dd data-testid="available">
          {balance ? <Money value={balance.available} unit={spendAsset} /> : <span className="muted">—</span>}
        </dd>
      </div>
      <div>
        <dt>Fees</dt>
        <dd>
          maker {percentText(rates.maker.text)} · taker {percentText(rates.taker.text)}
        </dd>
      </div>
      {estimate ? (
        <div>
          <dt>Estimate</dt>
          <dd data-testid="estimate">{estimate}</dd>
        </div>
      ) : null}
    </dl>
  );
}
