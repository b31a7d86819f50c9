import type { Client } from "../../../db/client.ts";
import { ASSETS } from "../../../worker/services/ledger/assets.ts";
import { MARKETS, type MarketSymbol } from "../../../worker/services/markets/symbols.ts";
import type {
  BookLevel,
  CandleSeries,
  MarketDataSource,
  OrderBook,
  Ticker,
  TradeList,
} from "../../../worker/services/markets/types.ts";
import { Incarnation, randomFor } from "../flows/chaos-support.ts";

/**
 * The machinery of the bots chaos test (chaos.test.ts) that the flows chaos test does not
 * already have (test/worker/flows/chaos-support.ts brings the seeded faults, the failing
 * libSQL client and ledger client): a scripted market whose price walks with the seed, and a
 * Durable Object instance that is reset after a given number of I/O steps.
 */

/** The price moves once per step. */
export const PRICE_STEP_MS = 10_000;
/** Per step, the price moves by at most this (parts per million), and is pulled back to its base. */
const STEP_PPM = 3_000;
const PULL_BACK = 0.995;
/** Now and then a jump of this much (either way), which then decays: grids meet their stop prices. */
const JUMP_PPM = 45_000;
const JUMP_CHANCE = 0.004;
/** Share of market minutes whose data is stale (no orders proposed, the paper venue refuses). */
const STALE_CHANCE = 0.03;
const BOOK_LEVELS = 10;

/**
 * A MarketDataSource for BTC-GBP and ETH-GBP whose last price is a pure function of the seed
 * and market time: a mean-reverting walk around a base price, one step every 10 seconds, with
 * rare jumps. The paper venue (trading/paper-venue.ts) fills resting orders against `ticker()`
 * at each check, so the bots' limit orders fill when this price crosses them: DCA safety
 * orders and take profits and grid re-arms really happen.
 */
export class ScriptedMarket implements MarketDataSource {
  readonly name = "sim" as const;
  readonly #paths = new Map<MarketSymbol, number[]>();
  /** Lowest and highest price answered per symbol (for the stats). */
  readonly seen = new Map<MarketSymbol, { low: bigint; high: bigint }>();

  constructor(
    private readonly seed: number,
    private readonly startMs: number,
    private readonly now: () => number,
    readonly bases: Partial<Record<MarketSymbol, bigint>>,
  ) {}

