import { useEffect, useState } from "react";
import { BOOK_DEPTH, RECENT_TRADES } from "../../utils/trade.ts";
import type { MarketData } from "./types.ts";

const POLL_MS = 2_000;

/** Ticker, book and trades from the public endpoints every two seconds, without a reload. */
export function useLiveMarket(symbol: string, initial: MarketData | null) {
  const [live, setLive] = useState(initial);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    setLive(initial);
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const get = async <T>(path: string): Promise<T> => {
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
