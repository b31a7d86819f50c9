import { Link } from "@remix-run/react";
import { RateNow } from "../account/fee-rates.tsx";
import { discountSource, displayName } from "../account/labels.ts";
import { DateTime } from "../date-time.tsx";
import { InputField } from "../form.tsx";
import { Money } from "../money.tsx";
import { percentText } from "../percent.ts";
import type { TicketField, TicketProblems } from "./order-checks.ts";
import type { OrderTicket } from "./order-ticket.ts";
import type { Account, MarketInfo } from "./types.ts";

/** The order form's inputs (limit price, amount in base or quote) and what it will cost. */

export function OrderFields({
  ticket,
  market,
  errors,
  onBlur,
  onEdit,
}: {
  ticket: OrderTicket;
  market: MarketInfo;
  errors: TicketProblems;
  onBlur: (field: TicketField) => void;
  onEdit: (field: TicketField) => void;
}) {
  const { kind, side, price, setPrice, amount, setAmount, sizeIn, toggleSizeIn, base, quote, quoteSized } =
    ticket;
  return (
    <>
      {kind === "stop_limit" ? (
        <InputField
          form="order"
          name="stopPrice"
          label={`Stop price (${quote})`}
          inputMode="decimal"
          autoComplete="off"
          value={ticket.stopPrice}
          error={errors.stopPrice}
          hint={
            side === "buy"
              ? "When the market trades at or above this price, a limit order is placed."
              : "When the market trades at or below this price, a limit order is placed."
          }
          onChange={(event) => {
            ticket.setStopPrice(event.target.value);
            onEdit("stopPrice");
          }}
          onBlur={() => onBlur("stopPrice")}
          data-testid="stop-price-input"
        />
      ) : null}
      {kind !== "market" ? (
        <InputField
          form="order"
          name="price"
          label={`Limit price (${quote})`}
          inputMode="decimal"
          autoComplete="off"
          value={price}
          error={errors.price}
          onChange={(event) => {
            setPrice(event.target.value);
            onEdit("price");
          }}
          onBlur={() => onBlur("price")}
          data-testid="price-input"
        />
      ) : null}
      <InputField
        form="order"
        name="amount"
        label={`Amount (${quoteSized ? quote : base})`}
        labelExtra={
          side === "buy" && kind === "market" ? (
            <button
              type="button"
              className="link-button small"
              onClick={toggleSizeIn}
              data-testid="size-toggle"
            >
              in {sizeIn === "quote" ? base : quote} instead
            </button>
          ) : null
        }
        inputMode="decimal"
        autoComplete="off"
        placeholder={quoteSized ? `e.g. 250.00 ${quote}` : `e.g. ${market.filters.minQuantity} ${base}`}
        value={amount}
        error={errors.amount}
        onChange={(event) => {
          setAmount(event.target.value);
          onEdit("amount");
        }}
        onBlur={() => onBlur("amount")}
        data-testid="amount-input"
      />
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
