import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { userAccount } from "../../../worker/services/ledger/accounts.ts";
import { type AssetCode, LedgerInvariantError } from "../../../worker/services/ledger/assets.ts";
import type { LedgerCommand } from "../../../worker/services/ledger/commands.ts";
import {
  applyMovement,
  emptyState,
  type LedgerState,
  planMovement,
} from "../../../worker/services/ledger/movements.ts";
import { balanceKey } from "../../../worker/services/ledger/postings.ts";
import { SimulatedMarket } from "../../../worker/services/markets/sim/market.ts";
import { MARKET_SYMBOLS, type MarketSymbol } from "../../../worker/services/markets/symbols.ts";
import type { MarketDataSource, Ticker } from "../../../worker/services/markets/types.ts";
import {
  type GbpValuation,
  gbpValuationProvider,
  LAST_GOOD_MAX_AGE_MS,
  PRICE_FRESH_MS,
  referenceGbpValuation,
  SNAPSHOT_TTL_MS,
} from "../../../worker/services/valuation/gbp.ts";

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const MINUTE = 60_000;

/** BTC-GBP 80,000.00; BTC-USDT 100,000.00; ETH-GBP 2,000.00; SOL-GBP 150.00 (quote minor units). */
const PRICES: Partial<Record<MarketSymbol, bigint>> = {
  "BTC-GBP": 8_000_000n,
  "ETH-GBP": 200_000n,
  "SOL-GBP": 15_000n,
  "BTC-USDT": 100_000_000_000n,
  "ETH-USDT": 2_500_000_000n,
  "SOL-USDT": 187_500_000n,
  "ETH-BTC": 2_500_000n,
};

function ticker(symbol: MarketSymbol, lastMinor: bigint, asOfMs: number): Ticker {
  return {
    symbol,
    lastMinor,
    bidMinor: lastMinor,
    askMinor: lastMinor,
    open24hMinor: lastMinor,
    high24hMinor: lastMinor,
    low24hMinor: lastMinor,
    volume24hMinor: 0n,
    quoteVolume24hMinor: 0n,
    source: "sim",
    asOfMs,
    stale: false,
  };
}

/** A market whose answer the test sets: prices, their timestamp, a failure, or silence. */
class FakeMarket {
  prices: Partial<Record<MarketSymbol, bigint>> = { ...PRICES };
  asOfMs = T0;
  mode: "answer" | "fail" | "hang" = "answer";
  calls = 0;

  readonly source = {
    name: "sim",
    tickers: async (): Promise<Ticker[]> => {
      this.calls++;
      if (this.mode === "fail") throw new Error("market_data_unavailable");
      if (this.mode === "hang") return new Promise<Ticker[]>(() => {});
      return MARKET_SYMBOLS.flatMap((symbol) => {
        const last = this.prices[symbol];
        return last === undefined ? [] : [ticker(symbol, last, this.asOfMs)];
      });
    },
  } as unknown as MarketDataSource;
}

interface Logged {
  level: "warn" | "error";
  message: string;
}

function harness() {
  const market = new FakeMarket();
  const clock = { nowMs: T0 };
  const logged: Logged[] = [];
  const counted: Record<string, string>[] = [];
  const record = (level: Logged["level"]) => (message: string) => {
    logged.push({ level, message });
  };
  const logger = {
    debug: () => {},
    info: () => {},
    warn: record("warn"),
    error: record("error"),
    child: () => logger,
  };
  const provider = gbpValuationProvider(
    { MARKET_SOURCE: "sim", LOG_LEVEL: "error" },
    {
      source: market.source,
      clock: () => clock.nowMs,
      logger,
      metrics: { increment: (_name: string, labels: Record<string, string> = {}) => counted.push(labels) },
      sourceTimeoutMs: 20,
    },
  );
  /** Sets the clock, then takes a snapshot (cached for SNAPSHOT_TTL_MS after the previous one). */
  const at = async (nowMs: number): Promise<GbpValuation> => {
    clock.nowMs = nowMs;
    return provider.snapshot();
  };
  return { market, clock, logged, counted, provider, at };
}

/** A fresh provider's snapshot of PRICES with some of them changed. */
async function valuationWith(prices: Partial<Record<MarketSymbol, bigint>>): Promise<GbpValuation> {
  const { market, provider } = harness();
  market.prices = { ...PRICES, ...prices };
  return provider.snapshot();
}

