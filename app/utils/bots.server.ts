import { validate } from "../../worker/api/validation.ts";
import {
  codeInput,
  confirmBot,
  killSwitch,
  pauseBot,
  startBot,
  stopBot,
} from "../../worker/use-cases/bots.ts";
import type { Caller } from "../../worker/use-cases/caller.ts";
import { amountText } from "../components/money.tsx";
import { type ActionFailure, toActionFailure } from "./session.server.ts";

/**
 * The bot buttons of the Bots and bot detail pages: each posts an intent, and each intent is
 * one use case — the same functions behind POST /bots/:id/start, /pause, /stop, /confirm and
 * /bots/kill-switch. Nothing is decided here beyond the words shown.
 */

export const BOT_INTENTS = ["start", "pause", "stop", "confirm", "kill-switch"] as const;
export type BotIntent = (typeof BOT_INTENTS)[number];

export type BotActionResult =
  | { intent: BotIntent | "unknown"; botId: string | null; message: string }
  | ({ intent: BotIntent | "unknown"; botId: string | null } & ActionFailure);

const LIVE_UNAVAILABLE =
  "LIVE bots cannot start: the platform's exchange account is not connected. Nothing was held. PAPER bots run as usual.";

function isIntent(value: string): value is BotIntent {
  return (BOT_INTENTS as readonly string[]).includes(value);
}

export async function botAction(caller: Caller, form: FormData): Promise<BotActionResult> {
  const requested = String(form.get("intent") ?? "");
  const botId = typeof form.get("botId") === "string" ? String(form.get("botId")) : null;
  if (!isIntent(requested)) {
    return { intent: "unknown", botId, error: { code: "invalid_request", message: "Unknown action." } };
  }
  const intent = requested;
  const code = form.get("totp");
  try {
    if (intent === "kill-switch") {
      const stopped = await killSwitch(caller);
      return {
        intent,
        botId,
        message:
          stopped.length === 0
            ? "No bot was active: nothing to stop."
            : `Kill switch: ${stopped.length} ${stopped.length === 1 ? "bot" : "bots"} stopped, their open orders cancelled and what was left returned to your wallet.`,
      };
    }
    const id = botId ?? "";
    const codeBody = validate(codeInput, {
      totp: typeof code === "string" && code !== "" ? code : undefined,
    });
    switch (intent) {
      case "start": {
        const before = form.get("status");
        const bot = await startBot(caller, id, codeBody);
        return {
          intent,
          botId,
          message:
            before === "paused"
              ? "Resumed: the bot decides again on every tick."
              : `Started: ${amountText(bot.budget, bot.budgetAsset)} is held for the bot. Its first order follows within seconds.`,
        };
      }
      case "pause":
        await pauseBot(caller, id);
        return {
          intent,
          botId,
          message: "Paused: its open orders stay, and it places no new ones until resumed.",
        };
      case "stop":
        await stopBot(caller, id);
        return {
          intent,
          botId,
          message: "Stopped: its open orders were cancelled and what was left returned to your wallet.",
        };
      case "confirm":
        await confirmBot(caller, id, codeBody);
        return { intent, botId, message: "Confirmed: start it with a fresh code." };
    }
  } catch (error) {
    const failure = toActionFailure(error);
    if (failure.error.code === "live_unavailable") {
      return { intent, botId, error: { code: failure.error.code, message: LIVE_UNAVAILABLE } };
    }
    return { intent, botId, ...failure };
  }
}
