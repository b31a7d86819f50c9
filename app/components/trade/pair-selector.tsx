import { Link } from "@remix-run/react";
import { PairIcon } from "../coin-icon.tsx";
import { Money } from "../money.tsx";
import type { MarketData } from "./types.ts";

/** One chip per market, with its 24-hour change; the current one is marked. */
export function PairSelector({ current, markets }: { current: string; markets: MarketData["markets"] }) {
  return (
    <nav className="pair-selector" aria-label="Markets" data-testid="pair-selector">
      {markets.map((row) => (
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
