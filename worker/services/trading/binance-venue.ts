import type { Logger } from "../../logger.ts";
import {
  type BinanceSpot,
  ExchangeError,
  type ExchangeFill,
  ExchangeFilterError,
  type ExchangeOrder,
  isOpenStatus,
  type PlaceOrderRequest,
} from "../exchange/index.ts";
import { invariant } from "../flows/flow.ts";
import type { AssetCode } from "../ledger/assets.ts";
import { floorToStep } from "../markets/decimal.ts";
import { MARKETS, type MarketSymbol } from "../markets/symbols.ts";
import { MAX_BOOK_DEPTH, type MarketDataSource } from "../markets/types.ts";
import { buyValueScaled, type Slice } from "./execution.ts";
import {
  type Execution,
  type ExecutionVenue,
  type PriceRange,
  type RestingCheck,
  type RestingOrder,
  type SubmitOptions,
  type VenueOrder,
  type VenueReceipt,
  VenueRefusedError,
  VenueUnavailableError,
} from "./venue.ts";

/**
 * LIVE orders on Binance Spot, through the platform's exchange account (the adapter in
 * ../exchange/). The order desk holds the user's funds first, then asks this venue:
 *
 *   submit    places the order with our order id as its client order id (FULL answer: the
 *             fills of what executed at once). `mayExist` (a resumed step) asks the exchange
 *             for that client id first, so a placement whose answer was lost is found, never
 *             sent twice. Symbols map through the registry (BTC-USDT -> BTCUSDT).
 *   check     a resting order is asked about at most every `pollIntervalMs` (GET order, weight
 *             4); only when the exchange executed more than the desk settled are its new
 *             trades read (myTrades from the last settled trade id, weight 5), so each trade
 *             is settled once. An order the exchange closed by itself is reported `closed`.
 *   cancel    DELETE by client id; the answer (or, when it was no longer open, its final state)
 *             says what executed before the cancel, whose trades are returned to be settled
 *             before the desk releases the rest of the hold.
 *
 * Order types. LIMIT is sent GTC, a sell or a quote-sized buy (quoteOrderQty) as MARKET. A
 * market buy sized by quantity is sent as LIMIT IOC at the highest price its hold covers
 * (the desk's cap: estimate + 1 % slippage margin, fee included), so the exchange can never
 * fill it beyond what is held; what the book cannot give at that price expires, exactly as
 * the paper engine's cap does.
 *
 * Failures (errors.ts of the adapter): a definite refusal — filters, the exchange account's
 * balance, keys, signature, clock, the order certainly not placed — becomes VenueRefusedError
 * (the desk rejects the order and releases its hold). A rate limit or weight budget (nothing
 * sent; `retryAfterMs`), an unknown outcome or a malformed answer is passed on as it is: the
 * desk keeps the step pending and resumes it later with `mayExist`.
 *
 * Commission: Binance charges 0.1 % of what the account receives, in that asset. The user is
 * charged the platform's fee (fees.ts) and credited what the exchange executed in full; the
 * exchange's commission is the platform's cost, reported in each receipt and kept on the order
 * (orders.venue_commission) for reconciliation against the exchange's balances.
 */

/** A resting LIVE order is asked about at most this often (each ask weighs 4 of 6,000 a minute). */
export const LIVE_POLL_INTERVAL_MS = 5_000;
/** Pages of new trades read for one order in one check (1,000 each). */
const MAX_TRADE_PAGES = 5;
const TRADES_PER_PAGE = 1_000;

export interface BinanceVenueOptions {
  pollIntervalMs?: number;
  logger?: Logger | undefined;
}

export class BinanceVenue implements ExecutionVenue {
  readonly venue = "binance" as const;
  readonly book = "live" as const;
  readonly simulated = false;
  readonly #pollIntervalMs: number;
  readonly #logger: Logger | undefined;

  constructor(
    private readonly exchange: BinanceSpot,
    /** The platform's market data (the Trade page's): sizes the hold of a market buy by quantity. */
    private readonly market: MarketDataSource,
    options: BinanceVenueOptions = {},
  ) {
    this.#pollIntervalMs = options.pollIntervalMs ?? LIVE_POLL_INTERVAL_MS;
    this.#logger = options.logger;
  }

  /**
   * The market data book walked for the quantity, the rest at the deepest ask. The desk holds
   * this plus its slippage margin, and submit caps the exchange order at that margin, so an
   * estimate that is off costs a partly filled order, never an overdrawn hold.
   */
  async estimateBuyValue(symbol: MarketSymbol, quantityMinor: bigint, stepMinor: bigint): Promise<bigint> {
    const book = await this.market.book(symbol, MAX_BOOK_DEPTH);
    if (book.stale || book.asks.length === 0) {
      throw new VenueUnavailableError(
        "market_data_stale",
        "Market data is delayed, so a LIVE market buy cannot be sized safely right now. Nothing was placed or held; try again shortly.",
      );
    }
    return buyValueScaled(book.asks, quantityMinor, stepMinor);
  }

