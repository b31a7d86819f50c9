import { ASSETS, type AssetCode } from "../../../worker/services/ledger/assets.ts";
import { PairIcon } from "../coin-icon.tsx";
import { Money } from "../money.tsx";
import type { MarketData, MarketInfo } from "./types.ts";

/** The pair and its ticker: last price and the 24-hour figures. */
export function MarketHeader({ market, ticker }: { market: MarketInfo; ticker: MarketData["ticker"] }) {
  return (
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
        <Money value={ticker.last} unit={market.quote} />
      </div>
      <div className="trade-stat">
        <span className="figure-label">24h change</span>
        <Money value={ticker.change24h} unit="%" change />
      </div>
      <div className="trade-stat">
        <span className="figure-label">24h high</span>
        <Money value={ticker.high24h} />
      </div>
      <div className="trade-stat">
        <span className="figure-label">24h low</span>
        <Money value={ticker.low24h} />
      </div>
      <div className="trade-stat">
        <span className="figure-label">24h volume</span>
        <Money value={ticker.volume24h} unit={market.base} maxDecimals={2} />
      </div>
    </header>
  );
}
