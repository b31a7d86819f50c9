import type { LinksFunction, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { BotCard } from "../components/bots/bot-card.tsx";
import { useRefreshWhile } from "../components/bots/use-refresh.ts";
import { FormError } from "../components/form.tsx";
import botStyles from "../styles/bots.css?url";
import type { action, loader } from "./bots.server.ts";

export { action, loader } from "./bots.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: botStyles }];

export const meta: MetaFunction = () => [{ title: "Bots · CoinHubX" }];

/** While a bot runs, its PnL and runtime move: the cards refresh this often. */
const RUNNING_REFRESH_MS = 5_000;

export default function Bots() {
  const { bots, nowMs } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const [searchParams] = useSearchParams();
  const stopping = searchParams.get("stop");
  const confirmingKill = searchParams.get("confirm") === "kill-switch";
  const active = bots.filter((bot) => bot.status !== "stopped");
  useRefreshWhile(
    bots.some((bot) => bot.status === "running"),
    RUNNING_REFRESH_MS,
  );
  return (
    <section className="stack">
      <header className="page-header page-header-row bots-header">
        <div>
          <h1>Bots</h1>
          <p className="muted">
            DCA and Grid bots trade for you within the budget you give them, on paper or LIVE. Every decision
            is in each bot's events.
          </p>
        </div>
        {bots.length > 0 ? (
          <div className="bots-header-actions">
            {active.length > 0 ? (
              <Link
                to="?confirm=kill-switch"
                className="button button-secondary button-danger-outline"
                preventScrollReset
                data-testid="kill-switch-ask"
              >
                Kill switch: stop all bots
              </Link>
            ) : null}
            <Link to="/bots/new" className="button" data-testid="create-bot">
              Create a bot
            </Link>
          </div>
        ) : null}
      </header>

      {confirmingKill && active.length > 0 ? (
        <div className="notice bot-kill-confirm" role="alertdialog" aria-label="Stop all bots?">
          <h2>Stop all {active.length === 1 ? "1 bot" : `${active.length} bots`}?</h2>
          <p>
            Every bot stops at once: their open orders are cancelled and what is left of each budget returns
            to your wallet. Stopped bots cannot be restarted.
          </p>
          <div className="bot-actions bot-actions-center">
            <Form method="post" action="/bots">
              <input type="hidden" name="intent" value="kill-switch" />
              <button
                type="submit"
                className="button button-danger"
                disabled={busy}
                data-testid="kill-switch"
              >
                Stop all bots
              </button>
            </Form>
            <Link to="/bots" className="button button-secondary">
              Cancel
            </Link>
          </div>
        </div>
      ) : null}

      {result && "message" in result ? (
        <p className="status status-positive" role="status" data-testid="bot-message">
          {result.message}
        </p>
      ) : null}
      <FormError error={result && "error" in result ? result.error : undefined} />

      {bots.length === 0 ? (
        <div className="empty-state bots-empty" data-testid="bots-empty">
          <h2>No bots yet</h2>
          <p>
            A DCA bot buys in steps as the price falls and sells at your take profit; a Grid bot buys low and
            sells high within a price range. Start on paper: nothing real is at stake.
          </p>
          <Link className="button" to="/bots/new" data-testid="create-bot">
            Create a bot
          </Link>
        </div>
      ) : (
        <div className="bot-grid" data-testid="bot-cards">
          {bots.map((bot) => (
            <BotCard key={bot.id} bot={bot} nowMs={nowMs} confirmingStop={stopping === bot.id} busy={busy} />
          ))}
        </div>
      )}
    </section>
  );
}