  async submit(order: VenueOrder, options: SubmitOptions = {}): Promise<Execution> {
    let answer: ExchangeOrder;
    try {
      answer = (await this.exchange.placeOrder(requestOf(order), { mayExist: options.mayExist === true }))
        .order;
    } catch (error) {
      throw refusalOrPassing(error);
    }
    invariant(
      answer.orderId === order.id,
      () => `the exchange answered order ${answer.clientOrderId} for order ${order.id}`,
    );
    const executed = sumQuantity(answer.fills);
    invariant(
      executed === answer.executedQuantityMinor,
      () =>
        `exchange order ${answer.exchangeOrderId}: fills of ${executed} for ${answer.executedQuantityMinor} executed`,
    );
    const open = isOpenStatus(answer.status);
    return {
      slices: answer.fills.map(sliceOf),
      rests: open,
      atMs: answer.updatedAtMs,
      // A quote-sized MARKET buy is done when the exchange says FILLED; EXPIRED: the book ran out.
      bookExhausted: !open && answer.status !== "FILLED",
      venue: this.#receipt(order.symbol, order.side, answer, answer.fills),
    };
  }

  async check(order: RestingOrder, untilMs: number): Promise<RestingCheck> {
    if (untilMs - order.checkedUntilMs < this.#pollIntervalMs) {
      return { slices: [], checkedUntilMs: order.checkedUntilMs };
    }
    const found = await this.exchange.queryOrder(order.symbol, order.id);
    // Our resting order is one the exchange accepted: its not knowing it is not a passing fault.
    invariant(found, () => `the exchange has no record of LIVE order ${order.id}`);
    const fresh = await this.#unsettledTrades(order, found);
    if (fresh === null) return { slices: [], checkedUntilMs: order.checkedUntilMs };
    return {
      slices: fresh.map(sliceOf),
      checkedUntilMs: untilMs,
      closed: !isOpenStatus(found.status),
      venue: this.#receipt(order.symbol, order.side, found, fresh),
    };
  }

  /** Stop triggers follow the platform's market data (its last price at each check). */
  async traded(symbol: MarketSymbol, _fromMs: number, _untilMs: number): Promise<PriceRange | null> {
    const ticker = await this.market.ticker(symbol);
    return ticker.stale ? null : { lowMinor: ticker.lastMinor, highMinor: ticker.lastMinor };
  }

  async cancel(order: RestingOrder): Promise<RestingCheck> {
    let final: ExchangeOrder;
    try {
      final = await this.exchange.cancelOrder(order.symbol, order.id);
    } catch (error) {
      // No order with this id at all: nothing rests there and nothing executed.
      if (error instanceof ExchangeError && error.kind === "unknown_order") {
        return { slices: [], checkedUntilMs: order.checkedUntilMs, closed: true };
      }
      throw error;
    }
    const fresh = await this.#unsettledTrades(order, final);
    if (fresh === null) {
      // Cancelled (or it ended), but its last trades are not listed yet: the step stays
      // pending and cancelling again answers the final state, so nothing is released early.
      throw new VenueUnavailableError(
        "exchange_fills_pending",
        "The exchange has not listed every fill of this order yet; the cancel finishes shortly.",
      );
    }
    return {
      slices: fresh.map(sliceOf),
      checkedUntilMs: order.checkedUntilMs,
      closed: true,
      venue: this.#receipt(order.symbol, order.side, final, fresh),
    };
  }

