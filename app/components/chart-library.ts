/**
 * The parts of `lightweight-charts` the app draws with, in one module the charts load on demand
 * (`import("./chart-library.ts")`, browser only). Importing the library's namespace kept every
 * series type and plugin in the chunk; named re-exports let the bundler drop what no chart uses
 * (README decision record 045). A chart that needs another series type adds it here.
 */
export { BaselineSeries, CandlestickSeries, createChart, HistogramSeries } from "lightweight-charts";
