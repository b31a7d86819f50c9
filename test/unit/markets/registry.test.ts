import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ASSETS } from "../../../worker/services/ledger/assets.ts";
import { decimalToMinor } from "../../../worker/services/markets/decimal.ts";
import { MARKET_SYMBOLS, MARKETS } from "../../../worker/services/markets/symbols.ts";

interface ExchangeInfo {
  symbols: { symbol: string; status: string; filters: Record<string, unknown>[] }[];
}
const exchangeInfo = JSON.parse(
  readFileSync(new URL("../../fixtures/markets/binance/exchange-info.json", import.meta.url), "utf8"),
) as ExchangeInfo;

describe("market registry against the recorded Binance exchangeInfo", () => {
  it("liveTradable is true exactly for the pairs Binance lists as TRADING", () => {
    const trading = new Set(
      exchangeInfo.symbols.filter((entry) => entry.status === "TRADING").map((entry) => entry.symbol),
    );
    for (const symbol of MARKET_SYMBOLS) {
      expect({ symbol, live: MARKETS[symbol].liveTradable }).toEqual({
        symbol,
        live: trading.has(MARKETS[symbol].binanceSymbol),
      });
    }
    expect(MARKETS["BTC-GBP"].liveTradable).toBe(false);
  });

  it("the filters of listed pairs are Binance's", () => {
    for (const symbol of MARKET_SYMBOLS.filter((candidate) => MARKETS[candidate].liveTradable)) {
      const market = MARKETS[symbol];
      const entry = exchangeInfo.symbols.find((candidate) => candidate.symbol === market.binanceSymbol);
      const filter = (type: string) =>
        entry?.filters.find((candidate) => candidate.filterType === type) ?? {};
      const quote = (key: string, type: string) =>
        decimalToMinor(String(filter(type)[key]), ASSETS[market.quote].scale);
      const base = (key: string) =>
        decimalToMinor(String(filter("LOT_SIZE")[key]), ASSETS[market.base].scale);
      expect(market.filters.tickSizeMinor).toBe(quote("tickSize", "PRICE_FILTER"));
      expect(market.filters.minNotionalMinor).toBe(quote("minNotional", "NOTIONAL"));
      expect(market.filters.stepSizeMinor).toBe(base("stepSize"));
      expect(market.filters.minQuantityMinor).toBe(base("minQty"));
      expect(market.filters.maxQuantityMinor).toBe(base("maxQty"));
    }
  });
});
