import type { BotView } from "../../../worker/services/bots/model.ts";

/** How a bot's state reads everywhere: its status, its strategy's name, and how long it ran. */

const STATUS_LABELS: Readonly<Record<BotView["status"], string>> = {
  draft: "Draft",
  awaiting_confirmation: "Awaiting confirmation",
  running: "Running",
  paused: "Paused",
  stopped: "Stopped",
  error: "Error",
};

export const TYPE_LABELS: Readonly<Record<BotView["type"], string>> = { dca: "DCA", grid: "Grid" };

export function BotStatusBadge({ status }: { status: BotView["status"] }) {
  return (
    <span className={`bot-status bot-status-${status}`} data-testid="bot-status" data-status={status}>
      {STATUS_LABELS[status] ?? status}
    </span>
  );
}

/** "45 s", "12 min", "3 h 05 min", "2 d 4 h": the two largest units, never a float. */
export function formatDuration(durationMs: number): string {
  const seconds = Math.max(0, Math.floor(durationMs / 1_000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${String(minutes % 60).padStart(2, "0")} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** Since it started, up to now or to when it stopped; measured against the loader's clock. */
export function runtimeOf(bot: Pick<BotView, "startedAt" | "stoppedAt">, nowMs: number): string {
  if (bot.startedAt === null) return "Not started";
  const endMs = bot.stoppedAt === null ? nowMs : Date.parse(bot.stoppedAt);
  return formatDuration(endMs - Date.parse(bot.startedAt));
}

/** "BTC/GBP" from "BTC-GBP". */
export function pairLabel(symbol: string): { base: string; quote: string; label: string } {
  const [base = symbol, quote = ""] = symbol.split("-");
  return { base, quote, label: quote ? `${base}/${quote}` : base };
}
