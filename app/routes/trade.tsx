import type { LinksFunction, MetaFunction } from "@remix-run/cloudflare";
import { useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { type ChartPriceLine, PriceChart } from "../components/price-chart.tsx";
import { MarketHeader } from "../components/trade/market-header.tsx";
import { OrderBook, RecentTrades } from "../components/trade/market-panels.tsx";
import { OrderForm } from "../components/trade/order-form.tsx";
import { OrderTables } from "../components/trade/order-history.tsx";
import { PairSelector } from "../components/trade/pair-selector.tsx";
import type { Account } from "../components/trade/types.ts";
import { useLiveMarket } from "../components/trade/use-live-market.ts";
import tradeStyles from "../styles/trade.css?url";
import type { loader } from "./trade.server.ts";

export { action, loader } from "./trade.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: tradeStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.symbol.replace("-", "/") ?? "Trade"} · Trade · CoinHubX` },
];

/** While any order rests, it may fill in the background: balances and orders refresh this often. */
const OPEN_ORDERS_REFRESH_MS = 4_000;

export default function Trade() {
  const { symbol, market, data, account } = useLoaderData<typeof loader>();
  const { live, failed } = useLiveMarket(symbol, data);
  const revalidator = useRevalidator();
  const hasOpenOrders = (account?.openOrders.length ?? 0) > 0;
  useEffect(() => {
    if (!hasOpenOrders) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, OPEN_ORDERS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [hasOpenOrders, revalidator]);

  if (!data || !live) {
    return (
      <section>
        <PairSelector current={symbol} markets={[]} />
        <div className="empty-state" data-testid="trade-unavailable">
          <h2>Market data is unavailable</h2>
          <p>The price source is not answering right now, so trading is paused. Try again in a moment.</p>
        </div>
      </section>
    );
  }
  const stale = live.ticker.stale || live.book.stale || failed;
  const myOrders = (account?.openOrders ?? []).filter((order) => order.symbol === symbol);
  return (
    <section className="trade">
      <PairSelector current={symbol} markets={live.markets} />
      <MarketHeader market={market} ticker={live.ticker} />
      {stale ? (
        <p className="notice-inline" role="alert" data-testid="stale-notice">
          {failed
            ? "Prices are not updating: the connection to the market data failed. Figures shown may be out of date."
            : "Market data is delayed: the price source is not answering, so the last known prices are shown and paper orders will not fill until fresh data returns."}
        </p>
      ) : null}
      <div className="trade-grid">
        <div className="panel chart-card">
          <PriceChart symbol={symbol} initial={data.candles.candles} lines={orderLines(myOrders)} />
        </div>
        <OrderForm symbol={symbol} market={market} live={live} account={account} />
        <OrderBook book={live.book} market={market} last={live.ticker.last} myOrders={myOrders} />
        <RecentTrades trades={live.trades.trades} market={market} />
      </div>
      {account ? <OrderTables account={account} /> : null}
    </section>
  );
}

/**
 * The trader's open orders on this market as lines on the chart: the limit price solid, a
 * stop-limit's stop dashed until it triggers. Green for buys, red for sells.
 */
function orderLines(orders: Account["openOrders"]): ChartPriceLine[] {
  return orders.flatMap((order) => {
    const color = order.side === "buy" ? "#3fb68b" : "#e0605e";
    const side = order.side === "buy" ? "Buy" : "Sell";
    const lines: ChartPriceLine[] = [];
    if (order.price)
      lines.push({
        id: `${order.id}-price`,
        price: order.price,
        title: `${side} ${order.quantity ?? ""}`,
        color,
      });
    if (order.stopPrice && !order.triggeredAt) {
      lines.push({
        id: `${order.id}-stop`,
        price: order.stopPrice,
        title: `${side} stop`,
        color,
        dashed: true,
      });
    }
    return lines;
  });
}
