import type {
  ActionFunctionArgs,
  LinksFunction,
  LoaderFunctionArgs,
  MetaFunction,
} from "@remix-run/cloudflare";
import { Link, useFetcher, useLoaderData, useRevalidator } from "@remix-run/react";
import { type FormEvent, useEffect, useMemo, useState } from "react";
import { ASSETS, type AssetCode } from "../../worker/services/ledger/assets.ts";
import { formatMinor, parseDecimal, toScaleRounded } from "../../worker/services/markets/decimal.ts";
import { maxFeeMinor, ratesOf } from "../../worker/services/trading/fees.ts";
import type { OrderView, TradeView } from "../../worker/services/trading/model.ts";
import { PERCENT_CHOICES, type PercentChoice, sizeForPercent } from "../../worker/services/trading/sizing.ts";
import { CoinIcon, PairIcon } from "../components/coin-icon.tsx";
import { FormError } from "../components/form.tsx";
import { Money } from "../components/money.tsx";
import { PriceChart } from "../components/price-chart.tsx";
import tradeStyles from "../styles/trade.css?url";
import { withDependencies } from "../utils/dependencies.server.ts";
import { pageCaller } from "../utils/session.server.ts";
import { loadTradePage, symbolOf, tradeAction } from "../utils/trade.server.ts";
import { BOOK_DEPTH, RECENT_TRADES } from "../utils/trade.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: tradeStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.symbol.replace("-", "/") ?? "Trade"} · Trade · CoinHubX` },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const symbol = symbolOf(new URL(request.url));
  const auth = await withDependencies(() => context.auth());
  return withDependencies(() => loadTradePage(context.services, auth, symbol));
}

/** Place and cancel through the trading service: the very path POST/DELETE /api/v1/orders take. */
export async function action({ request, context }: ActionFunctionArgs) {
  const caller = await pageCaller(context, request);
  return tradeAction(caller, await request.formData());
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;
type MarketData = NonNullable<LoaderData["data"]>;
type Account = NonNullable<LoaderData["account"]>;
type ActionData = {
  intent?: string | undefined;
  order: OrderView | null;
  error: { code: string; message: string; fields?: Record<string, string> } | null;
};

const POLL_MS = 2_000;

/** Ticker, book and trades from the public endpoints every two seconds, without a reload. */
function useLiveMarket(symbol: string, initial: MarketData | null) {
  const [live, setLive] = useState(initial);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    setLive(initial);
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const get = async <T,>(path: string): Promise<T> => {
          const response = await fetch(`/api/v1/markets/${symbol}${path}`);
          if (!response.ok) throw new Error(String(response.status));
          return (await response.json()) as T;
        };
        const [ticker, book, trades] = await Promise.all([
          get<{ ticker: MarketData["ticker"] }>("/ticker"),
          get<MarketData["book"]>(`/book?depth=${BOOK_DEPTH}`),
          get<MarketData["trades"]>(`/trades?limit=${RECENT_TRADES}`),
        ]);
        if (!stopped) {
          setLive((previous) => (previous ? { ...previous, ticker: ticker.ticker, book, trades } : previous));
          setFailed(false);
        }
      } catch {
        if (!stopped) setFailed(true);
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    timer = setTimeout(poll, POLL_MS);
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [symbol, initial]);
  return { live, failed };
}

