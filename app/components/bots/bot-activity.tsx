import { useState } from "react";
import type { BotEventView } from "../../../worker/services/bots/model.ts";
import type { OrderView, TradeView } from "../../../worker/services/trading/model.ts";
import { type Column, DataTable } from "../data-table.tsx";
import { DateTime } from "../date-time.tsx";
import { Money } from "../money.tsx";
import { Tabs } from "../tabs.tsx";

/** A bot's orders (with the bot's own key for each) and their fills, one tab at a time. */

export type BotOrder = OrderView & { key: string };

/** The strategy's key as words: "deal-2:so-1" -> "Deal 2 · safety order 1". Unknown keys as they are. */
export function describeOrderKey(key: string): string {
  const deal = /^deal-(\d+):(base|so-(\d+)|tp-\d+|exit-\d+)$/.exec(key);
  if (deal) {
    const [, number, role = "", safety] = deal;
    const what =
      role === "base"
        ? "base order"
        : safety
          ? `safety order ${safety}`
          : role.startsWith("tp-")
            ? "take profit"
            : "stop-loss exit";
    return `Deal ${number} · ${what}`;
  }
  const level = /^grid:L(\d+):(buy|sell):\d+$/.exec(key);
  if (level) return `Level ${level[1]}`;
  if (key.startsWith("grid:opening")) return "Opening buy";
  if (key.startsWith("grid:exit")) return "Exit";
  return key;
}

const ORDER_COLUMNS: Column<BotOrder>[] = [
  { id: "time", header: "Time", className: "muted", cell: (order) => <DateTime value={order.createdAt} /> },
  { id: "role", header: "Order", className: "nowrap", cell: (order) => describeOrderKey(order.key) },
  { id: "side", header: "Side", cell: (order) => <span className={`side-${order.side}`}>{order.side}</span> },
  {
    id: "price",
    header: "Price",
    numeric: true,
    cell: (order) => (order.price ? <Money value={order.price} /> : <span className="muted">market</span>),
  },
  {
    id: "amount",
    header: "Amount",
    numeric: true,
    cell: (order) =>
      order.quantity ? (
        <Money value={order.quantity} unit={order.base} />
      ) : (
        <Money value={order.quoteAmount ?? "0"} unit={order.quote} />
      ),
  },
  {
    id: "filled",
    header: "Filled",
    numeric: true,
    cell: (order) => <Money value={order.filledQuantity} unit={order.base} />,
  },
  {
    id: "average",
    header: "Avg. price",
    numeric: true,
    cell: (order) => (order.averagePrice ? <Money value={order.averagePrice} /> : "—"),
  },
  {
    id: "status",
    header: "Status",
    cell: (order) => (
      <span className={`order-status order-status-${order.status}`} title={order.reason ?? undefined}>
        {order.status.replace("_", " ")}
      </span>
    ),
  },
];

const FILL_COLUMNS: Column<TradeView>[] = [
  { id: "time", header: "Time", className: "muted", cell: (fill) => <DateTime value={fill.time} /> },
  { id: "side", header: "Side", cell: (fill) => <span className={`side-${fill.side}`}>{fill.side}</span> },
  { id: "price", header: "Price", numeric: true, cell: (fill) => <Money value={fill.price} /> },
  {
    id: "amount",
    header: "Amount",
    numeric: true,
    cell: (fill) => <Money value={fill.quantity} unit={fill.symbol.split("-")[0]} />,
  },
  {
    id: "total",
    header: "Total",
    numeric: true,
    cell: (fill) => <Money value={fill.quoteAmount} unit={fill.quoteAsset} />,
  },
  {
    id: "fee",
    header: "Fee",
    numeric: true,
    cell: (fill) => <Money value={fill.fee} unit={fill.feeAsset} />,
  },
  { id: "role", header: "Role", className: "muted", cell: (fill) => fill.liquidity },
];

export function BotActivity({ orders, fills }: { orders: readonly BotOrder[]; fills: readonly TradeView[] }) {
  const [tab, setTab] = useState<"orders" | "fills">("orders");
  return (
    <section className="panel bot-activity" aria-label="Orders and fills">
      <Tabs
        label="The bot's orders and fills"
        selected={tab}
        onSelect={setTab}
        tabs={[
          { id: "orders", label: `Orders (${orders.length})` },
          { id: "fills", label: `Fills (${fills.length})` },
        ]}
      >
        {tab === "orders" ? (
          <DataTable
            className="compact"
            testId="bot-orders"
            columns={ORDER_COLUMNS}
            rows={orders}
            rowKey={(order) => order.id}
            rowProps={(order) => ({ "data-status": order.status })}
            empty="No orders yet: the bot places its first when it starts."
          />
        ) : (
          <DataTable
            className="compact"
            testId="bot-fills"
            columns={FILL_COLUMNS}
            rows={fills}
            rowKey={(fill) => fill.id}
            empty="No fills yet."
          />
        )}
      </Tabs>
    </section>
  );
}

/** "order_placed" -> "Order placed". */
function kindLabel(kind: string): string {
  const words = kind.replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function eventTone(kind: string): string {
  if (kind.startsWith("skipped") || kind.startsWith("refused") || kind === "stop_loss")
    return "event-warning";
  if (kind === "filled" || kind === "take_profit" || kind === "started" || kind === "resumed")
    return "event-positive";
  return "event-neutral";
}

/**
 * Events carry no id: each is keyed by its moment, kind and message, numbered from the oldest
 * among equals, so a key stays the same as newer events arrive at the top.
 */
function withStableKeys(events: readonly BotEventView[]) {
  const seen = new Map<string, number>();
  const keyed: { event: BotEventView; key: string }[] = [];
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index];
    if (!event) continue;
    const base = `${event.at}|${event.kind}|${event.message}`;
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    keyed.push({ event, key: `${base}|${count}` });
  }
  return keyed.reverse();
}

/** What the bot did and why it did not act, newest first. */
export function BotEvents({ events }: { events: readonly BotEventView[] }) {
  return (
    <section className="panel bot-events" aria-labelledby="bot-events-title">
      <h2 id="bot-events-title">Events</h2>
      {events.length === 0 ? (
        <p className="muted">Nothing yet.</p>
      ) : (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: it scrolls (bots.css); a keyboard must reach it.
        <ol className="event-feed" data-testid="bot-events" tabIndex={0}>
          {withStableKeys(events).map(({ event, key }) => (
            <li key={key} className={eventTone(event.kind)} data-kind={event.kind}>
              <div className="event-meta">
                <span className="event-kind">{kindLabel(event.kind)}</span>
                <DateTime value={event.at} className="muted" />
              </div>
              <p className="event-message">{event.message}</p>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
