import type { AuthState } from "../../worker/services/auth/sessions.ts";
import type { Services } from "../../worker/services/context.ts";
import { userLedger } from "../../worker/services/ledger/client.ts";
import {
  isMarketSymbol,
  listMarkets,
  MARKETS,
  type MarketSymbol,
  marketSource,
} from "../../worker/services/markets/index.ts";
import {
  bookView,
  candleSeriesView,
  marketView,
  tickerView,
  tradesView,
} from "../../worker/services/markets/view.ts";
import type { OrderView } from "../../worker/services/trading/model.ts";
import { feeScheduleOf, listOrders, listTrades } from "../../worker/services/trading/service.ts";
import type { Caller } from "../../worker/use-cases/caller.ts";
import { cancelOrder, placeOrder } from "../../worker/use-cases/orders.ts";
import { type ActionFailure, toActionFailure } from "./session.server.ts";
import { BOOK_DEPTH, INITIAL_CANDLES, RECENT_TRADES } from "./trade.ts";

/**
 * What the Trade page shows first, through the same services as the API: market data from the
 * market service, balances from the user's ledger, orders and fills from the trading service.
 * Afterwards the page polls the public market endpoints and revalidates this loader.
 */

export const DEFAULT_SYMBOL: MarketSymbol = "BTC-GBP";

export function symbolOf(url: URL): MarketSymbol {
  const wanted = (url.searchParams.get("symbol") ?? "").toUpperCase().replace("/", "-");
  return isMarketSymbol(wanted) ? wanted : DEFAULT_SYMBOL;
}

export async function loadTradePage(services: Services, auth: AuthState | null, symbol: MarketSymbol) {
  const source = marketSource(services);
  const market = marketView(MARKETS[symbol]);
  const marketData = Promise.all([
    listMarkets(services),
    source.ticker(symbol),
    source.book(symbol, BOOK_DEPTH),
    source.trades(symbol, RECENT_TRADES),
    source.candles(symbol, "1m", { limit: INITIAL_CANDLES }),
  ])
    .then(([markets, ticker, book, trades, candles]) => ({
      markets,
      ticker: tickerView(ticker),
      book: bookView(book),
      trades: tradesView(trades),
      candles: candleSeriesView(candles),
    }))
    .catch(() => null);
  const account = auth ? loadAccount(services, auth, symbol) : Promise.resolve(null);
  const [data, user] = await Promise.all([marketData, account]);
  return { symbol, market, data, account: user };
}

async function loadAccount(services: Services, auth: AuthState, symbol: MarketSymbol) {
  const userId = auth.user.id;
  const [wallets, open, history, fills, schedule] = await Promise.all([
    userLedger(services.env, userId).wallets(),
    listOrders(services, userId, { status: "open", limit: 50 }),
    listOrders(services, userId, { status: "all", limit: 25 }),
    listTrades(services, userId, { limit: 25 }),
    feeScheduleOf(services, userId),
  ]);
  const { base, quote } = MARKETS[symbol];
  return {
    twoFactorEnabled: auth.user.twoFactorEnabled,
    wallets: wallets.filter((wallet) => wallet.asset === base || wallet.asset === quote),
    openOrders: open.orders,
    orders: history.orders,
    trades: fills.trades,
    fees: { tier: schedule.tier, makerRate: schedule.rates.maker.text, takerRate: schedule.rates.taker.text },
  };
}

export type TradeActionResult =
  | { intent: string | undefined; order: OrderView; error: null }
  | ({ intent: string | undefined; order: null } & ActionFailure);

/** The page's form posts, through the same service calls as the API's POST and DELETE. */
export async function tradeAction(caller: Caller, form: FormData): Promise<TradeActionResult> {
  const field = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const intent = field("intent");
  try {
    if (intent === "cancel") {
      return { intent, order: await cancelOrder(caller, field("orderId") ?? ""), error: null };
    }
    const key = field("key");
    if (!key || key.length > 100) {
      return {
        intent,
        order: null,
        error: { code: "invalid_request", message: "Reload the page and try again." },
      };
    }
    // The page's keys have their own namespace: never equal to a key an API client chose.
    const order = await placeOrder(caller, {
      clientKey: `page:${key}`,
      body: {
        symbol: field("symbol"),
        side: field("side"),
        type: field("type"),
        mode: field("mode"),
        quantity: field("quantity"),
        quoteAmount: field("quoteAmount"),
        price: field("price"),
      },
    });
    return { intent: "place", order, error: null };
  } catch (error) {
    return { intent, order: null, ...toActionFailure(error) };
  }
}
