import { ASSETS } from "../ledger/assets.ts";
import { SimulatedMarket } from "../markets/sim/market.ts";
import { MARKETS, type MarketSymbol } from "../markets/symbols.ts";
import { MAX_BOOK_DEPTH, type MarketDataSource, type OrderBook } from "../markets/types.ts";
import { buyValueScaled, type Slice, walkByQuantity, walkByQuote } from "./execution.ts";
import {
  type Execution,
  type ExecutionVenue,
  type PriceRange,
  type RestingCheck,
  type RestingOrder,
  type VenueOrder,
  VenueUnavailableError,
} from "./venue.ts";

/**
 * The paper engine. Market orders (and the marketable part of a limit order) walk the book
 * the market data source synthesises around the price, level by level, so a large order pays
 * slippage; each user's paper order meets the whole book (paper orders never deplete it for
 * others). Limit orders rest, and fill when the market trades through their price: all of
 * what is left when it trades beyond it, and at most the size at the top of the book when it
 * only touches it (an order's place in the queue is unknown). Stale data never fills anything.
 *
 * The crossing test uses the market's low and high between two checks: for the simulated
 * market exactly (`rangeBetween`, to the second), for an upstream source the last price at
 * each check.
 */
export class PaperVenue implements ExecutionVenue {
  readonly venue = "simulated" as const;
  readonly book = "paper" as const;
  readonly simulated = true;

  constructor(private readonly source: MarketDataSource) {}

  async estimateBuyValue(symbol: MarketSymbol, quantityMinor: bigint, stepMinor: bigint): Promise<bigint> {
    const book = await this.freshBook(symbol);
    return buyValueScaled(book.asks, quantityMinor, stepMinor);
  }

  async submit(order: VenueOrder): Promise<Execution> {
    const book = await this.freshBook(order.symbol);
    const market = MARKETS[order.symbol];
    const levels = order.side === "buy" ? book.asks : book.bids;
    let slices: Slice[];
    if (order.quoteAmountMinor !== undefined) {
      slices = walkByQuote(levels, order.quoteAmountMinor, ASSETS[market.base].scale);
    } else {
      if (order.quantityMinor === undefined)
        throw new RangeError("an order needs a quantity or a quote amount");
      slices = walkByQuantity({
        levels,
        side: order.side,
        quantityMinor: order.quantityMinor,
        limitPriceMinor: order.type === "limit" ? order.priceMinor : undefined,
        maxValueScaled: order.maxValueScaled,
        stepMinor: market.filters.stepSizeMinor,
      });
    }
    let taken = 0n;
    let offered = 0n;
    for (const slice of slices) taken += slice.quantityMinor;
    for (const level of levels) offered += level.quantityMinor;
    return { slices, rests: order.type === "limit", atMs: book.asOfMs, bookExhausted: taken >= offered };
  }

  async check(order: RestingOrder, untilMs: number): Promise<RestingCheck> {
    // Whole seconds after the last check: the second already checked is never counted twice.
    const fromSecond = Math.floor(order.checkedUntilMs / 1000) + 1;
    if (Math.floor(untilMs / 1000) < fromSecond || order.remainingMinor <= 0n) {
      return { slices: [], checkedUntilMs: order.checkedUntilMs };
    }
    const range = await this.range(order.symbol, fromSecond * 1000, untilMs);
    if (!range) return { slices: [], checkedUntilMs: order.checkedUntilMs };
    const { lowMinor, highMinor } = range;
    const beyond = order.side === "buy" ? lowMinor < order.priceMinor : highMinor > order.priceMinor;
    const touched = order.side === "buy" ? lowMinor <= order.priceMinor : highMinor >= order.priceMinor;
    if (!touched) return { slices: [], checkedUntilMs: untilMs };
    let quantity = order.remainingMinor;
    if (!beyond) {
      const book = await this.source.book(order.symbol, 1);
      const top = (order.side === "buy" ? book.asks[0] : book.bids[0])?.quantityMinor ?? 0n;
      if (top < quantity) quantity = top;
    }
    if (quantity <= 0n) return { slices: [], checkedUntilMs: untilMs };
    return {
      slices: [{ priceMinor: order.priceMinor, quantityMinor: quantity, liquidity: "maker" }],
      checkedUntilMs: untilMs,
    };
  }

  async cancel(_order: RestingOrder): Promise<void> {
    // Nothing rests anywhere but in our own records.
  }

  private async freshBook(symbol: MarketSymbol): Promise<OrderBook> {
    const book = await this.source.book(symbol, MAX_BOOK_DEPTH);
    if (book.stale) throw staleError();
    return book;
  }

  async traded(symbol: MarketSymbol, fromMs: number, untilMs: number): Promise<PriceRange | null> {
    return this.range(symbol, fromMs, untilMs);
  }

  private async range(symbol: MarketSymbol, fromMs: number, toMs: number): Promise<PriceRange | null> {
    if (this.source instanceof SimulatedMarket) return this.source.rangeBetween(symbol, fromMs, toMs);
    const ticker = await this.source.ticker(symbol);
    if (ticker.stale) return null;
    return { lowMinor: ticker.lastMinor, highMinor: ticker.lastMinor };
  }
}

export function staleError(): VenueUnavailableError {
  return new VenueUnavailableError(
    "market_data_stale",
    "Market data is delayed, so no paper order can be filled fairly right now. Nothing was placed or held; try again shortly.",
  );
}
