import { readFileSync } from "node:fs";
import { ASSETS } from "../../../worker/services/ledger/assets.ts";
import { SIM_GENESIS_MS, SimulatedMarket } from "../../../worker/services/markets/sim/market.ts";
import { MARKETS, type MarketSymbol } from "../../../worker/services/markets/symbols.ts";
import type { BookLevel } from "../../../worker/services/markets/types.ts";

/**
 * The exchange behind the Binance stand-in: symbols, accounts, orders, matching and balances,
 * with no HTTP (server.ts speaks Binance's REST API over it).
 *
 * - Symbols and filters are the recorded exchangeInfo (test/fixtures/markets/binance/), for the
 *   pairs the platform's simulated market prices (BTCUSDT, ETHUSDT, SOLUSDT, ETHBTC).
 * - Prices are the simulated market's (worker/services/markets/sim/): a deterministic, seeded
 *   walk, the same one the platform shows with MARKET_SOURCE=sim, so a LIVE order on the
 *   stand-in fills at the prices the Trade page showed.
 * - A MARKET order (or the crossing part of a LIMIT) takes the simulated book at that second,
 *   level by level; the rest of a LIMIT GTC order rests, and on every request each resting order
 *   is checked against the range the market traded since its last check: a bid fills (as
 *   maker, at its price) once the market traded at or below it, an ask at or above, at most
 *   the top level's size per check, so large orders fill in parts.
 * - Balances per API key, free and locked, in 8-decimal units like Binance's; a LIMIT order
 *   locks what it may spend; commission is 0.1% of what the account receives, in that asset
 *   (rounded up to 8 decimals), on maker and taker fills alike.
 *
 * Everything is in memory and bounded (accounts, orders and trades per account); a restart
 * resets it. Amounts are bigint "E8" units (1 = 0.00000001), the precision of every field here.
 */

export const E8_SCALE = 8;
export const E8 = 100_000_000n;
/** 0.1%, as Binance's standard spot rate (makerCommission / takerCommission 10 = 10 bps). */
const COMMISSION_BPS = 10n;
const MAX_ACCOUNTS = 100;
const MAX_ORDERS_PER_ACCOUNT = 5_000;
const MAX_TRADES_PER_ACCOUNT = 5_000;
const BOOK_LEVELS = 100;

export class BinanceApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "BinanceApiError";
  }
}

export const badRequest = (code: number, message: string) => new BinanceApiError(400, code, message);

// ---- Symbols ---------------------------------------------------------------------------------

interface Grid {
  min: bigint;
  max: bigint;
  step: bigint;
}

export interface SymbolSpec {
  name: string;
  market: MarketSymbol;
  baseAsset: string;
  quoteAsset: string;
  /** The recorded exchangeInfo entry, as served (order types trimmed to what we implement). */
  info: Record<string, unknown>;
  price: Grid;
  lot: Grid;
  marketLot: Grid | undefined;
  notional: { min: bigint; max: bigint; applyMinToMarket: boolean; applyMaxToMarket: boolean };
  percentPrice: { bidUp: bigint; bidDown: bigint; askUp: bigint; askDown: bigint; avgPriceMins: number };
  maxNumOrders: number;
}

export const SUPPORTED_ORDER_TYPES = ["LIMIT", "LIMIT_MAKER", "MARKET"] as const;

const FIXTURE_PATH = new URL("../../fixtures/markets/binance/exchange-info.json", import.meta.url);

export interface ExchangeInfoRecording {
  rateLimits: Record<string, unknown>[];
  symbols: SymbolSpec[];
}

