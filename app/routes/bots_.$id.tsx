import type { LinksFunction, MetaFunction } from "@remix-run/cloudflare";
import { Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { BotActions } from "../components/bots/bot-actions.tsx";
import { BotActivity, BotEvents } from "../components/bots/bot-activity.tsx";
import { BotFigures } from "../components/bots/bot-figures.tsx";
import { BotStatusBadge, pairLabel, TYPE_LABELS } from "../components/bots/bot-status.tsx";
import { PnlChart } from "../components/bots/pnl-chart.tsx";
import { useRefreshWhile } from "../components/bots/use-refresh.ts";
import { PairIcon } from "../components/coin-icon.tsx";
import { DateTime } from "../components/date-time.tsx";
import { FormError } from "../components/form.tsx";
import { ModeBadge } from "../components/mode-badge.tsx";
import { Money } from "../components/money.tsx";
import botStyles from "../styles/bots.css?url";
import type { action, loader } from "./bots_.$id.server.ts";

export { action, loader } from "./bots_.$id.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: botStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  {
    title: data
      ? `${pairLabel(data.bot.symbol).label} ${TYPE_LABELS[data.bot.type]} bot · CoinHubX`
      : "Bot · CoinHubX",
  },
];

/** A running bot ticks every second: its orders, fills and events refresh this often. */
const RUNNING_REFRESH_MS = 2_000;

/** The parameters as sent when it was created, in the API's names. */
const PARAM_LABELS: Readonly<Record<string, string>> = {
  baseOrder: "Base order",
  safetyOrder: "Safety order",
  safetyOrders: "Safety orders",
  priceDeviationPercent: "Price deviation %",
  volumeScale: "Volume scale",
  takeProfitPercent: "Take profit %",
  stopLossPercent: "Stop loss %",
  cooldownSeconds: "Cooldown (s)",
  lowerPrice: "Lower price",
  upperPrice: "Upper price",
  gridLevels: "Grid levels",
  spacing: "Spacing",
  stopLossPrice: "Stop-loss price",
  takeProfitPrice: "Take-profit price",
};

export default function BotDetail() {
  const { bot, events, orders, fills, chart, nowMs } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const [searchParams] = useSearchParams();
  const pair = pairLabel(bot.symbol);
  const here = `/bots/${bot.id}`;
  useRefreshWhile(bot.status === "running", RUNNING_REFRESH_MS);
  const created = searchParams.get("created") === "1" && !result;
  return (
    <section className="stack bot-detail" data-testid="bot-detail" data-status={bot.status}>
      <p className="breadcrumb">
        <Link to="/bots">Bots</Link> <span aria-hidden="true">/</span> {pair.label}
      </p>
      <header className="bot-detail-header">
        <div className="bot-detail-title">
          <PairIcon base={pair.base} quote={pair.quote} size={34} />
          <div>
            <h1>
              {pair.label} <span className="muted">{TYPE_LABELS[bot.type]} bot</span>
            </h1>
            <p className="bot-detail-meta">
              <ModeBadge mode={bot.mode} /> <BotStatusBadge status={bot.status} />{" "}
              <span className="muted">
                Budget <Money value={bot.budget} unit={bot.budgetAsset} /> · created{" "}
                <DateTime value={bot.createdAt} />
              </span>
            </p>
          </div>
        </div>
        <BotActions
          bot={bot}
          action={here}
          confirmingStop={searchParams.get("stop") === "1"}
          confirmStopHref="?stop=1"
          cancelHref={here}
          withCode
          busy={busy}
        />
      </header>

      {created ? (
        <p className="notice-inline notice-calm" role="status" data-testid="bot-created">
          {bot.status === "awaiting_confirmation"
            ? "Bot created. Confirm it with a fresh code, then start it."
            : "Bot created as a draft: nothing is held until you start it."}
        </p>
      ) : null}
      {result && "message" in result ? (
        <p className="status status-positive" role="status" data-testid="bot-message">
          {result.message}
        </p>
      ) : null}
      <FormError error={result && "error" in result ? result.error : undefined} />
      {bot.reason && bot.status !== "running" ? (
        <p className={bot.status === "error" ? "form-error" : "muted"}>
          Reason: {bot.reason.replaceAll("_", " ")}
        </p>
      ) : null}

      <BotFigures bot={bot} nowMs={nowMs} />

      <section className="panel" aria-labelledby="pnl-title">
        <div className="panel-header">
          <h2 id="pnl-title">PnL over time</h2>
          <span className="muted small">Realised + unrealised, in {bot.pnl.quoteAsset}</span>
        </div>
        {chart ? (
          <PnlChart points={chart} asset={bot.pnl.quoteAsset} />
        ) : (
          <p className="muted" data-testid="pnl-chart-pending">
            {bot.startedAt === null
              ? "The chart starts when the bot does."
              : "The chart appears once the bot has run for a moment."}
          </p>
        )}
      </section>

      <div className="bot-detail-grid">
        <BotActivity orders={orders} fills={fills} />
        <BotEvents events={events} />
      </div>

      <section className="panel" aria-labelledby="settings-title">
        <h2 id="settings-title">Settings</h2>
        <dl className="draft-summary">
          {Object.entries(bot.params).map(([name, value]) => (
            <div key={name}>
              <dt>{PARAM_LABELS[name] ?? name}</dt>
              <dd>{typeof value === "string" || typeof value === "number" ? String(value) : "—"}</dd>
            </div>
          ))}
        </dl>
      </section>
    </section>
  );
}
