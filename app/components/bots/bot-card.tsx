import { Link } from "@remix-run/react";
import { PairIcon } from "../coin-icon.tsx";
import { ModeBadge } from "../mode-badge.tsx";
import { Money } from "../money.tsx";
import { BotActions } from "./bot-actions.tsx";
import { BudgetUsed } from "./bot-figures.tsx";
import { BotStatusBadge, pairLabel, runtimeOf, TYPE_LABELS } from "./bot-status.tsx";
import type { BotWithPnl } from "./types.ts";

/** One bot on the Bots page: what it trades, how it stands, and its buttons. */
export function BotCard({
  bot,
  nowMs,
  confirmingStop,
  busy,
}: {
  bot: BotWithPnl;
  nowMs: number;
  confirmingStop: boolean;
  busy: boolean;
}) {
  const pair = pairLabel(bot.symbol);
  const { pnl } = bot;
  return (
    <article
      className={`bot-card bot-card-${bot.status}`}
      data-testid="bot-card"
      data-bot-id={bot.id}
      aria-labelledby={`bot-${bot.id}-title`}
    >
      <header className="bot-card-header">
        <PairIcon base={pair.base} quote={pair.quote} size={26} />
        <div className="bot-card-title">
          <h2 id={`bot-${bot.id}-title`}>
            <Link to={`/bots/${bot.id}`} data-testid="bot-link">
              {pair.label}
            </Link>
          </h2>
          <span className="bot-card-kind">
            {TYPE_LABELS[bot.type]} bot · <ModeBadge mode={bot.mode} />
          </span>
        </div>
        <BotStatusBadge status={bot.status} />
      </header>
      <dl className="bot-card-figures">
        <div>
          <dt>Realised PnL</dt>
          <dd className="pnl">
            <Money value={pnl.realised} unit={pnl.quoteAsset} change />
          </dd>
        </div>
        <div>
          <dt>Unrealised PnL</dt>
          <dd className="pnl">
            <Money value={pnl.unrealised} unit={pnl.quoteAsset} change />
          </dd>
        </div>
        <div>
          <dt>Runtime</dt>
          <dd data-testid="bot-runtime">{runtimeOf(bot, nowMs)}</dd>
        </div>
        <div className="bot-card-budget">
          <dt>Budget used</dt>
          <dd>
            <BudgetUsed used={pnl.budgetUsed} budget={bot.budget} asset={bot.budgetAsset} />
          </dd>
        </div>
      </dl>
      {bot.status === "error" && bot.reason ? <p className="bot-reason">{bot.reason}</p> : null}
      <footer className="bot-card-footer">
        <BotActions
          bot={bot}
          action="/bots"
          confirmingStop={confirmingStop}
          confirmStopHref={`?stop=${bot.id}`}
          cancelHref="/bots"
          withCode={false}
          busy={busy}
        />
        {confirmingStop ? null : (
          <Link to={`/bots/${bot.id}`} className="bot-card-details">
            Details<span aria-hidden="true"> →</span>
          </Link>
        )}
      </footer>
    </article>
  );
}
