import { useEffect, useRef, useState } from "react";

/**
 * Candles and volume with `lightweight-charts`, loaded in the browser only (a dynamic import
 * inside an effect: the server never renders it and the page's first load does not wait for
 * it). Prices arrive as decimal strings; they become floats here for one purpose only — placing
 * pixels — and are never shown from these numbers.
 */

export interface CandleWire {
  openTime: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

export const CHART_INTERVALS = ["1m", "5m", "1h", "1d"] as const;
export type ChartInterval = (typeof CHART_INTERVALS)[number];

const REFRESH_MS = 5_000;
const HISTORY = 150;

type ChartModule = typeof import("lightweight-charts");
type Chart = ReturnType<ChartModule["createChart"]>;

function bar(candle: CandleWire) {
  // Seconds since the epoch, as the library expects (UTCTimestamp is a branded number).
  const time = Math.floor(candle.openTime / 1000) as import("lightweight-charts").UTCTimestamp;
  return {
    candle: {
      time,
      open: Number(candle.open),
      high: Number(candle.high),
      low: Number(candle.low),
      close: Number(candle.close),
    },
    volume: {
      time,
      value: Number(candle.volume),
      color: Number(candle.close) >= Number(candle.open) ? "rgba(63,182,139,0.35)" : "rgba(224,96,94,0.35)",
    },
  };
}

export function PriceChart({
  symbol,
  initial,
  initialInterval = "1m",
}: {
  symbol: string;
  initial: CandleWire[];
  initialInterval?: ChartInterval;
}) {
  const container = useRef<HTMLDivElement>(null);
  const [interval, setInterval] = useState<ChartInterval>(initialInterval);
  const [state, setState] = useState<"loading" | "ready" | "error">("loading");

  useEffect(() => {
    let disposed = false;
    let chart: Chart | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const element = container.current;
    if (!element) return;
    setState("loading");
    const load = async (limit: number): Promise<CandleWire[]> => {
      if (limit === HISTORY && interval === initialInterval && initial.length > 0) return initial;
      const response = await fetch(`/api/v1/markets/${symbol}/candles?interval=${interval}&limit=${limit}`);
      if (!response.ok) throw new Error(`candles ${response.status}`);
      return ((await response.json()) as { candles: CandleWire[] }).candles;
    };
    (async () => {
      try {
        const [library, candles] = await Promise.all([import("lightweight-charts"), load(HISTORY)]);
        if (disposed) return;
        chart = library.createChart(element, {
          autoSize: true,
          layout: {
            background: { color: "transparent" },
            textColor: "#8b9bab",
            fontFamily: "Inter, Segoe UI, system-ui, sans-serif",
            attributionLogo: false,
          },
          grid: { vertLines: { color: "#18232d" }, horzLines: { color: "#18232d" } },
          rightPriceScale: { borderColor: "#223140" },
          timeScale: { borderColor: "#223140", timeVisible: interval !== "1d", secondsVisible: false },
          crosshair: { mode: 0 },
        });
        const candleSeries = chart.addSeries(library.CandlestickSeries, {
          upColor: "#3fb68b",
          downColor: "#e0605e",
          borderVisible: false,
          wickUpColor: "#3fb68b",
          wickDownColor: "#e0605e",
        });
        const volumeSeries = chart.addSeries(library.HistogramSeries, {
          priceFormat: { type: "volume" },
          priceScaleId: "volume",
        });
        chart.priceScale("volume").applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
        candleSeries.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.22 } });
        const bars = candles.map(bar);
        candleSeries.setData(bars.map((entry) => entry.candle));
        volumeSeries.setData(bars.map((entry) => entry.volume));
        chart.timeScale().fitContent();
        setState("ready");
        // The forming candle changes every second: refresh the last two without a reload.
        const refresh = async () => {
          try {
            const latest = await load(2);
            if (disposed) return;
            for (const candle of latest) {
              const next = bar(candle);
              candleSeries.update(next.candle);
              volumeSeries.update(next.volume);
            }
          } catch {
            // A missed refresh is retried on the next tick; the market panel shows staleness.
          }
          if (!disposed) timer = setTimeout(refresh, REFRESH_MS);
        };
        timer = setTimeout(refresh, REFRESH_MS);
      } catch {
        if (!disposed) setState("error");
      }
    })();
    return () => {
      disposed = true;
      if (timer) clearTimeout(timer);
      chart?.remove();
    };
  }, [symbol, interval, initial, initialInterval]);

  return (
    <div className="chart-panel">
      <fieldset className="chart-toolbar" aria-label="Candle interval">
        {CHART_INTERVALS.map((choice) => (
          <button
            key={choice}
            type="button"
            className={choice === interval ? "segment active" : "segment"}
            aria-pressed={choice === interval}
            onClick={() => setInterval(choice)}
            data-testid={`interval-${choice}`}
          >
            {choice}
          </button>
        ))}
      </fieldset>
      <div className="chart-wrap">
        {/* The library owns this element's children; React renders nothing inside it. */}
        <div className="chart-canvas" ref={container} data-testid="price-chart" data-state={state} />
        {state === "loading" ? <div className="chart-placeholder">Loading chart…</div> : null}
        {state === "error" ? (
          <div className="chart-placeholder">
            The chart could not be loaded. Prices elsewhere still update.
          </div>
        ) : null}
      </div>
    </div>
  );
}