const basesOf = (valuation: GbpValuation) =>
  Object.fromEntries(
    (["GBP", "USDT", "BTC", "ETH", "SOL"] as const).map((a) => [a, valuation.price(a).basis]),
  );

describe("GBP valuation at market prices", () => {
  it("values GBP at par and BTC, ETH, SOL at their -GBP markets, exactly", async () => {
    const valuation = await harness().provider.snapshot();
    expect(valuation.valueMinor("GBP", 12_345n)).toBe(12_345n);
    expect(valuation.valueMinor("BTC", 50_000_000n)).toBe(4_000_000n); // 0.5 BTC = 40,000.00
    expect(valuation.valueMinor("ETH", 300_000_000n)).toBe(600_000n); // 3 ETH = 6,000.00
    expect(valuation.valueMinor("SOL", 100_000_000n)).toBe(15_000n); // 1 SOL = 150.00
    expect(valuation.valueMinor("BTC", 0n)).toBe(0n);
    expect(basesOf(valuation)).toEqual({
      GBP: "par",
      USDT: "market",
      BTC: "market",
      ETH: "market",
      SOL: "market",
    });
  });

  it("values USDT through the exact cross BTC-GBP / BTC-USDT", async () => {
    const valuation = await harness().provider.snapshot();
    // 80,000 GBP per BTC / 100,000 USDT per BTC = 0.80 GBP per USDT.
    expect(valuation.valueMinor("USDT", 1_000_000n)).toBe(80n);
    expect(valuation.valueMinor("USDT", 1_000_000_000n)).toBe(80_000n);
    // 1.234567 USDT = 98.76536 pence: rounded up to 99.
    expect(valuation.valueMinor("USDT", 1_234_567n)).toBe(99n);

    // An awkward cross: 67,891.23 GBP / 97,123.456789 USDT, no float in between.
    const odd = await valuationWith({ "BTC-GBP": 6_789_123n, "BTC-USDT": 97_123_456_789n });
    expect(odd.price("USDT")).toMatchObject({ gbpMinor: 6_789_123n, perAssetMinor: 97_123_456_789n });
    // 1,000,000 USDT: 10^12 * 6,789,123 / 97,123,456,789 = 69,901,990.98 pence -> 69,901,991.
    expect(odd.valueMinor("USDT", 1_000_000_000_000n)).toBe(69_901_991n);
  });

  it("rounds every value up, by less than one penny (property)", async () => {
    const valuation = await harness().provider.snapshot();
    const price = (asset: AssetCode) => valuation.price(asset);
    fc.assert(
      fc.property(
        fc.constantFrom<AssetCode>("GBP", "USDT", "BTC", "ETH", "SOL"),
        fc.bigInt({ min: 0n, max: 10n ** 17n }),
        (asset, amountMinor) => {
          const { gbpMinor, perAssetMinor } = price(asset);
          const value = valuation.valueMinor(asset, amountMinor);
          // value is the least integer with value * per >= amount * gbp: exact ceiling.
          expect(value * perAssetMinor >= amountMinor * gbpMinor).toBe(true);
          expect((value - 1n) * perAssetMinor < amountMinor * gbpMinor).toBe(true);
        },
      ),
    );
  });

  it("refuses a negative amount", async () => {
    const valuation = await harness().provider.snapshot();
    expect(() => valuation.valueMinor("BTC", -1n)).toThrow(LedgerInvariantError);
  });

  it("keeps a snapshot for 15 s, and callers arriving together share one source call", async () => {
    const { market, provider, at } = harness();
    const [a, b] = await Promise.all([provider.snapshot(), provider.snapshot()]);
    expect(a).toBe(b);
    expect(market.calls).toBe(1);
    expect(await at(T0 + SNAPSHOT_TTL_MS - 1)).toBe(a);
    expect(market.calls).toBe(1);
    market.prices = { ...PRICES, "BTC-GBP": 9_000_000n };
    market.asOfMs = T0 + SNAPSHOT_TTL_MS;
    const next = await at(T0 + SNAPSHOT_TTL_MS);
    expect(market.calls).toBe(2);
    expect(next.valueMinor("BTC", 100_000_000n)).toBe(9_000_000n);
  });
});

