import { ApiError } from "../../errors.ts";
import type { Book, Venue } from "../ledger/accounts.ts";
import type { AssetCode } from "../ledger/assets.ts";
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

/**
 * An exchange's own record of what it did, kept on the order (orders.venue_*): its order id,
 * the newest of its trades these slices include (later checks ask only for newer ones, so a
 * trade is settled once), and the commission the exchange charged for them. The commission is
 * the platform's cost, not the user's fee: users pay the platform's schedule (fees.ts).
 */
export interface VenueReceipt {
  exchangeOrderId: string;
  lastTradeId: number | null;
  /** In the received asset, rounded up; null when nothing executed (or it was paid in another asset). */
  commission: { asset: AssetCode; amountMinor: bigint } | null;
}

export interface Execution {
  slices: Slice[];
  /** True when the unexecuted rest rests on the book (limit orders); false: it expired. */
  rests: boolean;
  /** Market time of the execution (Unix ms). */
  atMs: number;
  /** True when the book ran out before the order was done (a quote-sized buy then is not filled). */
  bookExhausted?: boolean;
  venue?: VenueReceipt | undefined;
}

export interface RestingOrder {
  id: string;
  symbol: MarketSymbol;
  side: OrderSide;
  priceMinor: bigint;
  remainingMinor: bigint;
  /** The market has been checked against this order up to here. */
  checkedUntilMs: number;
  /** An exchange venue's last trade already settled for this order (VenueReceipt). */
  venueTradeId?: number | null | undefined;
}

export interface RestingCheck {
  slices: Slice[];
  /** Checked up to here; unchanged when the market could not be checked (stale data). */
  checkedUntilMs: number;
  /** The venue no longer rests the order (filled, cancelled or expired there): settle and close. */
  closed?: boolean | undefined;
  venue?: VenueReceipt | undefined;
}

export interface SubmitOptions {
  /** An earlier attempt may have reached the venue: find the order before placing it. */
  mayExist?: boolean | undefined;
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
  submit(order: VenueOrder, options?: SubmitOptions): Promise<Execution>;
  /** What filled of a resting order between its last check and `untilMs`. */
  check(order: RestingOrder, untilMs: number): Promise<RestingCheck>;
  /**
   * Withdraws a resting order (a no-op for paper). An exchange answers what executed before
   * the cancel and was not settled yet: the desk settles it before releasing the rest. Nothing
   * (void) means nothing executed.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: venues with nothing to report return nothing
  cancel(order: RestingOrder): Promise<RestingCheck | void>;
  /**
   * The lowest and highest the market traded between two times (null: no fresh data), which
   * triggers stop-limit orders resting in the desk. A venue without it triggers none.
   */
  traded?(symbol: MarketSymbol, fromMs: number, untilMs: number): Promise<PriceRange | null>;
}

export interface PriceRange {
  lowMinor: bigint;
  highMinor: bigint;
}

/** Failures a venue reports (market data stale, exchange down): no money moved. */
export class VenueUnavailableError extends ApiError {
  constructor(code: string, message: string) {
    super(503, code, message);
    this.name = "VenueUnavailableError";
  }
}

/**
 * The venue refused the order and certainly placed nothing (an exchange filter, the exchange
 * account's balance, its keys, the exchange unreachable after asking for the order): the desk
 * rejects the order with `reason` and releases its hold exactly.
 */
export class VenueRefusedError extends ApiError {
  constructor(
    /** Stable, stored as the order's reason: `exchange_<kind>`. */
    readonly reason: string,
    message: string,
    /** What the exchange said, for the audit log (never credentials). */
    readonly detail: Record<string, string | number | null> = {},
  ) {
    super(409, reason, message);
    this.name = "VenueRefusedError";
  }
}

/**
 * LIVE orders while no exchange account is configured (BINANCE_API_KEY / BINANCE_API_SECRET):
 * refused before anything is recorded or held, never filled on paper.
 */
export function liveUnavailable(): ApiError {
  return new ApiError(
    503,
    "live_unavailable",
    "LIVE trading is not available: no exchange account is connected. Your order was not placed and no funds were held. Use PAPER mode to trade with simulated money.",
    { headers: { "Retry-After": "3600" } },
  );
}