export default function Trade() {
  const { symbol, market, data, account } = useLoaderData<typeof loader>();
  const { live, failed } = useLiveMarket(symbol, data);
  const revalidator = useRevalidator();
  const hasOpenOrders = (account?.openOrders.length ?? 0) > 0;
  // Resting orders fill in the background: refresh balances and orders while any are open.
  useEffect(() => {
    if (!hasOpenOrders) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, 4_000);
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
  return (
    <section className="trade">
      <PairSelector current={symbol} markets={live.markets} />
      <header className="trade-header">
        <div className="trade-pair">
          <PairIcon base={market.base} quote={market.quote} size={30} />
          <div>
            <h1>
              {market.base}
              <span className="market-quote">/{market.quote}</span>
            </h1>
            <span className="muted">{ASSETS[market.base as AssetCode].name}</span>
          </div>
        </div>
        <div className="trade-stat trade-last" data-testid="last-price">
          <span className="figure-label">Last price</span>
          <Money value={live.ticker.last} unit={market.quote} />
        </div>
        <div className="trade-stat">
          <span className="figure-label">24h change</span>
          <Money value={live.ticker.change24h} unit="%" change />
        </div>
        <div className="trade-stat">
          <span className="figure-label">24h high</span>
          <Money value={live.ticker.high24h} />
        </div>
        <div className="trade-stat">
          <span className="figure-label">24h low</span>
          <Money value={live.ticker.low24h} />
        </div>
        <div className="trade-stat">
          <span className="figure-label">24h volume</span>
          <Money value={live.ticker.volume24h} unit={market.base} maxDecimals={2} />
        </div>
      </header>
      {stale ? (
        <p className="notice-inline" role="alert" data-testid="stale-notice">
          {failed
            ? "Prices are not updating: the connection to the market data failed. Figures shown may be out of date."
            : "Market data is delayed: the price source is not answering, so the last known prices are shown and paper orders will not fill until fresh data returns."}
        </p>
      ) : null}
      <div className="trade-grid">
        <div className="panel chart-card">
          <PriceChart symbol={symbol} initial={data.candles.candles} />
        </div>
        <OrderForm symbol={symbol} market={market} live={live} account={account} />
        <OrderBook book={live.book} market={market} last={live.ticker.last} />
        <RecentTrades trades={live.trades.trades} market={market} />
      </div>
      {account ? <OrderTables account={account} /> : null}
    </section>
  );
}

function PairSelector({ current, markets }: { current: string; markets: MarketData["markets"] }) {
  const rows = markets.length > 0 ? markets : [];
  return (
    <nav className="pair-selector" aria-label="Markets" data-testid="pair-selector">
      {rows.map((row) => (
        <Link
          key={row.symbol}
          to={`/trade?symbol=${row.symbol}`}
          className={row.symbol === current ? "pair-chip active" : "pair-chip"}
          aria-current={row.symbol === current ? "page" : undefined}
          prefetch="none"
        >
          <PairIcon base={row.base} quote={row.quote} size={16} />
          <span>
            {row.base}/{row.quote}
          </span>
          <Money value={row.change24h} unit="%" change className="pair-chip-change" />
        </Link>
      ))}
    </nav>
  );
}

type MarketInfo = LoaderData["market"];

function OrderBook({ book, market, last }: { book: MarketData["book"]; market: MarketInfo; last: string }) {
  // Depth bars: pixel widths only, from the quantities' magnitudes.
  const maxQuantity = Math.max(...[...book.bids, ...book.asks].map((level) => Number(level.quantity)), 0);
  const width = (quantity: string) => `${maxQuantity > 0 ? (Number(quantity) / maxQuantity) * 100 : 0}%`;
  const asks = [...book.asks].reverse();
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
          {asks.map((level) => (
            <tr key={`a${level.price}`} className="book-ask">
              <td className="numeric">
                <span className="depth" style={{ width: width(level.quantity) }} />
                <Money value={level.price} />
              </td>
              <td className="numeric">
                <Money value={level.quantity} maxDecimals={market.quantityDecimals} />
              </td>
            </tr>
          ))}
          <tr className="book-mid">
            <td className="numeric" colSpan={2}>
              <Money value={last} unit={market.quote} />
            </td>
          </tr>
          {book.bids.map((level) => (
            <tr key={`b${level.price}`} className="book-bid">
              <td className="numeric">
                <span className="depth" style={{ width: width(level.quantity) }} />
                <Money value={level.price} />
              </td>
              <td className="numeric">
                <Money value={level.quantity} maxDecimals={market.quantityDecimals} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RecentTrades({ trades, market }: { trades: MarketData["trades"]["trades"]; market: MarketInfo }) {
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
              <td className="numeric muted">{new Date(trade.time).toISOString().slice(11, 19)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type Side = "buy" | "sell";
type OrderKind = "market" | "limit";
type Mode = "paper" | "live";

/** Decimal text -> minor units at `scale`, rounded down; null when it is not a plain decimal. */
function toMinor(value: string, scale: number): bigint | null {
  const parsed = parseDecimal(value.trim());
  return parsed ? toScaleRounded(parsed, scale, "floor") : null;
}

function OrderForm({
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
  const fetcher = useFetcher<ActionData>();
  const [mode, setMode] = useState<Mode>("paper");
  const [side, setSide] = useState<Side>("buy");
  const [kind, setKind] = useState<OrderKind>("market");
  const [sizeIn, setSizeIn] = useState<"base" | "quote">("quote");
  const [amount, setAmount] = useState("");
  const [price, setPrice] = useState("");
  const base = market.base as AssetCode;
  const quote = market.quote as AssetCode;
  const baseScale = ASSETS[base].scale;
  const quoteScale = ASSETS[quote].scale;
  const quoteSized = side === "buy" && kind === "market" && sizeIn === "quote";
  const spendAsset = side === "buy" ? quote : base;
  const balance = account?.wallets.find((wallet) => wallet.asset === spendAsset && wallet.mode === mode);
  const rates = useMemo(
    () => ratesOf(account?.fees.makerRate ?? "0.0010", account?.fees.takerRate ?? "0.0020"),
    [account?.fees.makerRate, account?.fees.takerRate],
  );
  const bestPrice = side === "buy" ? live.book.asks[0]?.price : live.book.bids[0]?.price;
  const priceMinor = kind === "limit" ? toMinor(price, quoteScale) : toMinor(bestPrice ?? "", quoteScale);
  const submitting = fetcher.state !== "idle";
  const result = fetcher.data;

  useEffect(() => {
    if (result?.order && result.intent === "place") setAmount("");
  }, [result]);

  const choosePercent = (percent: PercentChoice) => {
    const available = balance ? toMinor(balance.available, ASSETS[spendAsset].scale) : 0n;
    if (available === null || priceMinor === null) return;
    const size = sizeForPercent({
      side,
      type: kind,
      sizeIn: quoteSized ? "quote" : "base",
      percent,
      availableMinor: available,
      priceMinor,
      baseScale,
      stepMinor: toMinor(market.filters.stepSize, baseScale) ?? 1n,
      rates,
    });
    setAmount(
      "quoteAmountMinor" in size
        ? formatMinor(size.quoteAmountMinor, quoteScale)
        : formatMinor(size.quantityMinor, baseScale, market.quantityDecimals),
    );
  };

  // What the order will cost or bring, fee included: the same arithmetic as the hold.
  let estimate: string | null = null;
  const amountMinor = toMinor(amount, quoteSized ? quoteScale : baseScale);
  if (amountMinor !== null && amountMinor > 0n) {
    if (quoteSized) {
      estimate = `Spends ${formatMinor(amountMinor, quoteScale)} ${quote} + up to ${formatMinor(maxFeeMinor(rates, amountMinor), quoteScale)} ${quote} fee`;
    } else if (priceMinor !== null && priceMinor > 0n) {
      const value = (amountMinor * priceMinor) / 10n ** BigInt(baseScale);
      const fee = maxFeeMinor(rates, value);
      estimate =
        side === "buy"
          ? `≈ ${formatMinor(value, quoteScale)} ${quote} + up to ${formatMinor(fee, quoteScale)} ${quote} fee`
          : `≈ ${formatMinor(value, quoteScale)} ${quote} before a fee of up to ${formatMinor(fee, quoteScale)} ${quote}`;
    }
  }

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData();
    form.set("intent", "place");
    // A fresh key per attempt: a double click is one attempt, the next order is another.
    form.set("key", crypto.randomUUID());
    form.set("symbol", symbol);
    form.set("side", side);
    form.set("type", kind);
    form.set("mode", mode);
    form.set(quoteSized ? "quoteAmount" : "quantity", amount.trim());
    if (kind === "limit") form.set("price", price.trim());
    fetcher.submit(form, { method: "post" });
  };

  const liveBlocked = mode === "live";
  return (
    <div className={`panel order-card order-card-${mode}`} data-testid="order-form" data-mode={mode}>
      <fieldset className="mode-switch" aria-label="Trading mode">
        {(["paper", "live"] as const).map((choice) => (
          <button
            key={choice}
            type="button"
            aria-pressed={mode === choice}
            className={`mode-option mode-option-${choice}${mode === choice ? " active" : ""}`}
            onClick={() => setMode(choice)}
            data-testid={`mode-${choice}`}
          >
            {choice === "paper" ? "PAPER" : "LIVE"}
            <span className="mode-hint">{choice === "paper" ? "simulated money" : "real money"}</span>
          </button>
        ))}
      </fieldset>
      {mode === "paper" ? (
        <p className="mode-banner mode-banner-paper" data-testid="mode-banner">
          <span className="mode-badge mode-paper">PAPER</span> Orders fill on the simulated market with paper
          funds.
        </p>
      ) : (
        <div className="mode-banner mode-banner-live" role="alert" data-testid="mode-banner">
          <span className="mode-badge mode-live">LIVE</span>{" "}
          {account && !account.twoFactorEnabled ? (
            <>
              LIVE orders need two-factor authentication. <Link to="/security">Turn it on</Link> first.
            </>
          ) : (
            <>
              LIVE trading is not available yet: the exchange connection is still being built. No LIVE order
              can be placed, and no real money will move.
            </>
          )}
        </div>
      )}
      <fieldset className="segmented side-switch" aria-label="Side">
        <button
          type="button"
          className={side === "buy" ? "segment active buy" : "segment"}
          onClick={() => setSide("buy")}
          data-testid="side-buy"
        >
          Buy
        </button>
        <button
          type="button"
          className={side === "sell" ? "segment active sell" : "segment"}
          onClick={() => {
            setSide("sell");
            setSizeIn("base");
          }}
          data-testid="side-sell"
        >
          Sell
        </button>
      </fieldset>
      <fieldset className="segmented" aria-label="Order type">
        {(["market", "limit"] as const).map((choice) => (
          <button
            key={choice}
            type="button"
            className={kind === choice ? "segment active" : "segment"}
            onClick={() => {
              setKind(choice);
              if (choice === "limit") {
                setSizeIn("base");
                if (!price && bestPrice) setPrice(bestPrice);
              }
            }}
            data-testid={`type-${choice}`}
          >
            {choice === "market" ? "Market" : "Limit"}
          </button>
        ))}
      </fieldset>
      <form className="form order-form" onSubmit={submit}>
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
                onClick={() => {
                  setSizeIn(sizeIn === "quote" ? "base" : "quote");
                  setAmount("");
                }}
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
        <fieldset className="percent-row" aria-label="Share of available balance">
          {PERCENT_CHOICES.map((percent) => (
            <button
              key={percent}
              type="button"
              className="segment"
              disabled={!account}
              onClick={() => choosePercent(percent)}
              data-testid={`percent-${percent}`}
            >
              {percent} %
            </button>
          ))}
        </fieldset>
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
        {account ? (
          <button
            type="submit"
            className={`button order-submit ${side}`}
            disabled={submitting || liveBlocked || amount.trim() === ""}
            data-testid="submit-order"
          >
            {submitting
              ? "Placing…"
              : liveBlocked
                ? "LIVE unavailable"
                : `${side === "buy" ? "Buy" : "Sell"} ${base}${mode === "paper" ? " (paper)" : ""}`}
          </button>
        ) : (
          <p className="muted">
            <Link to={`/login?redirectTo=${encodeURIComponent(`/trade?symbol=${symbol}`)}`}>Log in</Link> or{" "}
            <Link to="/signup">sign up</Link> to trade.
          </p>
        )}
        {result?.intent === "place" && result.error ? <FormError error={result.error} /> : null}
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

function percentText(rate: string): string {
  // "0.0010" -> "0.10 %": a decimal shift of the text, no arithmetic.
  const parsed = parseDecimal(rate);
  return parsed ? `${formatMinor(toScaleRounded(parsed, 4, "half-up"), 2)} %` : rate;
}

function OrderResult({ order }: { order: OrderView }) {
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
  return (
    <p className="form-success" role="status" data-testid="order-result">
      Limit order placed: {order.side} <Money value={order.quantity ?? "0"} unit={order.base} /> at{" "}
      <Money value={order.price ?? "0"} unit={order.quote} />. It fills when the market reaches the price.
    </p>
  );
}

function OrderTables({ account }: { account: Account }) {
  const [tab, setTab] = useState<"open" | "orders" | "trades">("open");
  return (
    <div className="panel history-card" data-testid="order-tables">
      <div className="segmented tabs" role="tablist">
        <button
          type="button"
          role="tab"
          aria-selected={tab === "open"}
          className={tab === "open" ? "segment active" : "segment"}
          onClick={() => setTab("open")}
          data-testid="tab-open"
        >
          Open orders ({account.openOrders.length})
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === "orders"}
          className={tab === "orders" ? "segment active" : "segment"}
          onClick={() => setTab("orders")}
          data-testid="tab-orders"
        >
          Order history
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === "trades"}
          className={tab === "trades" ? "segment active" : "segment"}
          onClick={() => setTab("trades")}
          data-testid="tab-trades"
        >
          Trade history
        </button>
      </div>
      {tab === "trades" ? (
        <TradeTable trades={account.trades} />
      ) : (
        <OrderTable
          orders={tab === "open" ? account.openOrders : account.orders}
          cancellable={tab === "open"}
        />
      )}
    </div>
  );
}

function ModeBadge({ mode }: { mode: string }) {
  return <span className={`mode-badge mode-${mode}`}>{mode.toUpperCase()}</span>;
}

function OrderTable({ orders, cancellable }: { orders: OrderView[]; cancellable: boolean }) {
  const fetcher = useFetcher<ActionData>();
  if (orders.length === 0) {
    return <p className="muted table-empty">{cancellable ? "No open orders." : "No orders yet."}</p>;
  }
  return (
    <>
      {fetcher.data?.error ? <FormError error={fetcher.data.error} /> : null}
      <table className="table compact" data-testid={cancellable ? "open-orders" : "order-history"}>
        <thead>
          <tr>
            <th>Time</th>
            <th>Market</th>
            <th>Side</th>
            <th>Type</th>
            <th className="numeric">Price</th>
            <th className="numeric">Amount</th>
            <th className="numeric">Filled</th>
            <th className="numeric">Avg. price</th>
            <th className="numeric">Fee</th>
            <th>Status</th>
            {cancellable ? <th /> : null}
          </tr>
        </thead>
        <tbody>
          {orders.map((order) => (
            <tr key={order.id} data-order-id={order.id}>
              <td className="muted">{order.createdAt.slice(5, 19).replace("T", " ")}</td>
              <td>
                <ModeBadge mode={order.mode} /> {order.base}/{order.quote}
              </td>
              <td className={order.side === "buy" ? "side-buy" : "side-sell"}>{order.side}</td>
              <td>{order.type}</td>
              <td className="numeric">
                {order.price ? <Money value={order.price} /> : <span className="muted">market</span>}
              </td>
              <td className="numeric">
                {order.quantity ? (
                  <Money value={order.quantity} unit={order.base} />
                ) : (
                  <Money value={order.quoteAmount ?? "0"} unit={order.quote} />
                )}
              </td>
              <td className="numeric">
                <Money value={order.filledQuantity} unit={order.base} />
              </td>
              <td className="numeric">{order.averagePrice ? <Money value={order.averagePrice} /> : "—"}</td>
              <td className="numeric">
                <Money value={order.fee} unit={order.feeAsset} />
              </td>
              <td>
                <span className={`status status-${order.status}`} title={order.reason ?? undefined}>
                  {order.status.replace("_", " ")}
                </span>
              </td>
              {cancellable ? (
                <td className="numeric">
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
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function TradeTable({ trades }: { trades: TradeView[] }) {
  if (trades.length === 0) return <p className="muted table-empty">No trades yet.</p>;
  return (
    <table className="table compact" data-testid="trade-history">
      <thead>
        <tr>
          <th>Time</th>
          <th>Market</th>
          <th>Side</th>
          <th>Role</th>
          <th className="numeric">Price</th>
          <th className="numeric">Amount</th>
          <th className="numeric">Total</th>
          <th className="numeric">Fee</th>
        </tr>
      </thead>
      <tbody>
        {trades.map((trade) => {
          const [base, quote] = trade.symbol.split("-") as [string, string];
          return (
            <tr key={trade.id}>
              <td className="muted">{trade.time.slice(5, 19).replace("T", " ")}</td>
              <td>
                <ModeBadge mode={trade.mode} /> <CoinIcon code={base} size={16} /> {base}/{quote}
              </td>
              <td className={trade.side === "buy" ? "side-buy" : "side-sell"}>{trade.side}</td>
              <td className="muted">{trade.liquidity}</td>
              <td className="numeric">
                <Money value={trade.price} />
              </td>
              <td className="numeric">
                <Money value={trade.quantity} unit={base} />
              </td>
              <td className="numeric">
                <Money value={trade.quoteAmount} unit={trade.quoteAsset} />
              </td>
              <td className="numeric">
                <Money value={trade.fee} unit={trade.feeAsset} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
