import type { Config } from "../../env.ts";
import { createLogger, type Logger } from "../../logger.ts";
import { amountMinorOf } from "../ledger/amount.ts";
import { ASSET_CODES, type AssetCode, assert, unitMinor } from "../ledger/assets.ts";
import { divide } from "../markets/decimal.ts";
import { getMarketSource, type MarketSymbol } from "../markets/index.ts";
import type { MarketDataSource, MarketSourceName, Ticker } from "../markets/types.ts";
import { isolateMetrics, type MetricsRecorder } from "../metrics/recorder.ts";

/**
 * GBP equivalents at the market service's prices, for the limits that are written in pounds
 * but met in any asset: the paper-deposit daily cap, withdrawal approval and velocity, and the
 * 30-day volume that picks a fee tier. Nothing that moves money at a price (orders, fills)
 * reads this: those trade at the venue's price.
 *
 * Prices: GBP is 1; BTC, ETH and SOL are their -GBP market's last price; USDT has no GBP
 * market, so it is the cross BTC-GBP / BTC-USDT. Every price stays an exact fraction (pence per
 * so many minor units) until one division, rounded up, so a cap measured this way is never
 * exceeded by rounding. No float anywhere.
 *
 * The stale-price rule (README decision record 032), per asset, each time a snapshot is built:
 *   1. fresh: every market the price needs has a last price > 0 whose timestamp is at most
 *      PRICE_FRESH_MS (5 min) old -> that price, remembered as the asset's last good price;
 *   2. otherwise (the source failed, timed out, or answered old prices) the last good price, if
 *      at most LAST_GOOD_MAX_AGE_MS (24 h) old -> that price, and a warning (at most one a minute);
 *   3. otherwise the LAST-RESORT table below -> an error log (at most one a minute) and
 *      `chx_valuation_fallbacks_total{price="reference"}`.
 * So a valuation is always answered: a customer is never blocked because prices are missing.
 * Snapshots are kept for SNAPSHOT_TTL_MS (15 s), so hot paths do not ask the source per call.
 */

export const PRICE_FRESH_MS = 5 * 60_000;
export const LAST_GOOD_MAX_AGE_MS = 24 * 3_600_000;
export const SNAPSHOT_TTL_MS = 15_000;
/** A source slower than this counts as failed for this snapshot (rule 2 or 3 applies). */
const SOURCE_TIMEOUT_MS = 2_000;
const LOG_INTERVAL_MS = 60_000;

/**
 * The LAST-RESORT floor: FIXED GBP prices, used only when the market has had no fresh price for
 * an asset for 24 hours (or never, in this isolate). Deliberately round and static; they were
 * the only prices before the market service existed. A limit valued at them is approximate,
 * which is better than refusing every deposit and withdrawal while the market data is down.
 */
const LAST_RESORT_PRICES_GBP: Readonly<Record<AssetCode, string>> = {
  GBP: "1.00",
  USDT: "0.80",
  BTC: "50000.00",
  ETH: "2500.00",
  SOL: "100.00",
};

/** `gbpMinor` pence buy `perAssetMinor` minor units of the asset: an exact fraction. */
interface GbpRate {
  gbpMinor: bigint;
  perAssetMinor: bigint;
}

/** Which step of the stale-price rule priced an asset ("par": GBP itself). */
export type PriceBasis = "par" | "market" | "last_good" | "reference";

export interface GbpPrice extends GbpRate {
  basis: PriceBasis;
  /** When the price was true (the older market's timestamp for a cross); null for par and reference. */
  asOfMs: number | null;
}

type MarketPricedAsset = Exclude<AssetCode, "GBP">;

/** The markets each asset is priced from: GBP per unit = numerator market / denominator market. */
const ROUTES: Readonly<Record<MarketPricedAsset, { numerator: MarketSymbol; denominator?: MarketSymbol }>> = {
  BTC: { numerator: "BTC-GBP" },
  ETH: { numerator: "ETH-GBP" },
  SOL: { numerator: "SOL-GBP" },
  // No USDT-GBP market: GBP per USDT = (GBP per BTC) / (USDT per BTC).
  USDT: { numerator: "BTC-GBP", denominator: "BTC-USDT" },
};
const MARKET_PRICED_ASSETS = Object.keys(ROUTES) as MarketPricedAsset[];

/** One set of prices, fixed when it was built: every limit checked with it agrees with the others. */
export class GbpValuation {
  readonly #prices: Readonly<Record<AssetCode, GbpPrice>>;

