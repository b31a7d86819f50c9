import { sql } from "drizzle-orm";
import { check, index, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { minorUnits, smallInteger } from "./types.ts";
import { users } from "./users.ts";

/**
 * Trading bots (worker/services/bots/). A bot's rows are written only by its own Bot Durable
 * Object; its money lives in the owner's ledger, in the bot's allocation account
 * (`user:<id>:<book>:bot:<bot id>`), moved there when it starts and back when it stops.
 *
 *   draft | awaiting_confirmation (LIVE) -> running <-> paused -> stopped;  error (with reason)
 */
export const BOT_STATUSES = [
  "draft",
  "awaiting_confirmation",
  "running",
  "paused",
  "stopped",
  "error",
] as const;

const STATUS_VALUES = sql.raw(`(${BOT_STATUSES.map((status) => `'${status}'`).join(", ")})`);

export const bots = sqliteTable(
  "bots",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    /** The client's Idempotency-Key for the creation, namespaced by door. */
    clientKey: text("client_key").notNull(),
    requestHash: text("request_hash").notNull(),
    type: text("type", { enum: ["dca", "grid"] }).notNull(),
    symbol: text("symbol").notNull(),
    mode: text("mode", { enum: ["live", "paper"] }).notNull(),
    status: text("status", { enum: BOT_STATUSES }).notNull(),
    /** Why the bot is in `error` or was stopped (a stable code). */
    reason: text("reason"),
    budgetAsset: text("budget_asset").notNull(),
    budget: minorUnits("budget").notNull(),
    /** The validated params as submitted (decimal strings). */
    params: text("params").notNull(),
    /** The strategy's own state (JSON), written by each tick. */
    state: text("state").notNull().default("{}"),
    /** Record, act, resume (worker/services/flows/flow.ts): the step in flight. */
    pending: text("pending"),
    attempts: smallInteger("attempts").notNull().default(0),
    retryAtMs: smallInteger("retry_at_ms"),
    halted: text("halted"),
    ticks: smallInteger("ticks").notNull().default(0),
    lastTickAtMs: smallInteger("last_tick_at_ms"),
    createdAtMs: smallInteger("created_at_ms").notNull(),
    updatedAtMs: smallInteger("updated_at_ms").notNull(),
    startedAtMs: smallInteger("started_at_ms"),
    stoppedAtMs: smallInteger("stopped_at_ms"),
  },
  (table) => [
    uniqueIndex("bots_user_client_key_unique").on(table.userId, table.clientKey),
    index("bots_user_created_idx").on(table.userId, table.createdAtMs),
    index("bots_status_idx").on(table.status, table.mode),
    check("bots_status", sql`${table.status} IN ${STATUS_VALUES}`),
    check("bots_budget_positive", sql`${table.budget} > 0`),
  ],
);

/** Every decision a bot made or declined to make, newest last: what the trader reads. */
export const botEvents = sqliteTable(
  "bot_events",
  {
    /** `<bot id>:<tick>:<n>`: deterministic, so a repeated tick records nothing twice. */
    id: text("id").primaryKey(),
    botId: text("bot_id")
      .notNull()
      .references(() => bots.id),
    userId: text("user_id").notNull(),
    atMs: smallInteger("at_ms").notNull(),
    kind: text("kind").notNull(),
    message: text("message").notNull(),
    detail: text("detail").notNull().default("{}"),
  },
  (table) => [index("bot_events_bot_idx").on(table.botId, table.atMs, table.id)],
);

export type BotRow = typeof bots.$inferSelect;
export type BotEventRow = typeof botEvents.$inferSelect;
