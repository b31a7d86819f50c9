import { useEffect, useRef, useState } from "react";
import { chartLocalization } from "../chart-format.ts";
import { displayDecimals } from "../money.tsx";

/**
 * A bot's total PnL over time (realised + unrealised, one point per candle; the loader computes
 * it exactly). Drawn with `lightweight-charts`, loaded in the browser only, as the Trade page's
 * chart is: the values become floats here only to place pixels. A baseline at zero, quiet
 * colours above and below it. The chart is made once; each refresh of the page only replaces
 * its data.
 */

export interface PnlPoint {
  /** Seconds since the epoch. */
  time: number;
  /** Decimal string in the quote asset. */
  value: string;
}

type ChartModule = typeof import("../chart-library.ts");
type Series = ReturnType<ReturnType<ChartModule["createChart"]>["addSeries"]>;

function dataOf(points: readonly PnlPoint[]) {
  return points.map((point) => ({
    time: point.time as import("lightweight-charts").UTCTimestamp,
    value: Number(point.value),
  }));
}

export function PnlChart({ points, asset }: { points: readonly PnlPoint[]; asset: string }) {
  const container = useRef<HTMLDivElement>(null);
  const series = useRef<Series | null>(null);
  const latest = useRef(points);
  latest.current = points;
  const [state, setState] = useState<"loading" | "ready" | "error">("loading");

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    let disposed = false;
    let chart: ReturnType<ChartModule["createChart"]> | undefined;
    (async () => {
      try {
        const library = await import("../chart-library.ts");
        if (disposed) return;
        chart = library.createChart(element, {
          autoSize: true,
          localization: chartLocalization(displayDecimals(asset)),
          layout: {
            background: { color: "transparent" },
            textColor: "#8b9bab",
            fontFamily: "Inter, Segoe UI, system-ui, sans-serif",
            attributionLogo: false,
          },
          grid: { vertLines: { visible: false }, horzLines: { color: "#18232d" } },
          rightPriceScale: { borderColor: "#223140" },
          timeScale: { borderColor: "#223140", timeVisible: true, secondsVisible: false },
          crosshair: { mode: 0 },
          handleScroll: false,
          handleScale: false,
        });
        const line = chart.addSeries(library.BaselineSeries, {
          baseValue: { type: "price", price: 0 },
          topLineColor: "#4fa58a",
          topFillColor1: "rgba(63,182,139,0.18)",
          topFillColor2: "rgba(63,182,139,0.02)",
          bottomLineColor: "#c0605e",
          bottomFillColor1: "rgba(224,96,94,0.02)",
          bottomFillColor2: "rgba(224,96,94,0.18)",
          lineWidth: 2,
          priceLineVisible: false,
        });
        line.setData(dataOf(latest.current));
        chart.timeScale().fitContent();
        series.current = line;
        setState("ready");
      } catch {
        if (!disposed) setState("error");
      }
    })();
    return () => {
      disposed = true;
      series.current = null;
      chart?.remove();
    };
  }, [asset]);

  useEffect(() => {
    series.current?.setData(dataOf(points));
  }, [points]);

  return (
    <div className="pnl-chart">
      <div
        className="pnl-chart-canvas"
        ref={container}
        data-testid="pnl-chart"
        data-state={state}
        role="img"
        aria-label={`Total PnL over time, in ${asset}`}
      />
      {state === "error" ? <p className="muted pnl-chart-note">The chart could not be drawn.</p> : null}
    </div>
  );
}