export function loadExchangeInfo(): ExchangeInfoRecording {
  const recorded = JSON.parse(readFileSync(FIXTURE_PATH, "utf8")) as {
    rateLimits: Record<string, unknown>[];
    symbols: Record<string, unknown>[];
  };
  const symbols: SymbolSpec[] = [];
  for (const entry of recorded.symbols) {
    const market = (Object.keys(MARKETS) as MarketSymbol[]).find(
      (symbol) => MARKETS[symbol].binanceSymbol === entry.symbol && MARKETS[symbol].liveTradable,
    );
    if (!market) continue; // priced by no simulated market (SOLBTC, SOLETH)
    const filters = new Map<string, Record<string, unknown>>();
    for (const filter of entry.filters as Record<string, unknown>[])
      filters.set(String(filter.filterType), filter);
    const grid = (name: string, min: string, max: string, step: string): Grid | undefined => {
      const filter = filters.get(name);
      return filter
        ? { min: toE8(String(filter[min])), max: toE8(String(filter[max])), step: toE8(String(filter[step])) }
        : undefined;
    };
    const notional = filters.get("NOTIONAL");
    const percent = filters.get("PERCENT_PRICE_BY_SIDE");
    const price = grid("PRICE_FILTER", "minPrice", "maxPrice", "tickSize");
    const lot = grid("LOT_SIZE", "minQty", "maxQty", "stepSize");
    if (!price || !lot || !notional || !percent)
      throw new Error(`fixture ${String(entry.symbol)} lacks filters`);
    symbols.push({
      name: String(entry.symbol),
      market,
      baseAsset: String(entry.baseAsset),
      quoteAsset: String(entry.quoteAsset),
      info: {
        ...entry,
        orderTypes: [...SUPPORTED_ORDER_TYPES],
        icebergAllowed: false,
        ocoAllowed: false,
        otoAllowed: false,
        allowTrailingStop: false,
        cancelReplaceAllowed: false,
      },
      price,
      lot,
      marketLot: grid("MARKET_LOT_SIZE", "minQty", "maxQty", "stepSize"),
      notional: {
        min: toE8(String(notional.minNotional)),
        max: toE8(String(notional.maxNotional)),
        applyMinToMarket: notional.applyMinToMarket === true,
        applyMaxToMarket: notional.applyMaxToMarket === true,
      },
      percentPrice: {
        bidUp: toE8(String(percent.bidMultiplierUp)),
        bidDown: toE8(String(percent.bidMultiplierDown)),
        askUp: toE8(String(percent.askMultiplierUp)),
        askDown: toE8(String(percent.askMultiplierDown)),
        avgPriceMins: Number(percent.avgPriceMins),
      },
      maxNumOrders: Number(filters.get("MAX_NUM_ORDERS")?.maxNumOrders ?? 200),
    });
  }
  return { rateLimits: recorded.rateLimits, symbols };
}

// ---- Decimal text <-> E8 ----------------------------------------------------------------------

/** Plain decimal text with at most 8 places to E8 (callers validate the text first). */
export function toE8(text: string): bigint {
  const [whole = "0", fraction = ""] = text.split(".");
  if (fraction.length > E8_SCALE) {
    const dropped = fraction.slice(E8_SCALE);
    if (!/^0*$/.test(dropped)) throw new RangeError(`${text} has more than 8 decimals`);
  }
  return BigInt(whole) * E8 + BigInt(fraction.slice(0, E8_SCALE).padEnd(E8_SCALE, "0"));
}

/** E8 as Binance writes it: always 8 decimals. */
export function formatE8(value: bigint): string {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  return `${negative ? "-" : ""}${magnitude / E8}.${(magnitude % E8).toString().padStart(E8_SCALE, "0")}`;
}

function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator - 1n) / denominator;
}

/** Quote amount of a fill: price x quantity truncated to 8 decimals, for payer and payee alike. */
function quoteOf(price: bigint, quantity: bigint): bigint {
  return (price * quantity) / E8;
}