  constructor(
    prices: Readonly<Record<AssetCode, GbpPrice>>,
    /** When the snapshot was built. */
    readonly atMs: number,
  ) {
    for (const asset of ASSET_CODES) {
      const price = prices[asset];
      assert(price.gbpMinor > 0n && price.perAssetMinor > 0n, `GBP price of ${asset} must be positive`);
    }
    this.#prices = prices;
  }

  /** GBP-equivalent in pence, rounded up: a cap measured this way is never exceeded by rounding. */
  valueMinor(asset: AssetCode, amountMinor: bigint): bigint {
    assert(amountMinor >= 0n, "GBP equivalent of a negative amount");
    const price = this.#prices[asset];
    return divide(amountMinor * price.gbpMinor, price.perAssetMinor, "ceil");
  }

  /** The price of one asset and the rule step that chose it (for logs and tests). */
  price(asset: AssetCode): GbpPrice {
    return this.#prices[asset];
  }
}

const PAR: GbpPrice = { gbpMinor: 1n, perAssetMinor: 1n, basis: "par", asOfMs: null };

function referencePrice(asset: AssetCode): GbpPrice {
  if (asset === "GBP") return PAR;
  return {
    gbpMinor: amountMinorOf("GBP", LAST_RESORT_PRICES_GBP[asset]),
    perAssetMinor: unitMinor(asset),
    basis: "reference",
    asOfMs: null,
  };
}

function referencePrices(): Record<AssetCode, GbpPrice> {
  const prices = Object.fromEntries(ASSET_CODES.map((asset) => [asset, referencePrice(asset)]));
  return prices as Record<AssetCode, GbpPrice>;
}

/** Every asset at the last-resort table: the engine's default outside a Durable Object, and tests'. */
export function referenceGbpValuation(atMs = 0): GbpValuation {
  return new GbpValuation(referencePrices(), atMs);
}

export interface GbpValuationProvider {
  /** The current snapshot. Never rejects: a missing price falls back as the rule says. */
  snapshot(): Promise<GbpValuation>;
}

/** Always the same valuation: for tests, and for code run outside a Worker (backups, tools). */
export function constantGbpValuations(valuation: GbpValuation): GbpValuationProvider {
  return { snapshot: async () => valuation };
}

interface ProviderOptions {
  /** The market; default the source MARKET_SOURCE names (one per isolate). */
  source?: MarketDataSource;
  /** Unix ms; default Date.now. */
  clock?: () => number;
  logger?: Logger;
  metrics?: Pick<MetricsRecorder, "increment">;
  sourceTimeoutMs?: number;
}

const perIsolate = new Map<MarketSourceName, GbpValuationProvider>();

/**
 * The valuation provider for this isolate (shared by the Worker and every Durable Object in it,
 * so the last good prices are remembered once). Options (tests) get a fresh, unshared one.
 */
export function gbpValuationProvider(
  config: Pick<Config, "MARKET_SOURCE" | "LOG_LEVEL">,
  options?: ProviderOptions,
): GbpValuationProvider {
  if (!options) {
    const existing = perIsolate.get(config.MARKET_SOURCE);
    if (existing) return existing;
  }
  const provider = new MarketGbpValuations({
    source: options?.source ?? getMarketSource(config),
    clock: options?.clock ?? Date.now,
    logger: options?.logger ?? createLogger({ level: config.LOG_LEVEL }).child({ component: "valuation" }),
    metrics: options?.metrics ?? isolateMetrics,
    sourceTimeoutMs: options?.sourceTimeoutMs ?? SOURCE_TIMEOUT_MS,
  });
  if (!options) perIsolate.set(config.MARKET_SOURCE, provider);
  return provider;
}

interface LastGood extends GbpRate {
  asOfMs: number;
}

class MarketGbpValuations implements GbpValuationProvider {
  readonly #options: Required<ProviderOptions>;
  readonly #lastGood = new Map<MarketPricedAsset, LastGood>();
  #cached: GbpValuation | null = null;
  #building: Promise<GbpValuation> | null = null;
  #warnedAtMs = Number.NEGATIVE_INFINITY;
  #erredAtMs = Number.NEGATIVE_INFINITY;

  constructor(options: Required<ProviderOptions>) {
    this.#options = options;
  }

