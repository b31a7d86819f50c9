import type { InArgs } from "@libsql/client";
import { and, desc, eq, inArray, isNotNull, isNull, like, or } from "drizzle-orm";
import type { Client, Database } from "../../../db/client.ts";
import { type BotRow, botEvents, bots } from "../../../db/schema/bots.ts";
import { orders } from "../../../db/schema/orders.ts";
import { ApiError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import { writeWithAudit } from "../audit/append.ts";
import type { AuditContext } from "../auth/accounts.ts";
import {
  decodeStep,
  encodeStep,
  type HaltReporter,
  InvariantViolation,
  invariant,
  retryDelayMs,
} from "../flows/flow.ts";
import { ASSET_CODES, type AssetCode } from "../ledger/assets.ts";
import type { UserLedgerClient } from "../ledger/client.ts";
import { MARKETS, type MarketSymbol } from "../markets/symbols.ts";
import type { MarketDataSource } from "../markets/types.ts";
import type { UserOrdersClient } from "../objects/user-orders.ts";
import { liveUnavailable } from "../trading/venue.ts";
import type { BotAction, BotEventInput, BotOrderView, BotStatus } from "./model.ts";

/**
 * One bot's life, run inside its own Bot Durable Object (which serialises every call and owns
 * the alarm that ticks it). Money moves only through the owner's UserLedger (the bot's
 * allocation) and orders only through the owner's order desk, so a bot's orders are held,
 * filled, charged and cancelled exactly like the Trade page's. Record, act, resume
 * (flows/flow.ts):
 *
 *   start  record `allocate` -> move the budget into the bot's allocation -> running
 *   tick   read its orders, the market and its allocation -> the strategy decides -> place and
 *          cancel by deterministic keys (`bot:<id>:<key>`: the desk answers a repeated key with
 *          its first order) -> the strategy's state and the tick's events in one write
 *   stop   record `stop` -> cancel its open orders -> return what the allocation holds, asset by
 *          asset (`bot:<id>:return:<asset>`) -> stopped
 *
 * A tick that dies halfway is simply run again: the same observation gives the same decisions
 * and keys, so nothing is placed twice and events (ids from the tick number) are not doubled.
 */

export interface Planner {
  plan(input: PlanInput): PlanOutput;
}

export interface PlanInput {
  state: unknown;
  nowMs: number;
  market: { lastPriceMinor: bigint; stale: boolean };
  orders: BotOrderView[];
  balances: { quoteMinor: bigint; baseMinor: bigint };
}

export interface PlanOutput {
  state: unknown;
  actions: BotAction[];
  events: BotEventInput[];
  /** The strategy is done (stop loss, take profit of a grid): stop the bot with this reason. */
  stop?: { reason: string } | undefined;
}

export interface BotDeskDependencies {
  db: Database;
  client: Client;
  /** The owner's ledger and order desk (bound to the bot's owner). */
  ledger: (userId: string) => UserLedgerClient;
  orders: (userId: string) => UserOrdersClient;
  market: MarketDataSource;
  planner: (bot: BotRow) => Planner;
  now: () => number;
  logger?: Logger | undefined;
  reportHalt?: HaltReporter | undefined;
  /** True when the exchange account is configured: LIVE bots may start. Absent: they may not. */
  liveTrading?: boolean | undefined;
}

type Step =
  | { stage: "allocate"; audit: AuditContext }
  | { stage: "stop"; reason: string; from: BotStatus; audit: AuditContext };

/** An audit event written in the same atomic batch as the state change it records. */
interface AuditedChange {
  event: string;
  audit: AuditContext;
  detail?: Record<string, unknown>;
}

/** Bounds: orders a tick looks at, actions it may take, events it may write. */
const MAX_ORDERS_OBSERVED = 500;
const MAX_ACTIONS_PER_TICK = 50;
const MAX_EVENTS_PER_TICK = 50;
export const TICK_INTERVAL_MS = 1_000;

export interface NewBot {
  id: string;
  userId: string;
  clientKey: string;
  requestHash: string;
  type: BotRow["type"];
  symbol: MarketSymbol;
  mode: BotRow["mode"];
  budgetAsset: AssetCode;
  budgetMinor: bigint;
  params: Record<string, unknown>;
}

export class BotDesk {
  #row: BotRow | null = null;

  constructor(
    readonly botId: string,
    private readonly deps: BotDeskDependencies,
  ) {}

  async create(input: NewBot, audit: AuditContext): Promise<BotRow> {
    invariant(input.id === this.botId, "a bot was created in another bot's object");
    const nowMs = this.deps.now();
    const row: BotRow = {
      id: input.id,
      userId: input.userId,
      clientKey: input.clientKey,
      requestHash: input.requestHash,
      type: input.type,
      symbol: input.symbol,
      mode: input.mode,
      status: input.mode === "live" ? "awaiting_confirmation" : "draft",
      reason: null,
      budgetAsset: input.budgetAsset,
      budget: input.budgetMinor,
      params: JSON.stringify(input.params),
      state: "{}",
      pending: null,
      attempts: 0,
      retryAtMs: null,
      halted: null,
      ticks: 0,
      lastTickAtMs: null,
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
      startedAtMs: null,
      stoppedAtMs: null,
    };
    // The row and its audit event in one atomic batch (the event only if the row is new).
    const insert = this.deps.db.insert(bots).values(row).onConflictDoNothing().toSQL();
    const isNew = await writeWithAudit(
      this.deps.client,
      { sql: insert.sql, args: insert.params as InArgs },
      {
        event: "bot.created",
        outcome: "success",
        actor: `user:${row.userId}`,
        userId: row.userId,
        ...audit,
        detail: { botId: row.id, type: row.type, symbol: row.symbol, mode: row.mode },
      },
    );
    const stored = await this.#load();
    invariant(stored, `bot ${this.botId}: insert conflicted with no row`);
    if (stored.requestHash !== input.requestHash || stored.userId !== input.userId) {
      throw new ApiError(409, "idempotency_conflict", "This Idempotency-Key was used with a different bot.");
    }
    if (isNew) {
      await this.#events(stored, 0, [
        {
          kind: "created",
          message: `${stored.type.toUpperCase()} bot created on ${stored.symbol} (${stored.mode.toUpperCase()}).`,
        },
      ]);
    }
    this.#row = stored;
    return stored;
  }

  async get(userId: string): Promise<BotRow> {
    return this.#owned(userId);
  }

  /** LIVE only: a second fresh code (checked by the use case) moves it to draft. */
  async confirm(userId: string, audit: AuditContext): Promise<BotRow> {
    const bot = await this.#owned(userId);
    if (bot.mode !== "live") throw new ApiError(409, "invalid_state", "Only LIVE bots need confirming.");
    if (bot.status === "draft") return bot; // confirmed already: the same answer again
    if (bot.status !== "awaiting_confirmation") {
      throw new ApiError(409, "invalid_state", `A ${bot.status} bot cannot be confirmed.`);
    }
    return this.#write(
      bot,
      { status: "draft" },
      {
        audited: { event: "bot.confirmed", audit },
        events: { tick: bot.ticks, list: [{ kind: "confirmed", message: "LIVE bot confirmed." }] },
        onConflict: "refuse",
      },
    );
  }

  /** draft -> running (holding the budget), or paused -> running. */
  async start(userId: string, audit: AuditContext): Promise<BotRow> {
    let bot = await this.#advance(await this.#owned(userId));
    if (bot.status === "paused") {
      return this.#write(
        bot,
        { status: "running" },
        {
          audited: { event: "bot.resumed", audit },
          events: { tick: bot.ticks, list: [{ kind: "resumed", message: "Resumed by the user." }] },
          onConflict: "refuse",
        },
      );
    }
    if (bot.status !== "draft") {
      throw new ApiError(
        409,
        "invalid_state",
        bot.status === "awaiting_confirmation"
          ? "Confirm the LIVE bot first."
          : `A ${bot.status} bot cannot be started.`,
      );
    }
    // Without an exchange account a LIVE bot could never trade: refuse before anything is held.
    if (bot.mode === "live" && this.deps.liveTrading !== true) throw liveUnavailable();
    bot = await this.#write(
      bot,
      { pending: encodeStep({ stage: "allocate", audit } satisfies Step) },
      { onConflict: "refuse" },
    );
    bot = await this.#advance(bot);
    if (bot.status !== "running") {
      throw new ApiError(
        409,
        "insufficient_funds",
        `Not enough ${bot.budgetAsset} available in the ${bot.mode} book for this bot's budget.`,
        { fields: { budget: `needs ${bot.budgetAsset} available` } },
      );
    }
    return bot;
  }

  async pause(userId: string, audit: AuditContext): Promise<BotRow> {
    const bot = await this.#advance(await this.#owned(userId));
    if (bot.status === "paused") return bot;
    if (bot.status !== "running") {
      throw new ApiError(409, "invalid_state", `A ${bot.status} bot cannot be paused.`);
    }
    return this.#write(
      bot,
      { status: "paused" },
      {
        audited: { event: "bot.paused", audit },
        events: { tick: bot.ticks, list: [{ kind: "paused", message: "Paused by the user." }] },
        onConflict: "refuse",
      },
    );
  }

  /** Cancels the bot's open orders and returns what its allocation holds. Final. */
  async stop(userId: string, reason: string, audit: AuditContext): Promise<BotRow> {
    let bot = await this.#advance(await this.#owned(userId));
    if (bot.status === "stopped") return bot;
    if (bot.status === "draft" || bot.status === "awaiting_confirmation") {
      // Nothing was ever held: stopping a bot that never started just closes it.
      bot = await this.#write(
        bot,
        { status: "stopped", reason, stoppedAtMs: this.deps.now() },
        {
          audited: { event: "bot.stopped", audit, detail: { reason } },
          events: { tick: bot.ticks, list: [{ kind: "stopped", message: "Closed before it ever started." }] },
          onConflict: "refuse",
        },
      );
    } else {
      bot = await this.#write(
        bot,
        { pending: encodeStep({ stage: "stop", reason, from: bot.status, audit } satisfies Step) },
        { onConflict: "refuse" },
      );
      bot = await this.#advance(bot);
    }
    return bot;
  }

  /**
   * The alarm's work: finish a step in flight, then one tick if the bot runs. Returns when the
   * alarm should ring next (null: nothing to do until someone calls).
   */
  async wake(): Promise<{ nextWakeMs: number | null; ticked: boolean; type: BotRow["type"] | null }> {
    const nowMs = this.deps.now();
    const loaded = this.#row ?? (await this.#load());
    if (!loaded) return { nextWakeMs: null, ticked: false, type: null };
    const type = loaded.type;
    if (loaded.halted) return { nextWakeMs: null, ticked: false, type };
    if (loaded.retryAtMs !== null && loaded.retryAtMs > nowMs) {
      return { nextWakeMs: loaded.retryAtMs, ticked: false, type };
    }
    let bot: BotRow;
    try {
      bot = await this.#advance(loaded);
      if (bot.status !== "running") return { nextWakeMs: null, ticked: false, type };
      bot = await this.#tick(bot, nowMs);
    } catch (error) {
      if (error instanceof BotHaltedError) return { nextWakeMs: null, ticked: false, type };
      const attempts = loaded.attempts + 1;
      const retryAtMs = nowMs + retryDelayMs(attempts);
      await this.deps.db
        .update(bots)
        .set({ attempts, retryAtMs })
        .where(eq(bots.id, this.botId))
        .catch(() => undefined);
      this.#row = null;
      this.deps.logger?.warn("bot tick failed; retrying with backoff", {
        botId: this.botId,
        attempts,
        error,
      });
      return { nextWakeMs: retryAtMs, ticked: false, type };
    }
    return { nextWakeMs: bot.status === "running" ? nowMs + TICK_INTERVAL_MS : null, ticked: true, type };
  }

  // ---- Steps -----------------------------------------------------------------------------

  async #advance(start: BotRow): Promise<BotRow> {
    if (start.halted) throw new BotHaltedError(start.id);
    if (!start.pending) return start;
    try {
      let bot = start;
      for (let step = 0; step < 3 && bot.pending; step++) {
        bot = await this.#run(bot, decodeStep<Step>(bot.pending));
      }
      invariant(!bot.pending, `bot ${start.id} did not finish its step`);
      return bot;
    } catch (error) {
      throw await this.#failed(start, error);
    }
  }

  async #run(bot: BotRow, step: Step): Promise<BotRow> {
    const ledger = this.deps.ledger(bot.userId);
    switch (step.stage) {
      case "allocate": {
        try {
          await ledger.botAllocate({
            idempotencyKey: `bot:${bot.id}:allocate`,
            book: bot.mode,
            botId: bot.id,
            asset: bot.budgetAsset as AssetCode,
            amountMinor: bot.budget,
          });
        } catch (error) {
          if (error instanceof ApiError && error.code === "insufficient_funds") {
            return this.#write(
              bot,
              { pending: null, attempts: 0, retryAtMs: null },
              {
                events: {
                  tick: bot.ticks,
                  list: [
                    {
                      kind: "skipped_insufficient_funds",
                      message: `Not started: not enough ${bot.budgetAsset} available for the budget.`,
                    },
                  ],
                },
              },
            );
          }
          throw error;
        }
        return this.#write(
          bot,
          { status: "running", pending: null, attempts: 0, retryAtMs: null, startedAtMs: this.deps.now() },
          {
            audited: { event: "bot.started", audit: step.audit },
            events: {
              tick: bot.ticks,
              list: [
                {
                  kind: "started",
                  message: `Started: ${bot.budgetAsset} budget held in the bot's allocation.`,
                },
              ],
            },
          },
        );
      }
      case "stop": {
        const desk = this.deps.orders(bot.userId);
        for (const order of await this.#orders(bot)) {
          if (order.status !== "open" && order.status !== "partially_filled") continue;
          try {
            await desk.cancel(order.orderId);
          } catch (error) {
            // Filled or cancelled meanwhile: nothing left to cancel.
            if (!(error instanceof ApiError && error.code === "order_not_open")) throw error;
          }
        }
        const balances = await ledger.botBalances(bot.mode, bot.id);
        const returned: Record<string, string> = {};
        for (const asset of ASSET_CODES) {
          const amountMinor = balances[asset] ?? 0n;
          invariant(amountMinor >= 0n, `bot ${bot.id}: negative ${asset} allocation`);
          if (amountMinor === 0n) continue;
          await ledger.botReturn({
            idempotencyKey: `bot:${bot.id}:return:${asset}`,
            book: bot.mode,
            botId: bot.id,
            asset,
            amountMinor,
          });
          returned[asset] = amountMinor.toString();
        }
        const stopped = await this.#write(
          bot,
          {
            status: "stopped",
            reason: step.reason,
            pending: null,
            attempts: 0,
            retryAtMs: null,
            stoppedAtMs: this.deps.now(),
          },
          {
            audited: { event: "bot.stopped", audit: step.audit, detail: { reason: step.reason, returned } },
            events: {
              tick: bot.ticks,
              list: [
                {
                  kind: "stopped",
                  message: `Stopped (${step.reason.replaceAll("_", " ")}): open orders cancelled, the allocation returned.`,
                  detail: { returned },
                },
              ],
            },
          },
        );
        return stopped;
      }
    }
  }

  async #tick(bot: BotRow, nowMs: number): Promise<BotRow> {
    const market = MARKETS[bot.symbol as MarketSymbol];
    invariant(market, `bot ${bot.id}: unknown symbol ${bot.symbol}`);
    const state = JSON.parse(bot.state) as { orders?: { key?: unknown }[] };
    // Every order the strategy tracks, whatever its age, plus anything of the bot's still resting.
    const watched = (state.orders ?? []).map((order) => order.key).filter((key) => typeof key === "string");
    const [ownOrders, ticker, balances] = await Promise.all([
      this.#orders(bot, watched as string[]),
      this.deps.market.ticker(market.symbol),
      this.deps.ledger(bot.userId).botBalances(bot.mode, bot.id),
    ]);
    let output: PlanOutput;
    try {
      output = this.deps.planner(bot).plan({
        state,
        nowMs,
        market: { lastPriceMinor: ticker.lastMinor, stale: ticker.stale === true },
        orders: ownOrders,
        balances: { quoteMinor: balances[market.quote] ?? 0n, baseMinor: balances[market.base] ?? 0n },
      });
    } catch (error) {
      // A strategy that throws is a bug: the same observation would throw again.
      throw new InvariantViolation(`strategy failed: ${(error as Error).message}`);
    }
    invariant(output.actions.length <= MAX_ACTIONS_PER_TICK, "a strategy proposed too many actions");
    // Record first: the strategy's new state (which tracks every order it is about to propose)
    // and its events, in one write. If acting fails halfway, the next tick starts from a state
    // that knows those orders: it finds the ones placed and proposes the others again,
    // identically, under the same keys.
    const tick = bot.ticks + 1;
    const next = await this.#write(
      bot,
      { state: JSON.stringify(output.state), ticks: tick, lastTickAtMs: nowMs, attempts: 0, retryAtMs: null },
      { events: { tick, list: output.events.slice(0, MAX_EVENTS_PER_TICK) } },
    );
    if (next.ticks !== tick || next.state !== JSON.stringify(output.state)) return next; // stale copy
    const refusals = await this.#act(next, output.actions, ownOrders);
    if (refusals.length > 0) await this.#events(next, tick, refusals, output.events.length);
    if (output.stop) {
      const stopping = await this.#write(next, {
        pending: encodeStep({
          stage: "stop",
          reason: output.stop.reason,
          from: next.status,
          audit: { requestId: `bot:${next.id}:tick:${next.ticks}`, ipAddress: "127.0.0.1" },
        } satisfies Step),
      });
      return this.#advance(stopping);
    }
    return next;
  }

  /**
   * Places and cancels through the owner's order desk by deterministic keys. Returns the
   * refusals worth telling the trader; a 503 stops the tick (the next wake retries it).
   */
  async #act(bot: BotRow, actions: BotAction[], ownOrders: BotOrderView[]): Promise<BotEventInput[]> {
    const market = MARKETS[bot.symbol as MarketSymbol];
    const desk = this.deps.orders(bot.userId);
    const byKey = new Map(ownOrders.map((order) => [order.key, order]));
    const refusals: BotEventInput[] = [];
    for (const action of actions) {
      if (action.kind === "cancel") {
        const order = byKey.get(action.key);
        if (!order || (order.status !== "open" && order.status !== "partially_filled")) continue;
        try {
          await desk.cancel(order.orderId);
        } catch (error) {
          if (!(error instanceof ApiError && error.code === "order_not_open")) throw error;
        }
        continue;
      }
      const outcome = await desk.place({
        userId: bot.userId,
        botId: bot.id,
        clientKey: `bot:${bot.id}:${action.key}`,
        mode: bot.mode,
        symbol: market.symbol,
        side: action.side,
        type: action.type,
        quantityMinor: action.quantityMinor,
        quoteAmountMinor: action.quoteAmountMinor,
        priceMinor: action.priceMinor,
      });
      if (outcome.ok) continue;
      const { status, code, message } = outcome.error;
      if (status === 503) throw new ApiError(503, code, message); // retried by the next wake
      refusals.push({
        kind: code === "insufficient_funds" ? "skipped_insufficient_budget" : `refused_${code}`,
        message: `Order ${action.key} not placed: ${message}`,
        detail: { key: action.key, code },
      });
    }
    return refusals;
  }

  /**
   * The bot's orders, keyed by the strategy's keys (the part after `bot:<id>:`): the ones named
   * (those its strategy tracks) and every one still resting or mid-step; or, without names, the
   * newest ones (a stop cancels whatever rests).
   */
  async #orders(bot: BotRow, keys?: string[]): Promise<BotOrderView[]> {
    const prefix = `bot:${bot.id}:`;
    const live = or(inArray(orders.status, ["open", "partially_filled"]), isNotNull(orders.pending));
    const rows = await this.deps.db
      .select()
      .from(orders)
      .where(
        and(
          eq(orders.userId, bot.userId),
          eq(orders.botId, bot.id),
          like(orders.clientKey, `${prefix}%`),
          keys === undefined
            ? undefined
            : or(
                inArray(
                  orders.clientKey,
                  keys.slice(0, MAX_ORDERS_OBSERVED).map((key) => `${prefix}${key}`),
                ),
                live,
              ),
        ),
      )
      .orderBy(desc(orders.createdAtMs))
      .limit(MAX_ORDERS_OBSERVED);
    return rows.map((row) => ({
      key: row.clientKey.slice(prefix.length),
      orderId: row.id,
      side: row.side,
      // Bots place market and limit orders only; a stop-limit is a limit order once triggered.
      type: row.type === "stop_limit" ? "limit" : row.type,
      status: row.status,
      reason: row.reason,
      priceMinor: row.price,
      quantityMinor: row.quantity,
      filledQuantityMinor: row.filledQuantity,
      filledQuoteMinor: row.filledQuote,
      feeMinor: row.fee,
    }));
  }

  async #events(bot: BotRow, tick: number, events: BotEventInput[], offset = 0): Promise<void> {
    if (events.length === 0) return;
    await this.deps.db
      .insert(botEvents)
      .values(this.#eventRows(bot, tick, events, offset))
      .onConflictDoNothing();
  }

  /** Event ids come from the tick and position, so writing a tick's events twice adds nothing. */
  #eventRows(bot: BotRow, tick: number, events: BotEventInput[], offset = 0) {
    const nowMs = this.deps.now();
    return events.map((event, index) => ({
      id: `${bot.id}:${tick}:${event.kind}:${offset + index}`,
      botId: bot.id,
      userId: bot.userId,
      atMs: nowMs,
      kind: event.kind,
      message: event.message,
      detail: JSON.stringify(event.detail ?? {}, (_key, value) =>
        typeof value === "bigint" ? value.toString() : value,
      ),
    }));
  }

  /**
   * Compare-and-set on the step in flight, with the change's audit event and the bot's events in
   * the same atomic batch. The object is the only writer, so a lost compare-and-set means this
   * copy is stale (another instance, after a restart, moved on): steps carry on from the row as
   * it is (`continue`), a user's request is refused as changed meanwhile (`refuse`). A write
   * whose outcome is unknown drops the cached copy.
   */
  async #write(
    bot: BotRow,
    changes: Partial<Omit<BotRow, "id" | "halted">>,
    options: {
      audited?: AuditedChange | undefined;
      events?: { tick: number; list: BotEventInput[] } | undefined;
      onConflict?: "continue" | "refuse";
    } = {},
  ): Promise<BotRow> {
    const updatedAtMs = this.deps.now();
    const update = this.deps.db
      .update(bots)
      .set({ ...changes, updatedAtMs })
      .where(
        and(
          eq(bots.id, bot.id),
          isNull(bots.halted),
          bot.pending === null ? isNull(bots.pending) : eq(bots.pending, bot.pending),
        ),
      )
      .toSQL();
    const write = { sql: update.sql, args: update.params as InArgs };
    const also: { sql: string; args: InArgs }[] = [];
    if (options.events && options.events.list.length > 0) {
      const insert = this.deps.db
        .insert(botEvents)
        .values(this.#eventRows(bot, options.events.tick, options.events.list))
        .onConflictDoNothing()
        .toSQL();
      also.push({ sql: insert.sql, args: insert.params as InArgs });
    }
    let written: boolean;
    try {
      if (options.audited) {
        const audited = options.audited;
        written = await writeWithAudit(
          this.deps.client,
          write,
          {
            event: audited.event,
            outcome: "success",
            actor: `user:${bot.userId}`,
            userId: bot.userId,
            ...audited.audit,
            detail: { botId: bot.id, mode: bot.mode, ...audited.detail },
          },
          also,
        );
      } else {
        const results = await this.deps.client.batch([...also, write], "write");
        written = (results[also.length]?.rowsAffected ?? 0) === 1;
      }
    } catch (error) {
      this.#row = null; // committed or not: the next read decides
      throw error;
    }
    if (written) {
      const next: BotRow = { ...bot, ...changes, updatedAtMs };
      this.#row = next;
      return next;
    }
    const current = await this.#load();
    invariant(current, `bot ${bot.id} disappeared`);
    if (current.halted) throw new BotHaltedError(bot.id);
    if (options.onConflict === "refuse") {
      throw new ApiError(409, "invalid_state", "The bot changed meanwhile. Reload it and try again.");
    }
    return current;
  }

  async #failed(bot: BotRow, error: unknown): Promise<unknown> {
    if (error instanceof BotHaltedError) return error;
    const permanent =
      error instanceof InvariantViolation || (error instanceof ApiError && error.status < 500);
    if (!permanent) {
      const attempts = bot.attempts + 1;
      await this.deps.db
        .update(bots)
        .set({ attempts, retryAtMs: this.deps.now() + retryDelayMs(attempts) })
        .where(eq(bots.id, bot.id))
        .catch(() => undefined);
      this.#row = null;
      return error;
    }
    const reason = `${error instanceof InvariantViolation ? "invariant" : (error as ApiError).code}: ${(error as Error).message}`;
    this.deps.logger?.error("bot halted: a step broke an invariant", { botId: bot.id, reason });
    await this.deps.db
      .update(bots)
      .set({ halted: reason.slice(0, 500), status: "error", reason: "halted", retryAtMs: null })
      .where(eq(bots.id, bot.id))
      .catch((writeError: unknown) =>
        this.deps.logger?.error("could not record the halted bot", { botId: bot.id, error: writeError }),
      );
    this.#row = null;
    await this.deps.reportHalt?.({ flow: "bot", id: bot.id, userId: bot.userId, reason });
    return new BotHaltedError(bot.id);
  }

  async #owned(userId: string): Promise<BotRow> {
    const bot = this.#row ?? (await this.#load());
    if (!bot || bot.userId !== userId) throw new ApiError(404, "bot_not_found", "No such bot.");
    return bot;
  }

  async #load(): Promise<BotRow | null> {
    const rows = await this.deps.db.select().from(bots).where(eq(bots.id, this.botId)).limit(1);
    this.#row = rows[0] ?? null;
    return this.#row;
  }
}

/** A bot halted by a broken invariant: in `error`, left for an operator, never retried. */
export class BotHaltedError extends ApiError {
  constructor(readonly botId: string) {
    super(
      500,
      "bot_halted",
      "This bot was stopped for review after an internal check failed; nothing more will move. Support has been alerted.",
    );
  }
}
