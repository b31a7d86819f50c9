import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/cloudflare";
import { ApiError } from "../../worker/errors.ts";
import type { Services } from "../../worker/services/context.ts";
import { isExchangeConfigured } from "../../worker/services/exchange/index.ts";
import {
  FIELD_MESSAGES,
  malformedAmountMessage,
  moreThanAvailable,
  normaliseAmountText,
} from "../../worker/services/forms/messages.ts";
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

/**
 * No symbol opens the default market; a symbol that is not listed is a 404, never another
 * market quietly shown in its place (an order ticket for BTC/GBP under a DOGE-GBP link).
 */
function symbolOf(url: URL): MarketSymbol {
  const asked = url.searchParams.get("symbol");
  if (asked === null || asked === "") return DEFAULT_SYMBOL;
  const wanted = asked.toUpperCase().replace("/", "-");
  if (!isMarketSymbol(wanted)) throw new Response("Not Found", { status: 404 });
  return wanted;
}

async function loadTradePage(services: Services, caller: Caller | null, symbol: MarketSymbol) {
  const source = marketSource(services);
  const market = marketView(MARKETS[symbol], services.config);
  const marketData = Promise.all([
    listMarkets(services),
    source.ticker(symbol),
    source.book(symbol, BOOK_DEPTH),
    source.trades(symbol, RECENT_TRADES),
    source.candles(symbol, "1m", { limit: INITIAL_CANDLES }),
  ])
    .then(([markets, ticker, book, trades, candles]) => ({
      markets,
      ticker: tickerView(ticker, services.config),
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
    // Thousands separators are the page's courtesy ("1,250.50"); the use case takes plain decimals.
    const decimal = (name: string) => {
      const value = field(name);
      return value === undefined ? undefined : normaliseAmountText(value);
    };
    if (field("quantity") === undefined && field("quoteAmount") === undefined) {
      throw new ApiError(400, "invalid_request", "Enter an amount.", {
        fields: { quantity: FIELD_MESSAGES.enterAmount },
      });
    }
    // The page's keys have their own namespace: never equal to a key an API client chose.
    const order = await placeOrder(caller, {
      clientKey: `page:${key}`,
      body: {
        symbol: field("symbol"),
        side: field("side"),
        type: field("type"),
        mode: field("mode"),
        quantity: decimal("quantity"),
        quoteAmount: decimal("quoteAmount"),
        price: decimal("price"),
        stopPrice: decimal("stopPrice"),
      },
    });
    return { intent: "place", order, error: null };
  } catch (error) {
    const failure = toActionFailure(error);
    return { intent, order: null, ...(await atTicketFields(caller, form, failure)) };
  }
}

/**
 * The refusal in the words the ticket used while the trader typed: a decimal comma explained,
 * and too little money said at the amount with what is available (the ledger's 409 names no
 * field; the page knows which balance the order spends).
 */
async function atTicketFields(
  caller: Caller,
  form: FormData,
  failure: ActionFailure,
): Promise<ActionFailure> {
  const { error } = failure;
  const fields = { ...(error.fields ?? {}) };
  for (const [name, message] of Object.entries(fields)) {
    const typed = form.get(name);
    if (message === FIELD_MESSAGES.notAPlainNumber && typeof typed === "string") {
      fields[name] = malformedAmountMessage(typed);
    }
  }
  if (error.code === "insufficient_funds") {
    const symbol = String(form.get("symbol") ?? "");
    const mode = form.get("mode") === "live" ? "live" : "paper";
    if (isMarketSymbol(symbol)) {
      const { base, quote } = MARKETS[symbol];
      const spend = form.get("side") === "sell" ? base : quote;
      const wallet = (await myWallets(caller)).find((entry) => entry.asset === spend && entry.mode === mode);
      const field = form.get("quoteAmount") ? "quoteAmount" : "quantity";
      fields[field] = moreThanAvailable(wallet?.available ?? "0", spend);
    }
  }
  return Object.keys(fields).length > 0 ? { error: { ...error, fields } } : failure;
}
