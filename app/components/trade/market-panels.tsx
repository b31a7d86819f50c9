import type { OrderView } from "../../../worker/services/trading/model.ts";
import { TimeOfDay } from "../date-time.tsx";
import { Money } from "../money.tsx";
import type { MarketData, MarketInfo } from "./types.ts";

/**
 * The order book and the recent trades of the market on show. Their compact book tables
 * (depth bars, the last price between asks and bids) are their own layout, not DataTables.
 */

export function OrderBook({
  book,
  market,
  last,
  myOrders = [],
}: {
  book: MarketData["book"];
  market: MarketInfo;
  last: string;
  /** The trader's open orders on this market: their price levels are marked. */
  myOrders?: readonly Pick<
    OrderView,
    "side" | "price" | "triggeredAt" | "type" | "quantity" | "filledQuantity"
  >[];
}) {
  // An order rests in the book at its limit price (a stop-limit only once triggered): buys
  // among the bids, sells among the asks. Compared as numbers: "70000.00" and "70000.0" agree.
  const resting = (side: "buy" | "sell") =>
    new Set(
      myOrders
        .filter(
          (order) => order.side === side && order.price && (order.type !== "stop_limit" || order.triggeredAt),
        )
        .map((order) => Number(order.price)),
    );
  const mine = { bid: resting("buy"), ask: resting("sell") };
  // An own order at a price the simulated depth does not show gets a row of its own, in order.
  const withOwn = (levels: MarketData["book"]["bids"], side: "buy" | "sell") => {
    const shown = new Set(levels.map((entry) => Number(entry.price)));
    const own = myOrders
      .filter(
        (order) => order.side === side && order.price && (order.type !== "stop_limit" || order.triggeredAt),
      )
      .filter((order) => !shown.has(Number(order.price)))
      .map((order) => ({
        price: order.price ?? "0",
        quantity: remaining(order.quantity, order.filledQuantity),
      }));
    const merged = [...levels, ...own];
    return merged.sort((a, b) =>
      side === "buy" ? Number(b.price) - Number(a.price) : Number(a.price) - Number(b.price),
    );
  };
  const asks = withOwn(book.asks, "sell");
  const bids = withOwn(book.bids, "buy");
  // Depth bars: pixel widths only, from the quantities' magnitudes.
  const maxQuantity = Math.max(...[...book.bids, ...book.asks].map((level) => Number(level.quantity)), 0);
  const width = (quantity: string) => `${maxQuantity > 0 ? (Number(quantity) / maxQuantity) * 100 : 0}%`;
  const level = (side: "ask" | "bid") => (entry: MarketData["book"]["bids"][number]) => {
    const own = mine[side].has(Number(entry.price));
    return (
      <tr
        key={`${side[0]}${entry.price}`}
        className={own ? `book-${side} book-mine` : `book-${side}`}
        data-mine={own ? "true" : undefined}
      >
        <td className="numeric">
          <span className="depth" style={{ width: width(entry.quantity) }} />
          {own ? (
            <span className="book-mine-mark" title="Your order">
              <span aria-hidden="true">● </span>
              <span className="visually-hidden">Your order at </span>
            </span>
          ) : null}
          <Money value={entry.price} />
        </td>
        <td className="numeric">
          <Money value={entry.quantity} maxDecimals={market.quantityDecimals} />
        </td>
      </tr>
    );
  };
  return (
    <div className="panel book-card" data-testid="order-book">
      <div className="panel-header">
        <h2>Order book</h2>
        <span className="muted small">Simulated depth</span>
      </div>
      <table className="book-table">
        <thead>
          <tr>
            <th className="numeric">Price ({market.quote})</th>
            <th className="numeric">Amount ({market.base})</th>
          </tr>
        </thead>
        <tbody>
          {[...asks].reverse().map(level("ask"))}
          <tr className="book-mid">
            <td className="numeric" colSpan={2}>
              <Money value={last} unit={market.quote} />
            </td>
          </tr>
          {bids.map(level("bid"))}
        </tbody>
      </table>
    </div>
  );
}

export function RecentTrades({
  trades,
  market,
}: {
  trades: MarketData["trades"]["trades"];
  market: MarketInfo;
}) {
  return (
    <div className="panel trades-card" data-testid="recent-trades">
      <div className="panel-header">
        <h2>Recent trades</h2>
      </div>
      <table className="book-table">
        <thead>
          <tr>
            <th className="numeric">Price</th>
            <th className="numeric">Amount</th>
            <th className="numeric">Time (UTC)</th>
          </tr>
        </thead>
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: it scrolls (trade.css); a keyboard must reach it. */}
        <tbody tabIndex={0}>
          {trades.map((trade) => (
            <tr key={trade.id} className={trade.takerSide === "buy" ? "book-bid" : "book-ask"}>
              <td className="numeric">
                <Money value={trade.price} />
              </td>
              <td className="numeric">
                <Money value={trade.quantity} maxDecimals={market.quantityDecimals} />
              </td>
              <td className="numeric muted">
                <TimeOfDay value={trade.time} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * What is left of an order's quantity, for its row in the book. Both strings come from the
 * API at the base asset's scale, so the subtraction is exact on their digits.
 */
function remaining(quantity: string | null, filled: string): string {
  if (quantity === null) return "0";
  const decimals = quantity.split(".")[1]?.length ?? 0;
  const digits = (text: string) => BigInt(text.replace(".", "") || "0");
  const left = digits(quantity) - digits(filled.padEnd(quantity.length, "0"));
  if (left <= 0n) return "0";
  const text = left.toString().padStart(decimals + 1, "0");
  return decimals === 0 ? text : `${text.slice(0, -decimals)}.${text.slice(-decimals)}`;
}
