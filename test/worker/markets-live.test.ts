import { createExecutionContext, env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createSite } from "../../worker/site.ts";
import { ApiClient, STRONG_PASSWORD, uniqueEmail } from "../support/api-client.ts";

/**
 * Issue #16: LIVE is offered only where it can happen. Every other worker test runs with the
 * Binance stand-in as the platform's exchange account; here the same app runs without one
 * (BINANCE_API_KEY / BINANCE_API_SECRET unset), as a deployment without the secrets would.
 */

const ORIGIN = "http://example.com";

const app = createSite();

const WITHOUT_EXCHANGE = { ...env, BINANCE_API_KEY: undefined, BINANCE_API_SECRET: undefined };

/** A request to the app without an exchange account; the query keeps it out of the edge cache. */
function withoutExchange(path: string, init: RequestInit = {}) {
  const separator = path.includes("?") ? "&" : "?";
  return app.request(
    `${ORIGIN}${path}${separator}without-exchange=${crypto.randomUUID()}`,
    init,
    WITHOUT_EXCHANGE,
    createExecutionContext(),
  );
}

interface MarketSummary {
  symbol: string;
  liveTradable: boolean;
}

describe("liveTradable tells the truth", () => {
  it("GET /markets: false for every pair when no exchange account is configured", async () => {
    const response = await withoutExchange("/api/v1/markets");
    expect(response.status).toBe(200);
    const { markets } = (await response.json()) as { markets: MarketSummary[] };
    expect(markets).toHaveLength(7);
    expect(markets.filter((market) => market.liveTradable)).toEqual([]);

    const one = await withoutExchange("/api/v1/markets/BTC-USDT");
    expect(((await one.json()) as { market: MarketSummary }).market).toMatchObject({
      symbol: "BTC-USDT",
      liveTradable: false,
    });
    const ticker = await withoutExchange("/api/v1/markets/BTC-USDT/ticker");
    expect(((await ticker.json()) as { ticker: MarketSummary }).ticker.liveTradable).toBe(false);
  });

  it("GET /markets: true exactly for the pairs the exchange lists when an account is configured", async () => {
    const response = await SELF.fetch(`${ORIGIN}/api/v1/markets?with-exchange=${crypto.randomUUID()}`);
    const { markets } = (await response.json()) as { markets: MarketSummary[] };
    expect(markets.filter((market) => market.liveTradable).map((market) => market.symbol)).toEqual([
      "BTC-USDT",
      "ETH-USDT",
      "SOL-USDT",
      "ETH-BTC",
    ]);
  });

  it("the Markets page marks every pair Paper only, as the API does", async () => {
    const page = await withoutExchange("/markets");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html.match(/>Paper only</g)).toHaveLength(7);

    const configured = await (await SELF.fetch(`${ORIGIN}/markets`)).text();
    expect(configured.match(/>Paper only</g)).toHaveLength(3);
  });

  it("a LIVE bot is refused on a listed pair when there is no exchange account", async () => {
    const client = new ApiClient(
      async (input, init) => withoutExchange(new URL(input).pathname, init as RequestInit),
      ORIGIN,
    );
    const signup = await client.post("/api/v1/auth/signup", {
      email: uniqueEmail("no-exchange"),
      password: STRONG_PASSWORD,
    });
    expect(signup.status).toBe(201);
    const bot = await client.post("/api/v1/bots", {
      type: "dca",
      symbol: "BTC-USDT",
      mode: "live",
      budget: "100.000000",
      budgetAsset: "USDT",
      params: {
        baseOrder: "20.000000",
        safetyOrder: "20.000000",
        safetyOrders: 1,
        priceDeviationPercent: "1.5",
        volumeScale: "1.0",
        takeProfitPercent: "2.0",
      },
    });
    expect(bot.status).toBe(400);
    expect((bot.body as { error: { code: string } }).error.code).toBe("not_live_tradable");
  });
});

describe("the Trade page and unknown symbols", () => {
  it("answers /trade?symbol=DOGE-GBP with a 404 page, not another market", async () => {
    const response = await SELF.fetch(`${ORIGIN}/trade?symbol=DOGE-GBP`);
    expect(response.status).toBe(404);
    const html = await response.text();
    expect(html).toContain('data-testid="not-found"');
    expect(html).not.toContain('data-testid="order-form"');
    expect(html).not.toContain("BTC/GBP · Trade");
  });

  it("still opens a listed symbol in any case or spelling, and the default without one", async () => {
    for (const path of ["/trade?symbol=eth-btc", "/trade?symbol=ETH/BTC"]) {
      const response = await SELF.fetch(`${ORIGIN}${path}`);
      expect(response.status, path).toBe(200);
      expect(await response.text(), path).toContain("ETH/BTC · Trade");
    }
    const plain = await SELF.fetch(`${ORIGIN}/trade`);
    expect(plain.status).toBe(200);
    expect(await plain.text()).toContain("BTC/GBP · Trade");
  });
});