  /** The offset from the base price (ppm) at a step: computed step by step, memoised. */
  #offsetPpm(symbol: MarketSymbol, step: number): number {
    let path = this.#paths.get(symbol);
    if (!path) {
      path = [0];
      this.#paths.set(symbol, path);
    }
    while (path.length <= step) {
      const n = path.length;
      const random = randomFor(`${this.seed}|walk|${symbol}|${n}`);
      let next = (path[n - 1] ?? 0) * PULL_BACK + (random() * 2 - 1) * STEP_PPM;
      if (random() < JUMP_CHANCE) next += (random() < 0.5 ? -1 : 1) * JUMP_PPM;
      path.push(Math.max(-300_000, Math.min(300_000, next)));
    }
    return path[step] ?? 0;
  }

  priceAt(symbol: MarketSymbol, atMs: number): bigint {
    const base = this.bases[symbol];
    if (base === undefined) throw new Error(`the scripted market has no ${symbol}`);
    const step = Math.max(0, Math.floor((atMs - this.startMs) / PRICE_STEP_MS));
    const price = (base * BigInt(1_000_000 + Math.round(this.#offsetPpm(symbol, step)))) / 1_000_000n;
    const seen = this.seen.get(symbol);
    if (!seen) this.seen.set(symbol, { low: price, high: price });
    else {
      if (price < seen.low) seen.low = price;
      if (price > seen.high) seen.high = price;
    }
    return price;
  }

  staleAt(symbol: MarketSymbol, atMs: number): boolean {
    return randomFor(`${this.seed}|stale|${symbol}|${Math.floor(atMs / 60_000)}`)() < STALE_CHANCE;
  }

  async tickers(): Promise<Ticker[]> {
    return Promise.all((Object.keys(this.bases) as MarketSymbol[]).map((symbol) => this.ticker(symbol)));
  }

  async ticker(symbol: MarketSymbol): Promise<Ticker> {
    const atMs = this.now();
    const last = this.priceAt(symbol, atMs);
    const spread = last / 10_000n > 0n ? last / 10_000n : 1n;
    return {
      symbol,
      lastMinor: last,
      bidMinor: last - spread,
      askMinor: last + spread,
      open24hMinor: this.bases[symbol] ?? last,
      high24hMinor: last,
      low24hMinor: last,
      volume24hMinor: 0n,
      quoteVolume24hMinor: 0n,
      source: this.name,
      asOfMs: atMs,
      stale: this.staleAt(symbol, atMs),
    };
  }

  /** Ten levels a basis point apart on each side, deep enough for any bot order here. */
  async book(symbol: MarketSymbol, depth: number): Promise<OrderBook> {
    const atMs = this.now();
    const last = this.priceAt(symbol, atMs);
    const market = MARKETS[symbol];
    const unit = 10n ** BigInt(ASSETS[market.base].scale);
    const step = market.filters.stepSizeMinor;
    // About 2,000 GBP of the base per level.
    const perLevel = ((200_000n * unit) / last / step) * step;
    const quantity = perLevel > 0n ? perLevel : step;
    const gap = last / 10_000n > 0n ? last / 10_000n : 1n;
    const asks: BookLevel[] = [];
    const bids: BookLevel[] = [];
    for (let level = 1; level <= Math.min(depth, BOOK_LEVELS); level++) {
      asks.push({ priceMinor: last + gap * BigInt(level), quantityMinor: quantity });
      bids.push({ priceMinor: last - gap * BigInt(level), quantityMinor: quantity });
    }
    return { symbol, bids, asks, source: this.name, asOfMs: atMs, stale: this.staleAt(symbol, atMs) };
  }

  async candles(): Promise<CandleSeries> {
    throw new Error("the scripted market has no candles");
  }

  async trades(symbol: MarketSymbol): Promise<TradeList> {
    return { symbol, trades: [], source: this.name, asOfMs: this.now(), stale: false };
  }
}

/**
 * A Durable Object instance that is reset after `steps` more I/O steps (each call is checked
 * when it starts and when it answers): the old instance of a duplicated alarm, whose requests
 * already sent still land while the new instance runs.
 */
export class DoomedIncarnation extends Incarnation {
  #left: number;

  constructor(number: number, steps: number) {
    super(number);
    this.#left = steps;
  }

  override assertAlive(): void {
    if (this.#left-- <= 0) this.dead = true;
    super.assertAlive();
  }
}

/** A bot id shaped like the API's (`bot_` and 32 hex digits), fixed by the text. */
export function botIdFrom(text: string): string {
  const random = randomFor(text);
  return `bot_${Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join("")}`;
}

/** A strategy state a bot's desk committed: which order keys it tracked, as of which tick. */
export interface CommittedState {
  ticks: number;
  lastTickAtMs: number | null;
  keys: string[];
}

/**
 * Below the failing client: every strategy state a `bots` update really wrote (a
 * compare-and-set that matched, as its RETURNING shows), so the test knows every state ever
 * committed, including those whose answer the desk never heard. The state, tick and time are
 * read from the statement's arguments (the SET placeholders come first, in column order).
 */
export function recordingClient(
  inner: Client,
  record: (botId: string, state: CommittedState) => void,
): Client {
  return new Proxy(inner, {
    get(target, property) {
      if (property !== "execute") {
        // Called on the client itself: it keeps private state a proxy cannot reach.
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return async (statement: Parameters<Client["execute"]>[0]) => {
        const result = await target.execute(statement);
        const sql =
          typeof statement === "string" ? statement : String((statement as { sql?: unknown }).sql ?? "");
        const set = /^\s*update\s+"bots"\s+set\s+(.*?)\s+where\s/is.exec(sql)?.[1];
        const row = result.rows[0] as unknown as Record<string, unknown> | undefined;
        if (set && row && typeof row.id === "string") {
          const columns = [...set.matchAll(/"(\w+)"\s*=\s*\?/g)].map((match) => match[1]);
          const args = ((statement as { args?: unknown[] }).args ?? []) as unknown[];
          const value = (column: string) => args[columns.indexOf(column)];
          const text = value("state");
          if (columns.includes("state") && typeof text === "string") {
            const state = JSON.parse(text) as { orders?: { key: string }[] };
            const lastTick = value("last_tick_at_ms");
            record(row.id, {
              ticks: Number(value("ticks")),
              lastTickAtMs: lastTick === null || lastTick === undefined ? null : Number(lastTick),
              keys: (state.orders ?? []).map((order) => order.key),
            });
          }
        }
        return result;
      };
    },
  });
}
