import { ApiError } from "../../errors.ts";
import type { Book, Venue } from "../ledger/accounts.ts";
import type { OrderSide, OrderType } from "../markets/filters.ts";
import type { MarketSymbol } from "../markets/symbols.ts";
import type { Slice } from "./execution.ts";

/**
 * Where orders execute. The order desk (desk.ts) owns the order's life and its money — hold,
 * settle each fill, release — and asks a venue only what the market did. PAPER orders go to
 * the paper engine (paper-venue.ts: the synthesised book, the simulated market); LIVE orders
 * will go to the exchange adapter (venue "binance") through the same four calls, and nothing
 * in the desk, the ledger steps or the API changes when it lands.
 *
 * Contract: `submit` is idempotent by order id (an exchange adapter sends it as the client
 * order id and, on a retry, asks for that order instead of placing another); the desk calls it
 * only after the order's funds are held, and records the slices before settling them.
 */
export interface VenueOrder {
  id: string;
  symbol: MarketSymbol;
  side: OrderSide;
  type: OrderType;
  /** Base quantity still to execute; absent for a market buy sized by quote amount. */
  quantityMinor?: bigint | undefined;
  quoteAmountMinor?: bigint | undefined;
  priceMinor?: bigint | undefined;
  /** Market buys by quantity: never execute beyond this value (see sizing.ts). */
  maxValueScaled?: bigint | undefined;
}

export interface Execution {
  slices: Slice[];
  /** True when the unexecuted rest rests on the book (limit orders); false: it expired. */
  rests: boolean;
  /** Market time of the execution (Unix ms). */
  atMs: number;
  /** True when the book ran out before the order was done (a quote-sized buy then is not filled). */
  bookExhausted?: boolean;
}

export interface RestingOrder {
  id: string;
  symbol: MarketSymbol;
  side: OrderSide;
  priceMinor: bigint;
  remainingMinor: bigint;
  /** The market has been checked against this order up to here. */
  checkedUntilMs: number;
}

export interface RestingCheck {
  slices: Slice[];
  /** Checked up to here; unchanged when the market could not be checked (stale data). */
  checkedUntilMs: number;
}

export interface ExecutionVenue {
  readonly venue: Venue;
  /** The ledger book this venue trades; the ledger refuses a fill from a venue of another book. */
  readonly book: Book;
  /**
   * True when `submit` has no effect outside the platform (the paper engine): the desk may
   * then execute before holding, and hold exactly what the fills take. An exchange adapter is
   * false: its orders are submitted only once their funds are held.
   */
  readonly simulated: boolean;
  /** Exact value (quote minor x 10^baseScale) of buying `quantityMinor` now: sizes a market buy's hold. */
  estimateBuyValue(symbol: MarketSymbol, quantityMinor: bigint, stepMinor: bigint): Promise<bigint>;
  submit(order: VenueOrder): Promise<Execution>;
  /** What filled of a resting order between its last check and `untilMs`. */
  check(order: RestingOrder, untilMs: number): Promise<RestingCheck>;
  /** Withdraws a resting order (a no-op for paper). */
  cancel(order: RestingOrder): Promise<void>;
}

/** Failures a venue reports (market data stale, exchange down): no money moved. */
export class VenueUnavailableError extends ApiError {
  constructor(code: string, message: string) {
    super(503, code, message);
    this.name = "VenueUnavailableError";
  }
}

/**
 * LIVE orders before the exchange adapter exists: refused before anything is recorded or held,
 * never filled on paper.
 */
export function liveUnavailable(): ApiError {
  return new ApiError(
    503,
    "live_unavailable",
    "LIVE trading is not available yet: the exchange connection is still being built. Your order was not placed and no funds were held. Use PAPER mode to trade with simulated money.",
    { headers: { "Retry-After": "3600" } },
  );
}
