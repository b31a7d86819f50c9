import { Money } from "../money.tsx";
import { runtimeOf } from "./bot-status.tsx";
import type { BotWithPnl } from "./types.ts";

/**
 * "Used of budget" with a thin bar. The bar's width is the only place the two amounts become
 * floats (for pixels); the figures shown are the server's decimal strings.
 */
export function BudgetUsed({ used, budget, asset }: { used: string; budget: string; asset: string }) {
  const ratio = Number(budget) > 0 ? Math.min(1, Math.max(0, Number(used) / Number(budget))) : 0;
  return (
    <span className="budget-used">
      <span className="budget-used-text">
        <Money value={used} /> <span className="muted">of</span> <Money value={budget} unit={asset} />
      </span>
      <span className="budget-bar" aria-hidden="true">
        <span className="budget-bar-fill" style={{ width: `${(ratio * 100).toFixed(1)}%` }} />
      </span>
    </span>
  );
}

/** The bot's figures on its page: PnL from its own fills (services/bots/pnl.ts). */
export function BotFigures({ bot, nowMs }: { bot: BotWithPnl; nowMs: number }) {
  const { pnl } = bot;
  return (
    <dl className="figures bot-figures" data-testid="bot-figures">
      <div className="figure">
        <dt className="figure-label">Realised PnL</dt>
        <dd className="figure-value pnl" data-testid="pnl-realised">
          <Money value={pnl.realised} unit={pnl.quoteAsset} change />
        </dd>
      </div>
      <div className="figure">
        <dt className="figure-label">Unrealised PnL</dt>
        <dd className="figure-value pnl" data-testid="pnl-unrealised">
          <Money value={pnl.unrealised} unit={pnl.quoteAsset} change />
        </dd>
      </div>
      <div className="figure">
        <dt className="figure-label">Fees paid</dt>
        <dd className="figure-value">
          <Money value={pnl.fees} unit={pnl.quoteAsset} />
        </dd>
      </div>
      <div className="figure">
        <dt className="figure-label">Position</dt>
        <dd className="figure-value">
          <Money value={pnl.position} unit={pnl.positionAsset} />
        </dd>
      </div>
      <div className="figure">
        <dt className="figure-label">Average entry</dt>
        <dd className="figure-value">
          {pnl.averageEntry === null ? (
            <span className="muted">—</span>
          ) : (
            <Money value={pnl.averageEntry} unit={pnl.quoteAsset} />
          )}
        </dd>
      </div>
      <div className="figure figure-wide">
        <dt className="figure-label">Budget used</dt>
        <dd className="figure-value">
          <BudgetUsed used={pnl.budgetUsed} budget={bot.budget} asset={bot.budgetAsset} />
        </dd>
      </div>
      <div className="figure">
        <dt className="figure-label">Fills</dt>
        <dd className="figure-value numeric-left" data-testid="fill-count">
          {pnl.fills}
        </dd>
      </div>
      <div className="figure">
        <dt className="figure-label">Runtime</dt>
        <dd className="figure-value">{runtimeOf(bot, nowMs)}</dd>
      </div>
    </dl>
  );
}