describe("the stale-price rule", () => {
  it("fresh -> last good (warn once a minute) -> the last-resort table (error, metric) -> fresh again", async () => {
    const { market, logged, counted, at } = harness();
    market.asOfMs = T0;
    expect(basesOf(await at(T0)).BTC).toBe("market");

    // The market keeps answering the same prices, now more than 5 minutes old: the last good
    // prices (the same ones, remembered) are used, with a warning.
    const stale = await at(T0 + PRICE_FRESH_MS + 1);
    expect(basesOf(stale)).toMatchObject({ BTC: "last_good", USDT: "last_good", GBP: "par" });
    expect(stale.valueMinor("BTC", 100_000_000n)).toBe(8_000_000n);
    expect(logged.map((line) => line.level)).toEqual(["warn"]);
    expect(counted).toContainEqual({ asset: "BTC", price: "last_good" });

    // Still stale 30 s later: no second warning within the minute; one after it.
    await at(T0 + PRICE_FRESH_MS + 1 + 30_000);
    expect(logged).toHaveLength(1);
    await at(T0 + PRICE_FRESH_MS + 1 + MINUTE);
    expect(logged.map((line) => line.level)).toEqual(["warn", "warn"]);

    // The source fails outright: the last good prices still answer, up to 24 h old.
    market.mode = "fail";
    const failing = await at(T0 + LAST_GOOD_MAX_AGE_MS);
    expect(basesOf(failing).SOL).toBe("last_good");
    expect(failing.valueMinor("SOL", 100_000_000n)).toBe(15_000n);

    // Beyond 24 h: the last-resort reference table, an error and a metric.
    const floor = await at(T0 + LAST_GOOD_MAX_AGE_MS + SNAPSHOT_TTL_MS);
    expect(basesOf(floor)).toEqual({
      GBP: "par",
      USDT: "reference",
      BTC: "reference",
      ETH: "reference",
      SOL: "reference",
    });
    expect(floor.valueMinor("BTC", 100_000_000n)).toBe(5_000_000n); // 50,000.00
    expect(floor.valueMinor("USDT", 1_000_000n)).toBe(80n); // 0.80
    expect(logged.at(-1)?.level).toBe("error");
    expect(counted).toContainEqual({ asset: "USDT", price: "reference" });

    // The market answers again: fresh prices, straight away.
    market.mode = "answer";
    market.prices = { ...PRICES, "BTC-GBP": 7_000_000n };
    market.asOfMs = T0 + LAST_GOOD_MAX_AGE_MS + MINUTE;
    const recovered = await at(T0 + LAST_GOOD_MAX_AGE_MS + MINUTE);
    expect(basesOf(recovered).BTC).toBe("market");
    expect(recovered.valueMinor("BTC", 100_000_000n)).toBe(7_000_000n);
  });

  it("counts a price exactly 5 minutes old as fresh", async () => {
    const { at } = harness(); // prices stamped T0
    expect(basesOf(await at(T0 + PRICE_FRESH_MS)).ETH).toBe("market");
  });

  it("never rejects: a failing or silent source with nothing remembered gives the reference table", async () => {
    const failing = harness();
    failing.market.mode = "fail";
    const fromFailure = await failing.provider.snapshot();
    expect(fromFailure.valueMinor("ETH", 100_000_000n)).toBe(250_000n); // 2,500.00
    expect(failing.logged.map((line) => line.level)).toEqual(["error"]);

    const silent = harness();
    silent.market.mode = "hang";
    const fromSilence = await silent.provider.snapshot(); // the 20 ms timeout of this harness
    expect(basesOf(fromSilence).BTC).toBe("reference");
    expect(fromSilence.valueMinor("GBP", 100n)).toBe(100n);
  });

  it("decides per asset: a missing market falls back for the assets that need it only", async () => {
    const { market, at } = harness();
    await at(T0); // remembers every price
    market.prices = Object.fromEntries(Object.entries(PRICES).filter(([symbol]) => symbol !== "BTC-USDT"));
    market.asOfMs = T0 + MINUTE;
    const partial = await at(T0 + MINUTE);
    // USDT needs both legs of its cross; BTC needs only BTC-GBP.
    expect(basesOf(partial)).toMatchObject({ BTC: "market", USDT: "last_good", ETH: "market" });
  });

  it("treats a non-positive last price as missing", async () => {
    const { market, provider } = harness();
    market.prices = { ...PRICES, "SOL-GBP": 0n };
    expect(basesOf(await provider.snapshot()).SOL).toBe("reference");
  });
});

