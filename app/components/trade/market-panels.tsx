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
}: {
  book: MarketData["book"];
  market: MarketInfo;
  last: string;
}) {
  // Depth bars: pixel widths only, from the quantities' magnitudes.
  const maxQuantity = Math.max(...[...book.bids, ...book.asks].map((level) => Number(level.quantity)), 0);
  const width = (quantity: string) => `${maxQuantity > 0 ? (Number(quantity) / maxQuantity) * 100 : 0}%`;
  const level = (side: "ask" | "bid") => (entry: MarketData["book"]["bids"][number]) => (
    <tr key={`${side[0]}${entry.price}`} className={`book-${side}`}>
      <td className="numeric">
        <span className="depth" style={{ width: width(entry.quantity) }} />
        <Money value={entry.price} />
      </td>
      <td className="numeric">
        <Money value={entry.quantity} maxDecimals={market.quantityDecimals} />
      </td>
    </tr>
  );
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
          {[...book.asks].reverse().map(level("ask"))}
          <tr className="book-mid">
            <td className="numeric" colSpan={2}>
              <Money value={last} unit={market.quote} />
            </td>
          </tr>
          {book.bids.map(level("bid"))}
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
            <th className="numeric">Time</th>
          </tr>
        </thead>
        <tbody>
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
