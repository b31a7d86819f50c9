import { useFetcher } from "@remix-run/react";
import { useState } from "react";
import type { OrderView, TradeView } from "../../../worker/services/trading/model.ts";
import { CoinIcon } from "../coin-icon.tsx";
import { type Column, DataTable } from "../data-table.tsx";
import { DateTime } from "../date-time.tsx";
import { FormError } from "../form.tsx";
import { ModeBadge } from "../mode-badge.tsx";
import { Money } from "../money.tsx";
import { Tabs } from "../tabs.tsx";
import type { Account, TradeActionData } from "./types.ts";

type Tab = "open" | "orders" | "trades";

/** The signed-in trader's open orders, order history and fills, one tab at a time. */
export function OrderTables({ account }: { account: Account }) {
  const [tab, setTab] = useState<Tab>("open");
  return (
    <div className="panel history-card" data-testid="order-tables">
      <Tabs
        label="Your orders and trades"
        selected={tab}
        onSelect={setTab}
        tabs={[
          { id: "open", label: `Open orders (${account.openOrders.length})` },
          { id: "orders", label: "Order history" },
          { id: "trades", label: "Trade history" },
        ]}
      >
        {tab === "trades" ? (
          <TradeTable trades={account.trades} />
        ) : (
          <OrderTable
            orders={tab === "open" ? account.openOrders : account.orders}
            cancellable={tab === "open"}
          />
        )}
      </Tabs>
    </div>
  );
}

const ORDER_COLUMNS: Column<OrderView>[] = [
  { id: "time", header: "Time", className: "muted", cell: (order) => <DateTime value={order.createdAt} /> },
  {
    id: "market",
    header: "Market",
    cell: (order) => (
      <>
        <ModeBadge mode={order.mode} /> {order.base}/{order.quote}
      </>
    ),
  },
  { id: "side", header: "Side", cell: (order) => <span className={`side-${order.side}`}>{order.side}</span> },
  { id: "type", header: "Type", cell: (order) => order.type.replace("_", "-") },
  {
    id: "price",
    header: "Price",
    numeric: true,
    cell: (order) => (order.price ? <Money value={order.price} /> : <span className="muted">market</span>),
  },
  {
    id: "stop",
    header: "Stop",
    numeric: true,
    cell: (order) => (order.stopPrice ? <Money value={order.stopPrice} /> : <span className="muted">—</span>),
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
    id: "fee",
    header: "Fee",
    numeric: true,
    cell: (order) => <Money value={order.fee} unit={order.feeAsset} />,
  },
  {
    id: "status",
    header: "Status",
    cell: (order) => <OrderStatusCell order={order} />,
  },
];

/**
 * A stop-limit order that is still open says where it stands: waiting for its stop, or
 * triggered (resting as a limit order since the market reached the stop).
 */
function OrderStatusCell({ order }: { order: OrderView }) {
  const open = order.status === "open" || order.status === "partially_filled";
  if (order.type === "stop_limit" && open) {
    return order.triggeredAt ? (
      <span
        className="status status-triggered"
        data-testid="order-triggered"
        title={`Triggered ${order.triggeredAt}`}
      >
        Triggered{order.status === "partially_filled" ? ", partially filled" : ""}
      </span>
    ) : (
      <span className="status status-waiting" data-testid="order-waiting">
        waiting for stop
      </span>
    );
  }
  return (
    <span className={`status status-${order.status}`} title={order.reason ?? undefined}>
      {order.status.replace("_", " ")}
    </span>
  );
}

function OrderTable({ orders, cancellable }: { orders: OrderView[]; cancellable: boolean }) {
  const fetcher = useFetcher<TradeActionData>();
  const cancel: Column<OrderView> = {
    id: "cancel",
    numeric: true,
    cell: (order) => (
      <fetcher.Form method="post">
        <input type="hidden" name="intent" value="cancel" />
        <input type="hidden" name="orderId" value={order.id} />
        <button
          type="submit"
          className="button button-small button-secondary"
          disabled={fetcher.state !== "idle"}
          data-testid="cancel-order"
        >
          Cancel
        </button>
      </fetcher.Form>
    ),
  };
  return (
    <>
      {fetcher.data?.error ? <FormError error={fetcher.data.error} /> : null}
      <DataTable
        className="compact"
        testId={cancellable ? "open-orders" : "order-history"}
        columns={cancellable ? [...ORDER_COLUMNS, cancel] : ORDER_COLUMNS}
        rows={orders}
        rowKey={(order) => order.id}
        rowProps={(order) => ({ "data-order-id": order.id })}
        empty={cancellable ? "No open orders." : "No orders yet."}
      />
    </>
  );
}

function pairOf(trade: TradeView): { base: string; quote: string } {
  const [base = "", quote = ""] = trade.symbol.split("-");
  return { base, quote };
}

const TRADE_COLUMNS: Column<TradeView>[] = [
  { id: "time", header: "Time", className: "muted", cell: (trade) => <DateTime value={trade.time} /> },
  {
    id: "market",
    header: "Market",
    cell: (trade) => {
      const { base, quote } = pairOf(trade);
      return (
        <>
          <ModeBadge mode={trade.mode} /> <CoinIcon code={base} size={16} /> {base}/{quote}
        </>
      );
    },
  },
  { id: "side", header: "Side", cell: (trade) => <span className={`side-${trade.side}`}>{trade.side}</span> },
  { id: "role", header: "Role", className: "muted", cell: (trade) => trade.liquidity },
  { id: "price", header: "Price", numeric: true, cell: (trade) => <Money value={trade.price} /> },
  {
    id: "amount",
    header: "Amount",
    numeric: true,
    cell: (trade) => <Money value={trade.quantity} unit={pairOf(trade).base} />,
  },
  {
    id: "total",
    header: "Total",
    numeric: true,
    cell: (trade) => <Money value={trade.quoteAmount} unit={trade.quoteAsset} />,
  },
  {
    id: "fee",
    header: "Fee",
    numeric: true,
    cell: (trade) => <Money value={trade.fee} unit={trade.feeAsset} />,
  },
];

function TradeTable({ trades }: { trades: TradeView[] }) {
  return (
    <DataTable
      className="compact"
      testId="trade-history"
      columns={TRADE_COLUMNS}
      rows={trades}
      rowKey={(trade) => trade.id}
      empty="No trades yet."
    />
  );
}