describe("valuation over the simulated market (MARKET_SOURCE=sim)", () => {
  it("prices every asset fresh from the sim, USDT near the sim's 0.79 GBP", async () => {
    const nowMs = Date.UTC(2026, 10, 26, 14, 37, 21);
    const sim = new SimulatedMarket({ clock: () => nowMs });
    const provider = gbpValuationProvider(
      { MARKET_SOURCE: "sim", LOG_LEVEL: "error" },
      { source: sim, clock: () => nowMs },
    );
    const valuation = await provider.snapshot();
    expect(basesOf(valuation)).toEqual({
      GBP: "par",
      USDT: "market",
      BTC: "market",
      ETH: "market",
      SOL: "market",
    });
    const btcGbp = (await sim.ticker("BTC-GBP")).lastMinor;
    expect(valuation.valueMinor("BTC", 100_000_000n)).toBe(btcGbp);
    const oneUsdt = valuation.valueMinor("USDT", 1_000_000n);
    expect(oneUsdt > 50n && oneUsdt < 120n).toBe(true);
  });

  it("is one provider per isolate without options", () => {
    const config = { MARKET_SOURCE: "sim", LOG_LEVEL: "error" } as const;
    expect(gbpValuationProvider(config)).toBe(gbpValuationProvider(config));
  });
});

describe("the paper-deposit cap at market prices (planner)", () => {
  const USER = "user-1";
  const CAP_GBP_MINOR = 10_000_000n; // 100,000.00 GBP

  function deposit(asset: AssetCode, amountMinor: bigint): LedgerCommand {
    return { kind: "paper_deposit", userId: USER, idempotencyKey: "k", asset, amountMinor };
  }

  function plan(state: LedgerState, command: LedgerCommand, valuation: GbpValuation | null) {
    return planMovement(state, command, {
      entryId: "entry",
      requestHash: "hash",
      nowMs: T0,
      paperDepositDailyCapGbpMinor: CAP_GBP_MINOR,
      valuation,
    });
  }

  it("is exact to the penny at the snapshot's price, and revalues the day's deposits at it", async () => {
    const at80k = await valuationWith({ "BTC-GBP": 8_000_000n });
    let state = emptyState(USER);
    // 1 BTC = 80,000.00 GBP; 20,000.00 GBP more reaches the cap exactly.
    const btc = plan(state, deposit("BTC", 100_000_000n), at80k);
    expect(btc.ok).toBe(true);
    if (!btc.ok) return;
    state = applyMovement(state, btc.movement);
    expect(state.paperDepositedTodayMinor.get("BTC")).toBe(100_000_000n);
    expect(plan(state, deposit("GBP", 2_000_001n), at80k)).toMatchObject({
      ok: false,
      error: { status: 403, code: "paper_deposit_limit_exceeded" },
    });
    expect(plan(state, deposit("GBP", 2_000_000n), at80k).ok).toBe(true);

    // BTC fell to 70,000.00: the same day's BTC is worth less, so 30,000.00 GBP fits.
    const at70k = await valuationWith({ "BTC-GBP": 7_000_000n });
    expect(plan(state, deposit("GBP", 3_000_000n), at70k).ok).toBe(true);
    const refused = plan(state, deposit("GBP", 3_000_001n), at70k);
    expect(refused).toMatchObject({ ok: false, error: { code: "paper_deposit_limit_exceeded" } });
    if (!refused.ok) expect(refused.error.message).toContain("30000.00 GBP-equivalent is left today");
  });

  it("is an invariant break to plan a paper deposit without prices", () => {
    expect(() => plan(emptyState(USER), deposit("GBP", 100n), null)).toThrow(LedgerInvariantError);
  });

  it("does not need prices for other movements", () => {
    const state = emptyState(USER);
    state.balances.set(balanceKey(userAccount(USER, "paper", "available"), "GBP"), 10_000n);
    const command: LedgerCommand = {
      kind: "order_hold",
      userId: USER,
      idempotencyKey: "k",
      book: "paper",
      holdId: "o1",
      asset: "GBP",
      amountMinor: 5_000n,
      botId: null,
    };
    expect(plan(state, command, null).ok).toBe(true);
  });

  it("agrees with the last-resort table the old fixed prices gave", () => {
    const valuation = referenceGbpValuation();
    const state = emptyState(USER);
    // 2 BTC at 50,000.00 = 100,000.00: exactly the cap.
    expect(plan(state, deposit("BTC", 200_000_000n), valuation).ok).toBe(true);
    expect(plan(state, deposit("BTC", 200_000_001n), valuation).ok).toBe(false);
  });
});