function commissionOf(received: bigint): bigint {
  return ceilDiv(received * COMMISSION_BPS, 10_000n);
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

// ---- Accounts, orders, trades -----------------------------------------------------------------

export type OrderStatus = "NEW" | "PARTIALLY_FILLED" | "FILLED" | "CANCELED" | "EXPIRED" | "REJECTED";
export type Side = "BUY" | "SELL";
export type OrderKind = (typeof SUPPORTED_ORDER_TYPES)[number];
export type TimeInForce = "GTC" | "IOC" | "FOK";

export interface Fill {
  price: bigint;
  qty: bigint;
  commission: bigint;
  commissionAsset: string;
  tradeId: number;
}

export interface Order {
  symbol: SymbolSpec;
  orderId: number;
  clientOrderId: string;
  side: Side;
  type: OrderKind;
  timeInForce: TimeInForce;
  price: bigint;
  origQty: bigint;
  origQuoteOrderQty: bigint;
  executedQty: bigint;
  cummulativeQuoteQty: bigint;
  status: OrderStatus;
  time: number;
  updateTime: number;
  workingTime: number;
  /** What this order still has locked (quote for a bid, base for an ask). */
  locked: bigint;
  checkedUntilMs: number;
}

export interface Trade {
  id: number;
  orderId: number;
  symbol: string;
  price: bigint;
  qty: bigint;
  quoteQty: bigint;
  commission: bigint;
  commissionAsset: string;
  time: number;
  isBuyer: boolean;
  isMaker: boolean;
}

interface Balance {
  free: bigint;
  locked: bigint;
}

export interface Account {
  apiKey: string;
  secretKey: string;
  uid: number;
  balances: Map<string, Balance>;
  /** Insertion order = time order; closed orders beyond the cap are forgotten oldest first. */
  orders: Map<number, Order>;
  latestByClientId: Map<string, number>;
  trades: Trade[];
  updateTime: number;
  /** Times of new orders, for the ORDERS rate limits. */
  orderTimes: number[];
}

export interface NewOrder {
  symbol: SymbolSpec;
  side: Side;
  type: OrderKind;
  timeInForce: TimeInForce | undefined;
  quantity: bigint | undefined;
  quoteOrderQty: bigint | undefined;
  price: bigint | undefined;
  clientOrderId: string;
}

export function isOpen(order: Order): boolean {
  return order.status === "NEW" || order.status === "PARTIALLY_FILLED";
}

export interface ExchangeOptions {
  /** Seed of the simulated market; the platform's default is "coinhubx". */
  seed?: string;
}

export class StandinExchange {
  readonly symbols = new Map<string, SymbolSpec>();
  readonly accounts = new Map<string, Account>();
  readonly rateLimits: Record<string, unknown>[];
  readonly market: SimulatedMarket;
  private nextOrderId = 1_000_001;
  private nextTradeId = 5_000_001;
  private nextUid = 100_000_001;

  constructor(options: ExchangeOptions = {}) {
    const recording = loadExchangeInfo();
    for (const symbol of recording.symbols) this.symbols.set(symbol.name, symbol);
    this.rateLimits = recording.rateLimits;
    this.market = new SimulatedMarket({ seed: options.seed ?? "coinhubx" });
  }

  addAccount(apiKey: string, secretKey: string, funding: Record<string, string>): Account {
    const existing = this.accounts.get(apiKey);
    if (existing) return existing;
    if (this.accounts.size >= MAX_ACCOUNTS)
      throw new Error(`the stand-in holds at most ${MAX_ACCOUNTS} accounts`);
    const balances = new Map<string, Balance>();
    for (const [asset, amount] of Object.entries(funding))
      balances.set(asset, { free: toE8(amount), locked: 0n });
    const account: Account = {
      apiKey,
      secretKey,
      uid: this.nextUid++,
      balances,
      orders: new Map(),
      latestByClientId: new Map(),
      trades: [],
      updateTime: 0,
      orderTimes: [],
    };
    this.accounts.set(apiKey, account);
    return account;
  }

  // ---- Market ---------------------------------------------------------------------------

  /** The simulated book at `nowMs`, in E8. */
  book(symbol: SymbolSpec, nowMs: number, depth = BOOK_LEVELS): { bids: Level[]; asks: Level[] } {
    const book = this.market.bookAt(symbol.market, simSecond(nowMs), depth);
    const toLevels = (levels: BookLevel[]) =>
      levels.map((level) => ({
        price: fromQuoteMinor(symbol, level.priceMinor),
        qty: fromBaseMinor(symbol, level.quantityMinor),
      }));
    return { bids: toLevels(book.bids), asks: toLevels(book.asks) };
  }

  lastPrice(symbol: SymbolSpec, nowMs: number): bigint {
    return fromQuoteMinor(symbol, this.market.priceAt(symbol.market, nowMs));
  }

  /** Mean of the last `avgPriceMins` one-minute closes: Binance's avgPrice, for PERCENT_PRICE and NOTIONAL. */
  averagePrice(symbol: SymbolSpec, nowMs: number): bigint {
    const minutes = Math.max(1, symbol.percentPrice.avgPriceMins);
    const candles = this.market.candlesUntil(symbol.market, "1m", simSecond(nowMs), minutes);
    if (candles.length === 0) return this.lastPrice(symbol, nowMs);
    const sum = candles.reduce((total, candle) => total + candle.closeMinor, 0n);
    return fromQuoteMinor(symbol, sum / BigInt(candles.length));
  }

  // ---- Orders ---------------------------------------------------------------------------

  /** Validates filters and balances, executes what crosses, rests the rest. Returns the order and its fills. */
  placeOrder(
    account: Account,
    request: NewOrder,
    nowMs: number,
    test = false,
  ): { order: Order; fills: Fill[] } {
    const symbol = request.symbol;
    this.checkFilters(request, nowMs);
    if (test) return { order: this.draftOrder(request, nowMs, 0), fills: [] };

    const duplicateId = account.latestByClientId.get(request.clientOrderId);
    const duplicate = duplicateId === undefined ? undefined : account.orders.get(duplicateId);
    if (duplicate && isOpen(duplicate)) throw badRequest(-2010, "Duplicate order sent.");
    let openOnSymbol = 0;
    for (const order of account.orders.values()) if (isOpen(order) && order.symbol === symbol) openOnSymbol++;
    if (request.type !== "MARKET" && openOnSymbol >= symbol.maxNumOrders) {
      throw badRequest(-1013, "Filter failure: MAX_NUM_ORDERS");
    }

    const book = this.book(symbol, nowMs);
    const levels = request.side === "BUY" ? book.asks : book.bids;
    const planned = plan(request, levels, symbol);
    const isLimit = request.type !== "MARKET";

    if (request.type === "LIMIT_MAKER" && planned.length > 0) {
      throw badRequest(-2010, "Order would immediately match and take.");
    }
    if (isLimit && request.timeInForce === "FOK") {
      const total = planned.reduce((sum, slice) => sum + slice.qty, 0n);
      if (total < (request.quantity ?? 0n)) planned.length = 0;
    }

    // Funds: a limit order locks its whole worst case; a market order needs what it will spend.
    const quoteAsset = symbol.quoteAsset;
    const baseAsset = symbol.baseAsset;
    const quoteBalance = balanceOf(account, quoteAsset);
    const baseBalance = balanceOf(account, baseAsset);
    let lock = 0n;
    if (isLimit) {
      lock =
        request.side === "BUY"
          ? ceilDiv((request.price ?? 0n) * (request.quantity ?? 0n), E8)
          : (request.quantity ?? 0n);
      const from = request.side === "BUY" ? quoteBalance : baseBalance;
      if (from.free < lock) throw insufficientBalance();
    } else if (request.side === "BUY") {
      const cost = planned.reduce((sum, slice) => sum + quoteOf(slice.price, slice.qty), 0n);
      if (quoteBalance.free < cost) throw insufficientBalance();
    } else {
      const qty = planned.reduce((sum, slice) => sum + slice.qty, 0n);
      if (baseBalance.free < qty) throw insufficientBalance();
    }

    const order = this.draftOrder(request, nowMs, this.nextOrderId++);
    if (isLimit) {
      const from = request.side === "BUY" ? quoteBalance : baseBalance;
      from.free -= lock;
      from.locked += lock;
      order.locked = lock;
    }
    const fills: Fill[] = [];
    for (const slice of planned)
      fills.push(this.execute(account, order, slice.price, slice.qty, false, nowMs));

    const remaining = order.origQty - order.executedQty;
    if (request.type === "MARKET") {
      const done = request.quoteOrderQty !== undefined ? order.executedQty > 0n : remaining === 0n;
      order.status = done ? "FILLED" : "EXPIRED";
    } else if (remaining === 0n) {
      order.status = "FILLED";
    } else if (request.timeInForce === "IOC" || request.timeInForce === "FOK") {
      order.status = "EXPIRED";
    } else {
      order.status = order.executedQty > 0n ? "PARTIALLY_FILLED" : "NEW";
    }
    if (!isOpen(order)) this.releaseLock(account, order);
    this.remember(account, order);
    account.orderTimes.push(nowMs);
    account.updateTime = nowMs;
    return { order, fills };
  }

  cancelOrder(account: Account, order: Order, nowMs: number): void {
    if (!isOpen(order)) throw badRequest(-2011, "Unknown order sent.");
    order.status = "CANCELED";
    order.updateTime = nowMs;
    this.releaseLock(account, order);
    account.updateTime = nowMs;
  }

  findOrder(
    account: Account,
    symbol: SymbolSpec,
    orderId: number | undefined,
    clientOrderId: string | undefined,
  ): Order | undefined {
    let order: Order | undefined;
    if (orderId !== undefined) {
      order = account.orders.get(orderId);
      if (order && clientOrderId !== undefined && order.clientOrderId !== clientOrderId) return undefined;
    } else if (clientOrderId !== undefined) {
      const id = account.latestByClientId.get(clientOrderId);
      order = id === undefined ? undefined : account.orders.get(id);
    }
    return order && order.symbol === symbol ? order : undefined;
  }

  /**
   * Resting orders of every account against what the market traded since their last check.
   * Called on every request, so fills appear whenever anyone looks, in a deterministic way.
   */
  advance(nowMs: number): void {
    const second = simSecond(nowMs);
    for (const account of this.accounts.values()) {
      for (const order of account.orders.values()) {
        if (!isOpen(order) || simSecond(order.checkedUntilMs) >= second) continue;
        const range = this.market.rangeBetween(order.symbol.market, order.checkedUntilMs, nowMs);
        const low = fromQuoteMinor(order.symbol, range.lowMinor);
        const high = fromQuoteMinor(order.symbol, range.highMinor);
        order.checkedUntilMs = nowMs;
        const crossed = order.side === "BUY" ? low <= order.price : high >= order.price;
        if (!crossed) continue;
        const book = this.book(order.symbol, nowMs, 1);
        const counterparty =
          (order.side === "BUY" ? book.asks[0] : book.bids[0])?.qty ?? order.symbol.lot.min;
        const qty = minBig(
          order.origQty - order.executedQty,
          counterparty > 0n ? counterparty : order.symbol.lot.min,
        );
        this.execute(account, order, order.price, qty, true, nowMs);
        order.status = order.executedQty === order.origQty ? "FILLED" : "PARTIALLY_FILLED";
        if (!isOpen(order)) this.releaseLock(account, order);
        account.updateTime = nowMs;
      }
    }
  }

  // ---- Internals ------------------------------------------------------------------------

  private draftOrder(request: NewOrder, nowMs: number, orderId: number): Order {
    return {
      symbol: request.symbol,
      orderId,
      clientOrderId: request.clientOrderId,
      side: request.side,
      type: request.type,
      timeInForce: request.timeInForce ?? "GTC",
      price: request.type === "MARKET" ? 0n : (request.price ?? 0n),
      origQty: request.quantity ?? 0n,
      origQuoteOrderQty: request.quoteOrderQty ?? 0n,
      executedQty: 0n,
      cummulativeQuoteQty: 0n,
      status: "NEW",
      time: nowMs,
      updateTime: nowMs,
      workingTime: nowMs,
      locked: 0n,
      checkedUntilMs: nowMs,
    };
  }

  /** One fill: moves the money (and what was locked for it), records the trade. */
  private execute(
    account: Account,
    order: Order,
    price: bigint,
    qty: bigint,
    isMaker: boolean,
    nowMs: number,
  ): Fill {
    const symbol = order.symbol;
    const quote = balanceOf(account, symbol.quoteAsset);
    const base = balanceOf(account, symbol.baseAsset);
    const quoteQty = quoteOf(price, qty);
    let commission: bigint;
    let commissionAsset: string;
    if (order.side === "BUY") {
      commission = commissionOf(qty);
      commissionAsset = symbol.baseAsset;
      if (order.type === "MARKET") {
        quote.free -= quoteQty;
      } else {
        quote.locked -= quoteQty;
        order.locked -= quoteQty;
      }
      base.free += qty - commission;
    } else {
      commission = commissionOf(quoteQty);
      commissionAsset = symbol.quoteAsset;
      if (order.type === "MARKET") {
        base.free -= qty;
      } else {
        base.locked -= qty;
        order.locked -= qty;
      }
      quote.free += quoteQty - commission;
    }
    order.executedQty += qty;
    order.cummulativeQuoteQty += quoteQty;
    order.updateTime = nowMs;
    if (order.side === "BUY" && order.type !== "MARKET") {
      // A bid filled below its limit no longer needs all it locked: keep only what the rest needs.
      const needed = ceilDiv(order.price * (order.origQty - order.executedQty), E8);
      if (order.locked > needed) {
        const excess = order.locked - needed;
        quote.locked -= excess;
        quote.free += excess;
        order.locked = needed;
      }
    }
    const trade: Trade = {
      id: this.nextTradeId++,
      orderId: order.orderId,
      symbol: symbol.name,
      price,
      qty,
      quoteQty,
      commission,
      commissionAsset,
      time: nowMs,
      isBuyer: order.side === "BUY",
      isMaker,
    };
    account.trades.push(trade);
    if (account.trades.length > MAX_TRADES_PER_ACCOUNT) account.trades.shift();
    assertBalances(account);
    return { price, qty, commission, commissionAsset, tradeId: trade.id };
  }

  private releaseLock(account: Account, order: Order): void {
    if (order.locked === 0n) return;
    const balance = balanceOf(
      account,
      order.side === "BUY" ? order.symbol.quoteAsset : order.symbol.baseAsset,
    );
    balance.locked -= order.locked;
    balance.free += order.locked;
    order.locked = 0n;
    assertBalances(account);
  }

  private remember(account: Account, order: Order): void {
    account.orders.set(order.orderId, order);
    account.latestByClientId.set(order.clientOrderId, order.orderId);
    if (account.orders.size <= MAX_ORDERS_PER_ACCOUNT) return;
    for (const [id, old] of account.orders) {
      if (account.orders.size <= MAX_ORDERS_PER_ACCOUNT) break;
      if (isOpen(old)) continue;
      account.orders.delete(id);
      if (account.latestByClientId.get(old.clientOrderId) === id)
        account.latestByClientId.delete(old.clientOrderId);
    }
  }

  private checkFilters(request: NewOrder, nowMs: number): void {
    const symbol = request.symbol;
    const onGrid = (value: bigint, grid: Grid) =>
      (grid.min === 0n || value >= grid.min) &&
      (grid.max === 0n || value <= grid.max) &&
      (grid.step === 0n || (value - grid.min) % grid.step === 0n);
    const average = this.averagePrice(symbol, nowMs);
    if (request.type !== "MARKET") {
      const price = request.price ?? 0n;
      if (!onGrid(price, symbol.price)) throw badRequest(-1013, "Filter failure: PRICE_FILTER");
      const { bidUp, bidDown, askUp, askDown } = symbol.percentPrice;
      const [up, down] = request.side === "BUY" ? [bidUp, bidDown] : [askUp, askDown];
      if (price * E8 > average * up || price * E8 < average * down) {
        throw badRequest(-1013, "Filter failure: PERCENT_PRICE_BY_SIDE");
      }
    }
    if (request.quantity !== undefined) {
      if (!onGrid(request.quantity, symbol.lot)) throw badRequest(-1013, "Filter failure: LOT_SIZE");
      if (request.type === "MARKET" && symbol.marketLot && !onGrid(request.quantity, symbol.marketLot)) {
        throw badRequest(-1013, "Filter failure: MARKET_LOT_SIZE");
      }
    }
    const { notional } = symbol;
    const isMarket = request.type === "MARKET";
    const value =
      request.quoteOrderQty ?? quoteOf(isMarket ? average : (request.price ?? 0n), request.quantity ?? 0n);
    if ((!isMarket || notional.applyMinToMarket) && value < notional.min) {
      throw badRequest(-1013, "Filter failure: NOTIONAL");
    }
    if ((!isMarket || notional.applyMaxToMarket) && notional.max > 0n && value > notional.max) {
      throw badRequest(-1013, "Filter failure: NOTIONAL");
    }
  }
}

export interface Level {
  price: bigint;
  qty: bigint;
}

/** What executes now against the book: by quantity (up to a limit price) or by quote amount. */
function plan(request: NewOrder, levels: Level[], symbol: SymbolSpec): Level[] {
  const slices: Level[] = [];
  const step = symbol.lot.step > 0n ? symbol.lot.step : 1n;
  const limit = request.type === "MARKET" ? undefined : request.price;
  const worse = (price: bigint) =>
    limit !== undefined && (request.side === "BUY" ? price > limit : price < limit);
  if (request.quoteOrderQty !== undefined) {
    // Spend (or raise) at most quoteOrderQty, in whole lot steps (it "will not break LOT_SIZE").
    let room = request.quoteOrderQty;
    for (const level of levels) {
      const affordable = ((room * E8) / level.price / step) * step;
      const take = minBig(affordable, level.qty);
      if (take <= 0n) break;
      slices.push({ price: level.price, qty: take });
      room -= quoteOf(level.price, take);
    }
    return slices;
  }
  let remaining = request.quantity ?? 0n;
  for (const level of levels) {
    if (remaining <= 0n || worse(level.price)) break;
    const take = minBig(level.qty, remaining);
    slices.push({ price: level.price, qty: take });
    remaining -= take;
  }
  return slices;
}

function balanceOf(account: Account, asset: string): Balance {
  let balance = account.balances.get(asset);
  if (!balance) {
    balance = { free: 0n, locked: 0n };
    account.balances.set(asset, balance);
  }
  return balance;
}

function insufficientBalance(): BinanceApiError {
  return badRequest(-2010, "Account has insufficient balance for requested action.");
}

/** The stand-in's own invariant: no balance, free or locked, ever goes negative. */
function assertBalances(account: Account): void {
  for (const [asset, balance] of account.balances) {
    if (balance.free < 0n || balance.locked < 0n) {
      throw new Error(
        `stand-in invariant: ${asset} balance went negative (${balance.free}, ${balance.locked})`,
      );
    }
  }
}

export function simSecond(timeMs: number): number {
  return Math.floor((timeMs - SIM_GENESIS_MS) / 1000);
}

function fromQuoteMinor(symbol: SymbolSpec, minor: bigint): bigint {
  return minor * 10n ** BigInt(E8_SCALE - ASSETS[MARKETS[symbol.market].quote].scale);
}

function fromBaseMinor(symbol: SymbolSpec, minor: bigint): bigint {
  return minor * 10n ** BigInt(E8_SCALE - ASSETS[MARKETS[symbol.market].base].scale);
}

export function ordersRecentCount(account: Account, nowMs: number, windowMs: number): number {
  const times = account.orderTimes;
  // Times are appended in order; forget what no window needs any more (one day).
  let expired = 0;
  while (expired < times.length && (times[expired] ?? 0) <= nowMs - 86_400_000) expired++;
  if (expired > 0) times.splice(0, expired);
  // First time inside the window, by binary search.
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((times[middle] ?? 0) <= nowMs - windowMs) low = middle + 1;
    else high = middle;
  }
  return times.length - low;
}
