import { DurableObject } from "cloudflare:workers";
import { createDatabase, createDatabaseClient } from "../../db/client.ts";
import type { BotRow } from "../../db/schema/bots.ts";
import { type Bindings, getConfig } from "../../worker/env.ts";
import { createLogger } from "../../worker/logger.ts";
import { appendAudit } from "../../worker/services/audit/append.ts";
import type { AuditContext } from "../../worker/services/auth/accounts.ts";
import { BotDesk, type NewBot } from "../../worker/services/bots/desk.ts";
import { plannerFor } from "../../worker/services/bots/planner.ts";
import { isExchangeConfigured } from "../../worker/services/exchange/index.ts";
import type { HaltReporter } from "../../worker/services/flows/flow.ts";
import { userLedger } from "../../worker/services/ledger/client.ts";
import { getMarketSource } from "../../worker/services/markets/source.ts";
import { flushMetrics } from "../../worker/services/metrics/flush.ts";
import { isolateMetrics } from "../../worker/services/metrics/recorder.ts";
import { userOrdersClient } from "../../worker/services/objects/user-orders.ts";
import { reportBackgroundError } from "../../worker/services/sentry.ts";

/**
 * One per bot (id from the bot id): the bot's state machine and schedule. A thin shell over
 * the bot desk (worker/services/bots/desk.ts): it serialises the bot's calls and its alarm
 * ticks the bot every second while it runs (alarms are at-least-once: every tick is
 * idempotent), and finishes any step left in flight. State and schedule live in libSQL and in
 * the alarm, so an eviction or restart continues where it was.
 *
 * Failures cross RPC as data: `{ ok: false, error }` (RPC does not carry error classes).
 */
export type BotOutcome =
  | { ok: true; value: BotRow }
  | { ok: false; error: { status: number; code: string; message: string; fields?: Record<string, string> } };

const BOT_ID_KEY = "botId";

export class Bot extends DurableObject<Bindings> {
  #desk: BotDesk | undefined;
  #tail: Promise<unknown> = Promise.resolve();

  async ping(): Promise<"pong"> {
    return "pong";
  }

  async create(input: NewBot, audit: AuditContext): Promise<BotOutcome> {
    return this.#call(input.id, (desk) => desk.create(input, audit));
  }

  async get(botId: string, userId: string): Promise<BotOutcome> {
    return this.#call(botId, (desk) => desk.get(userId));
  }

  async confirm(botId: string, userId: string, audit: AuditContext): Promise<BotOutcome> {
    return this.#call(botId, (desk) => desk.confirm(userId, audit));
  }

