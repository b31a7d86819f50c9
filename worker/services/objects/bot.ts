import type { BotRow } from "../../../db/schema/bots.ts";
import type { BotOutcome } from "../../../durable-objects/bot/bot.ts";
import type { Bindings } from "../../env.ts";
import type { AuditContext } from "../auth/accounts.ts";
import type { NewBot } from "../bots/desk.ts";
import { callObject } from "./rpc.ts";
import { failureError } from "./user-orders.ts";

/**
 * The one typed client for a Bot Durable Object (one per bot). Failures that crossed RPC as
 * data become ApiError; a transport failure the runtime marks retryable is retried once with a
 * fresh stub (every bot call is idempotent: creation by its key, transitions by state).
 */
type BotStub = DurableObjectStub<import("../../../durable-objects/bot/bot.ts").Bot>;

export interface BotClient {
  create(input: NewBot, audit: AuditContext): Promise<BotRow>;
  get(userId: string): Promise<BotRow>;
  confirm(userId: string, audit: AuditContext): Promise<BotRow>;
  start(userId: string, audit: AuditContext): Promise<BotRow>;
  pause(userId: string, audit: AuditContext): Promise<BotRow>;
  stop(userId: string, reason: string, audit: AuditContext): Promise<BotRow>;
}

export function botClient(env: Pick<Bindings, "BOT">, botId: string): BotClient {
  const stub = (): BotStub => env.BOT.get(env.BOT.idFromName(botId));
  const call = async (run: (bot: BotStub) => Promise<BotOutcome>): Promise<BotRow> => {
    const outcome = await callObject("bot", () => run(stub()) as Promise<BotOutcome>);
    if (outcome.ok) return outcome.value;
    throw failureError(outcome.error);
  };
  return {
    create: (input, audit) => call((bot) => bot.create(input, audit) as Promise<BotOutcome>),
    get: (userId) => call((bot) => bot.get(botId, userId) as Promise<BotOutcome>),
    confirm: (userId, audit) => call((bot) => bot.confirm(botId, userId, audit) as Promise<BotOutcome>),
    start: (userId, audit) => call((bot) => bot.start(botId, userId, audit) as Promise<BotOutcome>),
    pause: (userId, audit) => call((bot) => bot.pause(botId, userId, audit) as Promise<BotOutcome>),
    stop: (userId, reason, audit) =>
      call((bot) => bot.stop(botId, userId, reason, audit) as Promise<BotOutcome>),
  };
}