  async snapshot(): Promise<GbpValuation> {
    const nowMs = this.#options.clock();
    const cached = this.#cached;
    if (cached && nowMs >= cached.atMs && nowMs - cached.atMs < SNAPSHOT_TTL_MS) return cached;
    // Callers arriving while a snapshot is being built share it: one source call, not one each.
    if (!this.#building) {
      this.#building = this.#build()
        .catch((error: unknown) => {
          // A bug, not an outage; still never the customer's problem (the rule's last step).
          this.#options.logger.error("GBP valuation failed: using the last-resort reference prices", {
            error,
          });
          return referenceGbpValuation(this.#options.clock());
        })
        .finally(() => {
          this.#building = null;
        });
    }
    return this.#building;
  }

  async #build(): Promise<GbpValuation> {
    let tickers: Ticker[] = [];
    let failure: unknown = null;
    try {
      tickers = await withTimeout(this.#options.source.tickers(), this.#options.sourceTimeoutMs);
    } catch (error) {
      failure = error;
    }
    const nowMs = this.#options.clock();
    const bySymbol = new Map(tickers.map((ticker) => [ticker.symbol, ticker]));
    const prices = referencePrices();
    const lastGood: MarketPricedAsset[] = [];
    const reference: MarketPricedAsset[] = [];
    for (const asset of MARKET_PRICED_ASSETS) {
      const fresh = freshRate(ROUTES[asset], bySymbol, nowMs);
      if (fresh) {
        const known = this.#lastGood.get(asset);
        if (!known || known.asOfMs <= fresh.asOfMs) this.#lastGood.set(asset, fresh);
        prices[asset] = { ...fresh, basis: "market" };
        continue;
      }
      const known = this.#lastGood.get(asset);
      if (known && nowMs - known.asOfMs <= LAST_GOOD_MAX_AGE_MS) {
        prices[asset] = { ...known, basis: "last_good" };
        lastGood.push(asset);
      } else {
        prices[asset] = referencePrice(asset);
        reference.push(asset);
      }
    }
    this.#report(nowMs, failure, lastGood, reference);
    const valuation = new GbpValuation(prices, nowMs);
    this.#cached = valuation;
    return valuation;
  }

  #report(
    nowMs: number,
    failure: unknown,
    lastGood: MarketPricedAsset[],
    reference: MarketPricedAsset[],
  ): void {
    const { logger, metrics } = this.#options;
    for (const asset of lastGood)
      metrics.increment("chx_valuation_fallbacks_total", { asset, price: "last_good" });
    for (const asset of reference)
      metrics.increment("chx_valuation_fallbacks_total", { asset, price: "reference" });
    const fields = { source: this.#options.source.name, lastGood, reference, error: failure ?? undefined };
    if (reference.length > 0) {
      if (nowMs - this.#erredAtMs >= LOG_INTERVAL_MS) {
        this.#erredAtMs = nowMs;
        logger.error(
          "no market price for 24 h: GBP equivalents use the last-resort reference prices",
          fields,
        );
      }
    } else if (lastGood.length > 0 && nowMs - this.#warnedAtMs >= LOG_INTERVAL_MS) {
      this.#warnedAtMs = nowMs;
      logger.warn("market prices stale: GBP equivalents use the last good prices", fields);
    }
  }
}

/** The rate from markets whose last prices are positive and at most PRICE_FRESH_MS old, else null. */
function freshRate(
  route: { numerator: MarketSymbol; denominator?: MarketSymbol },
  bySymbol: ReadonlyMap<MarketSymbol, Ticker>,
  nowMs: number,
): LastGood | null {
  const numerator = freshTicker(bySymbol.get(route.numerator), nowMs);
  if (!numerator) return null;
  if (!route.denominator) {
    const [base] = route.numerator.split("-") as [AssetCode];
    return {
      gbpMinor: numerator.lastMinor,
      perAssetMinor: unitMinor(base),
      asOfMs: Math.min(numerator.asOfMs, nowMs),
    };
  }
  // numerator: pence per whole BTC; denominator: USDT minor units per whole BTC. Their ratio is
  // pence per USDT minor unit, exactly.
  const denominator = freshTicker(bySymbol.get(route.denominator), nowMs);
  if (!denominator) return null;
  return {
    gbpMinor: numerator.lastMinor,
    perAssetMinor: denominator.lastMinor,
    asOfMs: Math.min(numerator.asOfMs, denominator.asOfMs, nowMs),
  };
}

function freshTicker(ticker: Ticker | undefined, nowMs: number): Ticker | null {
  if (!ticker || ticker.lastMinor <= 0n || !Number.isFinite(ticker.asOfMs)) return null;
  // A timestamp ahead of our clock (another machine's) counts as now (see freshRate).
  return nowMs - ticker.asOfMs <= PRICE_FRESH_MS ? ticker : null;
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`market source did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
