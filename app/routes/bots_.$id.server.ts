import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import type { TradeRow } from "../../db/schema/orders.ts";
import { ApiError } from "../../worker/errors.ts";
import type { BotView } from "../../worker/services/bots/model.ts";
import { ASSETS } from "../../worker/services/ledger/assets.ts";
import { formatMinor } from "../../worker/services/markets/decimal.ts";
import { MARKETS, marketSource } from "../../worker/services/markets/index.ts";
import { CANDLE_INTERVAL_SECONDS, type CandleInterval } from "../../worker/services/markets/types.ts";
import { tradeView } from "../../worker/services/trading/model.ts";
import { myBot, myBotEvents, myBotFills, myBotOrders } from "../../worker/use-cases/bots.ts";
import { type Caller, signedIn } from "../../worker/use-cases/caller.ts";
import type { PnlPoint } from "../components/bots/pnl-chart.tsx";
import { botAction } from "../utils/bots.server.ts";
import { withDependencies } from "../utils/dependencies.server.ts";
import { pageCaller } from "../utils/session.server.ts";

/**
 * A bot's page, server side: the bot and its PnL through `myBot` (GET /bots/:id), its events
 * through `myBotEvents` (GET /bots/:id/events), its buttons through the same use cases as the
 * API, and its orders and fills through `myBotOrders` and `myBotFills`.
 */

const MAX_FILLS_SHOWN = 100;
/** Points on the chart at most: the candle interval grows with the bot's age to stay under. */
const MAX_CHART_POINTS = 480;

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const caller = await withDependencies(() => pageCaller(context, request));
  const botId = params.id ?? "";
  const bot = await withDependencies(() => myBot(caller, botId)).catch(notFoundAsPage);
  const [events, botOrders, fills] = await withDependencies(() =>
    Promise.all([myBotEvents(caller, bot.id), myBotOrders(caller, bot.id), myBotFills(caller, bot.id)]),
  );
  const nowMs = Date.now();
  const chart = await pnlSeries(caller, bot, fills, nowMs).catch(() => null);
  return {
    bot,
    events,
    orders: botOrders,
    fills: fills
      .slice(-MAX_FILLS_SHOWN)
      .reverse()
      .map((row) => tradeView(row)),
    chart,
    nowMs,
    twoFactorEnabled: signedIn(caller).twoFactorEnabled,
  };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const caller = await withDependencies(() => pageCaller(context, request));
  const form = await request.formData();
  // The bot is the page's, whatever the form says.
  form.set("botId", params.id ?? "");
  return botAction(caller, form);
}

/** Another user's bot, or none: the page's 404, like any unknown address. */
function notFoundAsPage(error: unknown): never {
  if (error instanceof ApiError && error.status === 404) {
    throw data({ notFound: true }, { status: 404, statusText: "Not Found" });
  }
  throw error;
}

/**
 * The bot's total PnL over time, one point per candle since it started: what its fills
 * received minus what they spent and their fees, plus the base still held at the candle's
 * close. That is realised + unrealised of services/bots/pnl.ts at every moment (the split
 * between the two depends on the cost method; their sum does not), so the last point meets
 * the figures above the chart. It starts at zero when the bot started and ends now (the
 * forming candle's close is the last price). Null before the bot has run for a second.
 */
async function pnlSeries(
  caller: Caller,
  bot: BotView,
  fills: readonly TradeRow[],
  nowMs: number,
): Promise<PnlPoint[] | null> {
  if (bot.startedAt === null) return null;
  const startMs = Date.parse(bot.startedAt);
  const endMs = bot.stoppedAt === null ? nowMs : Date.parse(bot.stoppedAt);
  const interval = chartInterval(endMs - startMs);
  const stepMs = CANDLE_INTERVAL_SECONDS[interval] * 1_000;
  const limit = Math.min(MAX_CHART_POINTS, Math.ceil((endMs - startMs) / stepMs) + 1);
  const series = await marketSource(caller.services).candles(bot.symbol, interval, {
    limit,
    endTimeMs: endMs,
  });
  const market = MARKETS[bot.symbol];
  const baseUnit = 10n ** BigInt(ASSETS[market.base].scale);
  const quoteScale = ASSETS[market.quote].scale;
  let cash = 0n;
  let position = 0n;
  let next = 0;
  const points: PnlPoint[] = [{ time: Math.floor(startMs / 1_000), value: formatMinor(0n, quoteScale) }];
  for (const candle of series.candles) {
    const closeMs = Math.min(candle.openTimeMs + stepMs, endMs);
    const time = Math.floor(closeMs / 1_000);
    // The chart's times must rise strictly, a second at least.
    if (time <= (points.at(-1)?.time ?? 0)) continue;
    for (; next < fills.length && (fills[next]?.createdAtMs ?? Number.POSITIVE_INFINITY) <= closeMs; next++) {
      const fill = fills[next];
      if (!fill) break;
      cash += fill.side === "buy" ? -fill.quote : fill.quote;
      cash -= fill.fee;
      position += fill.side === "buy" ? fill.quantity : -fill.quantity;
    }
    const value = cash + (position * candle.closeMinor) / baseUnit;
    points.push({ time, value: formatMinor(value, quoteScale) });
  }
  return points.length >= 2 ? points : null;
}

function chartInterval(runtimeMs: number): CandleInterval {
  const order: CandleInterval[] = ["1m", "5m", "1h", "1d"];
  for (const interval of order) {
    if (runtimeMs / (CANDLE_INTERVAL_SECONDS[interval] * 1_000) <= MAX_CHART_POINTS) return interval;
  }
  return "1d";
}
