import { useEffect, useRef, useState } from "react";
import { chartLocalization, decimalsOf } from "./chart-format.ts";

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
const NO_LINES: readonly ChartPriceLine[] = [];
const HISTORY = 150;

type ChartModule = typeof import("./chart-library.ts");
type Chart = ReturnType<ChartModule["createChart"]>;
type CandleSeries = ReturnType<Chart["addSeries"]>;

/** A horizontal line at a price (the trader's own open orders on the Trade page). */
export interface ChartPriceLine {
  id: string;
  /** Decimal string, as the API sends prices. */
  price: string;
  title: string;
  color: string;
  dashed?: boolean;
}

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
  lines = NO_LINES,
}: {
  symbol: string;
  initial: CandleWire[];
  initialInterval?: ChartInterval;
  lines?: readonly ChartPriceLine[];
}) {
  const container = useRef<HTMLDivElement>(null);
  const seriesRef = useRef<CandleSeries | null>(null);
  // The page's revalidations bring a new `initial` array each time; the chart is built once per
  // symbol and interval, and keeps itself current by polling.
  const initialRef = useRef(initial);
  initialRef.current = initial;
  const [seriesVersion, setSeriesVersion] = useState(0);
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
      const first = initialRef.current;
      if (limit === HISTORY && interval === initialInterval && first.length > 0) return first;
      const response = await fetch(`/api/v1/markets/${symbol}/candles?interval=${interval}&limit=${limit}`);
      if (!response.ok) throw new Error(`candles ${response.status}`);
      return ((await response.json()) as { candles: CandleWire[] }).candles;
    };
    (async () => {
      try {
        const [library, candles] = await Promise.all([import("./chart-library.ts"), load(HISTORY)]);
        if (disposed) return;
        const priceDecimals = decimalsOf(candles[0]?.close);
        chart = library.createChart(element, {
          autoSize: true,
          localization: chartLocalization(priceDecimals),
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
          priceFormat: { type: "price", precision: priceDecimals, minMove: 10 ** -priceDecimals },
        });
        const volumeSeries = chart.addSeries(library.HistogramSeries, {
          priceFormat: { type: "volume" },
          priceScaleId: "volume",
        });
        chart.priceScale("volume").applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
        candleSeries.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.22 } });
        seriesRef.current = candleSeries;
        setSeriesVersion((version) => version + 1);
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
      seriesRef.current = null;
      chart?.remove();
    };
  }, [symbol, interval, initialInterval]);

  // The lines follow the orders without rebuilding the chart: drawn again on each change.
  const linesKey = lines.map((line) => `${line.id}:${line.price}:${line.title}:${line.color}`).join("|");
  // biome-ignore lint/correctness/useExhaustiveDependencies: linesKey stands for the lines' content.
  useEffect(() => {
    const series = seriesRef.current;
    if (!series || seriesVersion === 0) return;
    const drawn = lines.flatMap((line) => {
      const price = Number(line.price);
      if (!Number.isFinite(price) || price <= 0) return [];
      return [
        series.createPriceLine({
          price,
          color: line.color,
          lineWidth: 1,
          lineStyle: line.dashed ? 2 : 0,
          axisLabelVisible: true,
          title: line.title,
        }),
      ];
    });
    return () => {
      // A chart already removed (a new symbol or interval) took its lines with it.
      if (seriesRef.current !== series) return;
      for (const line of drawn) series.removePriceLine(line);
    };
  }, [linesKey, seriesVersion]);

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
        <div
          className="chart-canvas"
          ref={container}
          data-testid="price-chart"
          data-state={state}
          data-order-lines={lines.length}
        />
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
