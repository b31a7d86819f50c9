import { Link } from "@remix-run/react";
import { RateNow } from "../account/fee-rates.tsx";
import { discountSource, displayName } from "../account/labels.ts";
import { DateTime } from "../date-time.tsx";
import { Money } from "../money.tsx";
import { percentText } from "../percent.ts";
import type { OrderTicket } from "./order-ticket.ts";
import type { Account, MarketInfo } from "./types.ts";

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

export function OrderFacts({ ticket, fees }: { ticket: OrderTicket; fees: Account["fees"] | null }) {
  const { balance, spendAsset, rates, estimate } = ticket;
  return (
    <>
      <dl className="order-facts">
        <div>
          <dt>Available</dt>
          <dd data-testid="available">
            {balance ? (
              <Money value={balance.available} unit={spendAsset} />
            ) : (
              <span className="muted">—</span>
            )}
          </dd>
        </div>
        <div className="order-facts-fees">
          <dt>
            Fees
            {fees ? <span className="fee-tier"> · {displayName(fees.tier)} tier</span> : null}
          </dt>
          <dd data-testid="ticket-fees">
            <span className="fee-line" data-testid="ticket-fee-maker">
              maker{" "}
              {fees ? (
                <RateNow now={fees.makerRate} list={fees.listMakerRate} />
              ) : (
                percentText(rates.maker.text)
              )}
            </span>
            <span className="fee-line" data-testid="ticket-fee-taker">
              taker{" "}
              {fees ? (
                <RateNow now={fees.takerRate} list={fees.listTakerRate} />
              ) : (
                percentText(rates.taker.text)
              )}
            </span>
          </dd>
        </div>
        {estimate ? (
          <div>
            <dt>Estimate</dt>
            <dd data-testid="estimate">{estimate}</dd>
          </div>
        ) : null}
      </dl>
      {fees ? <FeeNote fees={fees} /> : null}
    </>
  );
}

/** Why the rates are what they are (each discount, until when) and where the tiers are explained. */
function FeeNote({ fees }: { fees: Account["fees"] }) {
  return (
    <p className="hint fee-note" data-testid="ticket-fee-note">
      {fees.discounts.map((discount) => (
        <span key={discount.source} className="fee-note-discount">
          {percentText(discount.rate, { minDecimals: 0 })} off:{" "}
          {discountSource(discount.source).toLowerCase()}
          {discount.until ? (
            <>
              {" "}
              until <DateTime value={discount.until} />
            </>
          ) : null}
          .{" "}
        </span>
      ))}
      <Link to="/account">Fee tiers</Link>
    </p>
  );
}