  /**
   * The exchange trades of `found` that the desk has not settled: those after the last settled
   * trade id. Null when the exchange lists fewer than it says executed (its trade list lags its
   * order state): nothing is settled from a partial list.
   */
  async #unsettledTrades(order: RestingOrder, found: ExchangeOrder): Promise<ExchangeFill[] | null> {
    const settledMinor = found.origQuantityMinor - order.remainingMinor;
    const unsettledMinor = found.executedQuantityMinor - settledMinor;
    invariant(
      unsettledMinor >= 0n,
      () =>
        `exchange order ${found.exchangeOrderId} executed ${found.executedQuantityMinor}, less than the ${settledMinor} settled`,
    );
    if (unsettledMinor === 0n) return [];
    const fresh: ExchangeFill[] = [];
    let fromTradeId =
      order.venueTradeId === null || order.venueTradeId === undefined ? undefined : order.venueTradeId + 1;
    for (let page = 0; page < MAX_TRADE_PAGES; page++) {
      const trades = await this.exchange.myTrades(order.symbol, {
        exchangeOrderId: found.exchangeOrderId,
        limit: TRADES_PER_PAGE,
        ...(fromTradeId === undefined ? {} : { fromTradeId }),
      });
      for (const trade of trades) {
        if (
          order.venueTradeId !== null &&
          order.venueTradeId !== undefined &&
          trade.tradeId <= order.venueTradeId
        )
          continue;
        fresh.push(trade);
      }
      const last = trades.at(-1);
      if (trades.length < TRADES_PER_PAGE || !last) break;
      fromTradeId = last.tradeId + 1;
    }
    const listedMinor = sumQuantity(fresh);
    if (listedMinor !== unsettledMinor) {
      this.#logger?.warn("exchange trades lag the order; settling later", {
        orderId: order.id,
        exchangeOrderId: found.exchangeOrderId,
        listed: listedMinor.toString(),
        executed: unsettledMinor.toString(),
      });
      return null;
    }
    return fresh;
  }

  /** The exchange's side of these fills: its order id, the newest trade, its commission. */
  #receipt(
    symbol: MarketSymbol,
    side: VenueOrder["side"],
    order: ExchangeOrder,
    fills: readonly ExchangeFill[],
  ): VenueReceipt {
    const market = MARKETS[symbol];
    const receivedAsset: AssetCode = side === "buy" ? market.base : market.quote;
    let commissionMinor = 0n;
    let lastTradeId: number | null = null;
    for (const fill of fills) {
      lastTradeId = lastTradeId === null ? fill.tradeId : Math.max(lastTradeId, fill.tradeId);
      if (fill.commissionAsset === receivedAsset && fill.commissionMinor !== null) {
        commissionMinor += fill.commissionMinor;
      } else if (fill.commissionMinor !== 0n) {
        // BNB fee burning is on for the account: the cost is real, but in an asset the ledger
        // does not carry. Reconciliation will show the received asset's surplus.
        this.#logger?.warn("exchange commission in another asset; not recorded", {
          exchangeOrderId: order.exchangeOrderId,
          tradeId: fill.tradeId,
          commissionAsset: fill.commissionAsset,
          commission: fill.commissionText,
        });
      }
    }
    return {
      exchangeOrderId: String(order.exchangeOrderId),
      lastTradeId,
      commission: commissionMinor > 0n ? { asset: receivedAsset, amountMinor: commissionMinor } : null,
    };
  }
}

/** What the desk's order becomes on the exchange (see the module comment for the IOC cap). */
function requestOf(order: VenueOrder): PlaceOrderRequest {
  const base = { orderId: order.id, symbol: order.symbol, side: order.side };
  if (order.type === "limit") {
    return {
      ...base,
      type: "limit",
      timeInForce: "GTC",
      quantityMinor: order.quantityMinor,
      priceMinor: order.priceMinor,
    };
  }
  if (order.quoteAmountMinor !== undefined) {
    return { ...base, type: "market", quoteAmountMinor: order.quoteAmountMinor };
  }
  if (order.side === "sell") return { ...base, type: "market", quantityMinor: order.quantityMinor };
  const quantityMinor = order.quantityMinor;
  const capScaled = order.maxValueScaled;
  invariant(
    quantityMinor !== undefined && quantityMinor > 0n && capScaled !== undefined && capScaled > 0n,
    () => `LIVE market buy ${order.id} has no quantity or no value cap`,
  );
  // quantity x price <= cap for every level taken: the fills never pass the hold.
  const priceMinor = floorToStep(capScaled / quantityMinor, MARKETS[order.symbol].filters.tickSizeMinor);
  invariant(priceMinor > 0n, () => `LIVE market buy ${order.id}: its hold prices it at zero`);
  return { ...base, type: "limit", timeInForce: "IOC", quantityMinor, priceMinor };
}

function sliceOf(fill: ExchangeFill): Slice {
  return { priceMinor: fill.priceMinor, quantityMinor: fill.quantityMinor, liquidity: fill.liquidity };
}

function sumQuantity(fills: readonly ExchangeFill[]): bigint {
  return fills.reduce((total, fill) => total + fill.quantityMinor, 0n);
}

/**
 * A definite refusal (nothing was placed) becomes VenueRefusedError; a rate limit or weight
 * budget (nothing sent, but asked to wait), an unknown outcome or anything else is passed on,
 * and the desk keeps the step pending.
 */
function refusalOrPassing(error: unknown): unknown {
  if (!(error instanceof ExchangeError)) return error;
  if (!error.definite || error.kind === "rate_limited" || error.kind === "weight_budget") return error;
  return new VenueRefusedError(`exchange_${error.kind}`, error.message, {
    exchangeCode: error.exchangeCode ?? null,
    httpStatus: error.httpStatus ?? null,
    filter: error instanceof ExchangeFilterError ? error.filter : null,
    refusedLocally: error instanceof ExchangeFilterError ? String(error.local) : null,
  });
}
