import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/cloudflare";
import type { Services } from "../../worker/services/context.ts";
import { isExchangeConfigured } from "../../worker/services/exchange/index.ts";
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
import { combinedDiscount } from "../../worker/services/trading/fees.ts";
import type { OrderView } from "../../worker/services/trading/model.ts";
import { accountFees } from "../../worker/use-cases/account.ts";
import { type Caller, signedIn } from "../../worker/use-cases/caller.ts";
import { cancelOrder, myOrders, myTrades, placeOrder } from "../../worker/use-cases/orders.ts";
import { myWallets } from "../../worker/use-cases/wallets.ts";
import { withDependencies } from "../utils/dependencies.server.ts";
import {
  type ActionFailure,
  optionalPageCaller,
  pageCaller,
  toActionFailure,
} from "../utils/session.server.ts";
import { BOOK_DEPTH, INITIAL_CANDLES, RECENT_TRADES } from "../utils/trade.ts";

/**
 * The Trade page's server side. What it shows first comes through the same services as the
 * API: market data from the market service, balances, orders and fills through the use cases
 * (worker/use-cases/). Afterwards the page polls the public market endpoints and revalidates
 * this loader. Its form posts place and cancel orders through the use cases the API's POST and
 * DELETE /api/v1/orders call.
 */

export async function loader({ request, context }: LoaderFunctionArgs) {
  const symbol = symbolOf(new URL(request.url));
  const caller = await withDependencies(() => optionalPageCaller(context));
  return withDependencies(() => loadTradePage(context.services, caller, symbol));
}

export async function action({ request, context }: ActionFunctionArgs) {
  const caller = await pageCaller(context, request);
  return tradeAction(caller, await request.formData());
}

const DEFAULT_SYMBOL: MarketSymbol = "BTC-GBP";

function symbolOf(url: URL): MarketSymbol {
  const wanted = (url.searchParams.get("symbol") ?? "").toUpperCase().replace("/", "-");
  return isMarketSymbol(wanted) ? wanted : DEFAULT_SYMBOL;
}

async function loadTradePage(services: Services, caller: Caller | null, symbol: MarketSymbol) {
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
  const account = caller ? loadAccount(caller, symbol) : Promise.resolve(null);
  const [data, user] = await Promise.all([marketData, account]);
  return { symbol, market, data, account: user };
}

async function loadAccount(caller: Caller, symbol: MarketSymbol) {
  const user = signedIn(caller);
  const [wallets, open, history, fills, fees] = await Promise.all([
    myWallets(caller),
    myOrders(caller, { status: "open", limit: 50 }),
    myOrders(caller, { status: "all", limit: 25 }),
    myTrades(caller, { limit: 25 }),
    accountFees(caller),
  ]);
  const { base, quote } = MARKETS[symbol];
  return {
    twoFactorEnabled: user.twoFactorEnabled,
    /** LIVE orders go to the exchange only when the platform's exchange account is configured. */
    liveTrading: isExchangeConfigured(caller.services.config),
    wallets: wallets.filter((wallet) => wallet.asset === base || wallet.asset === quote),
    openOrders: open.orders,
    orders: history.orders,
    trades: fills.trades,
    fees: {
      ...fees,
      /**
       * The discounts combined as the order desk combines them, so the ticket's estimate and its
       * 25–100 % buttons use the list rates less exactly this share: the hold the order will take.
       */
      combinedDiscount: combinedDiscount(fees.discounts.map((discount) => ({ ...discount, untilMs: null }))),
    },
  };
}

export type TradeActionResult =
  | { intent: string | undefined; order: OrderView; error: null }
  | ({ intent: string | undefined; order: null } & ActionFailure);

/** The page's form posts, through the same use cases as the API's POST and DELETE. */
async function tradeAction(caller: Caller, form: FormData): Promise<TradeActionResult> {
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
