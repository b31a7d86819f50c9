import { Link } from "@remix-run/react";
import { CoinIcon, PairIcon } from "./coin-icon.tsx";
import { type Column, DataTable } from "./data-table.tsx";
import { Money } from "./money.tsx";

export interface MarketRow {
  symbol: string;
  base: string;
  quote: string;
  baseName: string;
  last: string;
  change24h: string;
  volume24h: string;
  quoteVolume24h: string;
  liveTradable: boolean;
  stale: boolean;
  /** Hourly closes, oldest first, as decimal strings (for the sparkline only). */
  closes: string[];
}

const COLUMNS: Column<MarketRow>[] = [
  {
    id: "market",
    header: "Market",
    className: "markets-col-market",
    cell: (row) => (
      <div className="market-cell">
        <PairIcon base={row.base} quote={row.quote} />
        <div>
          <div className="market-symbol">
            {row.base}
            <span className="market-quote">/{row.quote}</span>
          </div>
          <div className="market-name">
            {row.baseName}
            {row.liveTradable ? null : (
              <span className="badge badge-paper" title="Not tradable LIVE here: PAPER trading only">
                Paper only
              </span>
            )}
          </div>
        </div>
      </div>
    ),
  },
  {
    id: "last",
    header: "Last price",
    numeric: true,
    className: "markets-col-last",
    cell: (row) => (
      <>
        <Money value={row.last} unit={row.quote} />
        {row.stale ? (
          <span
            className="stale-mark"
            title="The price source is not answering; this is the last known price"
          >
            delayed
          </span>
        ) : null}
      </>
    ),
  },
  {
    id: "change",
    header: "24h change",
    numeric: true,
    className: "markets-col-change",
    cell: (row) => <Money value={row.change24h} unit="%" change />,
  },
  {
    id: "volume",
    header: "24h volume",
    numeric: true,
    className: "markets-col-volume",
    cell: (row) => (
      <>
        <Money value={row.quoteVolume24h} unit={row.quote} maxDecimals={row.quote === "BTC" ? 4 : 0} />
        <div className="market-name">
          <Money value={row.volume24h} unit={row.base} maxDecimals={2} />
        </div>
      </>
    ),
  },
  {
    id: "sparkline",
    header: "Last 24h",
    className: "sparkline-cell",
    cell: (row) => (
      <Sparkline
        closes={row.closes}
        change={row.change24h}
        label={`${row.symbol} price over the last 24 hours`}
      />
    ),
  },
  {
    id: "trade",
    header: <span className="visually-hidden">Action</span>,
    numeric: true,
    className: "markets-col-trade",
    cell: (row) => (
      <Link className="button button-small button-secondary" to={`/trade?symbol=${row.symbol}`}>
        Trade
      </Link>
    ),
  },
];

/** Every listed market: pair, last price, 24 h change, volume, and a 24 h sparkline. */
export function MarketsTable({ rows }: { rows: MarketRow[] }) {
  return (
    <DataTable
      className="markets-table"
      testId="markets-table"
      columns={COLUMNS}
      rows={rows}
      rowKey={(row) => row.symbol}
      rowProps={(row) => ({ "data-symbol": row.symbol })}
    />
  );
}

/**
 * An inline SVG line of hourly closes. Coordinates are the one place prices become floats:
 * they position pixels and are never shown as text.
 */
export function Sparkline({ closes, change, label }: { closes: string[]; change: string; label: string }) {
  const width = 120;
  const height = 32;
  const values = closes.map(Number).filter(Number.isFinite);
  if (values.length < 2) return <span className="sparkline-empty">—</span>;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const range = max - min || 1;
  const points = values
    .map((value, index) => {
      const x = (index / (values.length - 1)) * width;
      const y = height - 2 - ((value - min) / range) * (height - 4);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(" ");
  const tone = change.startsWith("-") ? "sparkline-down" : "sparkline-up";
  return (
    <svg
      className={`sparkline ${tone}`}
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-label={label}
    >
      <polyline points={points} fill="none" strokeWidth="1.5" strokeLinejoin="round" strokeLinecap="round" />
    </svg>
  );
}

export { CoinIcon };
