import { Form, Link } from "@remix-run/react";
import type { BotView } from "../../../worker/services/bots/model.ts";

/**
 * A bot's buttons, as plain POST forms (they work before the page's scripts load): start or
 * resume, pause, confirm (LIVE), and stop. Stopping is final, so its button first asks: the
 * question is an address (`confirmStopHref`), shown by the page when visited.
 */

export interface BotActionsProps {
  bot: Pick<BotView, "id" | "status" | "mode">;
  /** Where the forms post (the page's own route, without its query). */
  action: string;
  /** True while the page shows the stop question for this bot. */
  confirmingStop: boolean;
  confirmStopHref: string;
  cancelHref: string;
  /** LIVE start and confirm need a fresh code: the detail page asks for it inline. */
  withCode: boolean;
  busy: boolean;
}

function IntentForm({
  action,
  botId,
  intent,
  status,
  label,
  secondary = false,
  busy,
  withCode = false,
}: {
  action: string;
  botId: string;
  intent: string;
  status?: string;
  label: string;
  secondary?: boolean;
  busy: boolean;
  withCode?: boolean;
}) {
  return (
    <Form method="post" action={action} className="bot-action">
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="botId" value={botId} />
      {status ? <input type="hidden" name="status" value={status} /> : null}
      {withCode ? (
        <label className="bot-code">
          <span className="visually-hidden">Authenticator code</span>
          <input
            name="totp"
            inputMode="numeric"
            autoComplete="one-time-code"
            placeholder="6-digit code"
            maxLength={8}
            required
            data-testid={`${intent}-code`}
          />
        </label>
      ) : null}
      <button
        type="submit"
        className={`button button-small${secondary ? " button-secondary" : ""}`}
        disabled={busy}
        data-testid={`bot-${intent}`}
      >
        {label}
      </button>
    </Form>
  );
}

export function BotActions({
  bot,
  action,
  confirmingStop,
  confirmStopHref,
  cancelHref,
  withCode,
  busy,
}: BotActionsProps) {
  const live = bot.mode === "live";
  const stoppable = bot.status !== "stopped";
  if (confirmingStop && stoppable) {
    return (
      <div className="bot-confirm" role="alertdialog" aria-label="Stop this bot?" data-testid="confirm-stop">
        <p>
          Stop this bot? Its open orders are cancelled and what is left of its budget returns to your wallet.
          Stopping is final.
        </p>
        <div className="bot-actions">
          <Form method="post" action={action}>
            <input type="hidden" name="intent" value="stop" />
            <input type="hidden" name="botId" value={bot.id} />
            <button
              type="submit"
              className="button button-small button-danger"
              disabled={busy}
              data-testid="bot-stop"
            >
              Stop bot
            </button>
          </Form>
          <Link to={cancelHref} className="button button-small button-secondary" preventScrollReset>
            Keep it
          </Link>
        </div>
      </div>
    );
  }
  const common = { action, botId: bot.id, busy };
  return (
    <div className="bot-actions">
      {bot.status === "awaiting_confirmation" ? (
        withCode ? (
          <IntentForm {...common} intent="confirm" label="Confirm" withCode />
        ) : (
          <Link to={`/bots/${bot.id}`} className="button button-small">
            Confirm…
          </Link>
        )
      ) : null}
      {bot.status === "draft" || bot.status === "paused" ? (
        live && !withCode ? (
          <Link to={`/bots/${bot.id}`} className="button button-small">
            {bot.status === "paused" ? "Resume…" : "Start…"}
          </Link>
        ) : (
          <IntentForm
            {...common}
            intent="start"
            status={bot.status}
            label={bot.status === "paused" ? "Resume" : "Start"}
            withCode={live}
          />
        )
      ) : null}
      {bot.status === "running" ? <IntentForm {...common} intent="pause" label="Pause" secondary /> : null}
      {stoppable ? (
        <Link
          to={confirmStopHref}
          className="button button-small button-secondary"
          preventScrollReset
          data-testid="bot-stop-ask"
        >
          Stop
        </Link>
      ) : null}
    </div>
  );
}