  async start(botId: string, userId: string, audit: AuditContext): Promise<BotOutcome> {
    return this.#call(botId, async (desk) => {
      const bot = await desk.start(userId, audit);
      if (bot.status === "running") await this.ctx.storage.setAlarm(Date.now());
      return bot;
    });
  }

  async pause(botId: string, userId: string, audit: AuditContext): Promise<BotOutcome> {
    return this.#call(botId, (desk) => desk.pause(userId, audit));
  }

  async stop(botId: string, userId: string, reason: string, audit: AuditContext): Promise<BotOutcome> {
    return this.#call(botId, (desk) => desk.stop(userId, reason, audit));
  }

  override async alarm(): Promise<void> {
    const botId = await this.ctx.storage.get<string>(BOT_ID_KEY);
    if (!botId) return;
    const scheduledMs = (await this.ctx.storage.get<number>("nextTickMs")) ?? Date.now();
    const startedMs = Date.now();
    try {
      const { nextWakeMs, ticked } = await this.#serial(botId, (desk) => desk.wake());
      if (ticked) {
        isolateMetrics.increment("chx_bot_ticks_total", { outcome: "ok" });
        isolateMetrics.observe(
          "chx_bot_tick_lateness_seconds",
          {},
          Math.max(0, startedMs - scheduledMs) / 1000,
        );
      }
      if (nextWakeMs !== null) {
        await this.ctx.storage.put("nextTickMs", nextWakeMs);
        await this.ctx.storage.setAlarm(nextWakeMs);
      }
    } catch (error) {
      isolateMetrics.increment("chx_bot_ticks_total", { bot_type: "unknown", outcome: "error" });
      const config = getConfig(this.env);
      createLogger({ level: config.LOG_LEVEL }).warn("bot alarm failed", { botId, error });
      await this.ctx.storage.setAlarm(Date.now() + 5_000);
      await reportBackgroundError(config, error, { durableObject: "Bot", operation: "alarm" });
    }
  }

  async #call(botId: string, run: (desk: BotDesk) => Promise<BotRow>): Promise<BotOutcome> {
    if (typeof botId !== "string" || !this.env.BOT.idFromName(botId).equals(this.ctx.id)) {
      return {
        ok: false,
        error: { status: 400, code: "invalid_request", message: "This is another bot's object." },
      };
    }
    try {
      // Any call may leave a step behind: the alarm comes to finish it (write-ahead schedule).
      if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + 2_000);
      return { ok: true, value: await this.#serial(botId, run) };
    } catch (error) {
      const known = error as { status?: unknown; code?: unknown; message?: unknown; fields?: unknown };
      if (typeof known.status === "number" && typeof known.code === "string") {
        return {
          ok: false,
          error: {
            status: known.status,
            code: known.code,
            message: String(known.message),
            ...(known.fields ? { fields: known.fields as Record<string, string> } : {}),
          },
        };
      }
      createLogger({ level: getConfig(this.env).LOG_LEVEL }).error("bot call failed", { botId, error });
      return {
        ok: false,
        error: {
          status: 503,
          code: "service_unavailable",
          message: "The bot could not be updated right now. It finishes on its own; try again shortly.",
        },
      };
    }
  }

  async #serial<T>(botId: string, run: (desk: BotDesk) => Promise<T>): Promise<T> {
    const result = this.#tail.then(async () => run(await this.#deskFor(botId)));
    this.#tail = result.catch(() => undefined);
    this.ctx.waitUntil(result.then(() => flushMetrics(this.env)).catch(() => undefined));
    return result;
  }

  async #deskFor(botId: string): Promise<BotDesk> {
    if (this.#desk) return this.#desk;
    await this.ctx.storage.put(BOT_ID_KEY, botId);
    const config = getConfig(this.env);
    const client = createDatabaseClient({
      url: config.TURSO_DATABASE_URL,
      authToken: config.TURSO_AUTH_TOKEN,
      timeoutMs: config.DATABASE_TIMEOUT_MS,
    });
    const logger = createLogger({ level: config.LOG_LEVEL }).child({ durableObject: "Bot", botId });
    const reportHalt: HaltReporter = async (halt) => {
      isolateMetrics.increment("chx_flow_halted_total", { flow: halt.flow });
      logger.error("bot halted for an operator", { ...halt });
      await appendAudit(client, {
        event: "bot.halted",
        outcome: "failure",
        actor: "system:bot",
        userId: halt.userId,
        requestId: `halt:${halt.id}`,
        ipAddress: "127.0.0.1",
        detail: { id: halt.id, reason: halt.reason },
      }).catch((error: unknown) => logger.error("could not audit the halt", { error }));
      await reportBackgroundError(config, new Error(`bot ${halt.id} halted: ${halt.reason}`), {
        durableObject: "Bot",
        operation: "bot.halted",
      });
    };
    this.#desk = new BotDesk(botId, {
      db: createDatabase(client),
      client,
      ledger: (userId) => userLedger(this.env, userId),
      orders: (userId) => userOrdersClient(this.env, userId),
      market: getMarketSource(config),
      planner: plannerFor,
      now: Date.now,
      logger,
      reportHalt,
      liveTrading: isExchangeConfigured(config),
    });
    return this.#desk;
  }
}
