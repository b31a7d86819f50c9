import { Link } from "@remix-run/react";
import type { OrderView } from "../../../worker/services/trading/model.ts";
import { PERCENT_CHOICES, type PercentChoice } from "../../../worker/services/trading/sizing.ts";
import { Money } from "../money.tsx";
import type { Mode, OrderKind, Side } from "./order-ticket.ts";
import type { Account } from "./types.ts";

/** The order form's switches, banner and result line (order-form.tsx puts them together). */

export function ModeSwitch({ mode, onChange }: { mode: Mode; onChange: (mode: Mode) => void }) {
  return (
    <fieldset className="mode-switch" aria-label="Trading mode">
      {(["paper", "live"] as const).map((choice) => (
        <button
          key={choice}
          type="button"
          aria-pressed={mode === choice}
          className={`mode-option mode-option-${choice}${mode === choice ? " active" : ""}`}
          onClick={() => onChange(choice)}
          data-testid={`mode-${choice}`}
        >
          {choice === "paper" ? "PAPER" : "LIVE"}
          <span className="mode-hint">{choice === "paper" ? "simulated money" : "real money"}</span>
        </button>
      ))}
    </fieldset>
  );
}

export function ModeBanner({
  mode,
  account,
  liveTradable = true,
}: {
  mode: Mode;
  account: Account | null;
  /** The market's `liveTradable` (listed on the exchange and an exchange account configured). */
  liveTradable?: boolean;
}) {
  if (mode === "paper") {
    return (
      <p className="mode-banner mode-banner-paper" data-testid="mode-banner">
        <span className="mode-badge mode-paper">PAPER</span> Orders fill on the simulated market with paper
        funds.
      </p>
    );
  }
  return (
    <div className="mode-banner mode-banner-live" role="alert" data-testid="mode-banner">
      <span className="mode-badge mode-live">LIVE</span>{" "}
      {account && !account.twoFactorEnabled ? (
        <>
          LIVE orders need two-factor authentication. <Link to="/security">Turn it on</Link> first.
        </>
      ) : account && !account.liveTrading ? (
        <>
          LIVE trading is not available: the platform's exchange account is not connected. No LIVE order can
          be placed, and no real money will move.
        </>
      ) : !liveTradable ? (
        <>This market cannot be traded LIVE here: PAPER only. No LIVE order can be placed on it.</>
      ) : (
        <>
          Orders go to the exchange and move real money from your LIVE book. Check the amount before you
          submit.
        </>
      )}
    </div>
  );
}

export function SideSwitch({ side, onChange }: { side: Side; onChange: (side: Side) => void }) {
  return (
    <fieldset className="segmented side-switch" aria-label="Side">
      <button
        type="button"
        className={side === "buy" ? "segment active buy" : "segment"}
        onClick={() => onChange("buy")}
        data-testid="side-buy"
      >
        Buy
      </button>
      <button
        type="button"
        className={side === "sell" ? "segment active sell" : "segment"}
        onClick={() => onChange("sell")}
        data-testid="side-sell"
      >
        Sell
      </button>
    </fieldset>
  );
}

export function OrderKindSwitch({
  kind,
  onChange,
}: {
  kind: OrderKind;
  onChange: (kind: OrderKind) => void;
}) {
  return (
    <fieldset className="segmented" aria-label="Order type">
      {(["market", "limit", "stop_limit"] as const).map((choice) => (
        <button
          key={choice}
          type="button"
          aria-pressed={kind === choice}
          className={kind === choice ? "segment active" : "segment"}
          onClick={() => onChange(choice)}
          data-testid={`type-${choice}`}
        >
          {choice === "market" ? "Market" : choice === "limit" ? "Limit" : "Stop-limit"}
        </button>
      ))}
    </fieldset>
  );
}

export function PercentRow({
  disabled,
  onChoose,
}: {
  disabled: boolean;
  onChoose: (percent: PercentChoice) => void;
}) {
  return (
    <fieldset className="percent-row" aria-label="Share of available balance">
      {PERCENT_CHOICES.map((percent) => (
        <button
          key={percent}
          type="button"
          className="segment"
          disabled={disabled}
          onClick={() => onChoose(percent)}
          data-testid={`percent-${percent}`}
        >
          {percent} %
        </button>
      ))}
    </fieldset>
  );
}

export function OrderResult({ order }: { order: OrderView }) {
  const verb = order.side === "buy" ? "Bought" : "Sold";
  if (order.status === "filled" || (order.status === "cancelled" && order.filledQuantity !== "0")) {
    return (
      <p className="form-success" role="status" data-testid="order-result">
        {verb} <Money value={order.filledQuantity} unit={order.base} /> at an average of{" "}
        <Money value={order.averagePrice ?? "0"} unit={order.quote} />, fee{" "}
        <Money value={order.fee} unit={order.feeAsset} />.
      </p>
    );
  }
  if (order.type === "stop_limit" && order.triggeredAt === null) {
    return (
      <p className="form-success" role="status" data-testid="order-result">
        Stop-limit order placed: {order.side} <Money value={order.quantity ?? "0"} unit={order.base} /> at{" "}
        <Money value={order.price ?? "0"} unit={order.quote} /> once the market reaches{" "}
        <Money value={order.stopPrice ?? "0"} unit={order.quote} />. Its funds are held until then.
      </p>
    );
  }
  return (
    <p className="form-success" role="status" data-testid="order-result">
      Limit order placed: {order.side} <Money value={order.quantity ?? "0"} unit={order.base} /> at{" "}
      <Money value={order.price ?? "0"} unit={order.quote} />. It fills when the market reaches the price.
    </p>
  );
}
