import { and, asc, desc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { type BotRow, botEvents, bots } from "../../db/schema/bots.ts";
import { orders, type TradeRow, trades } from "../../db/schema/orders.ts";
import { ApiError } from "../errors.ts";
import { appendAudit } from "../services/audit/append.ts";
import { sha256Hex } from "../services/auth/crypto.ts";
import { requireTwoFactorEnabled } from "../services/auth/guards.ts";
import { type BotView, botEventView, botView } from "../services/bots/model.ts";
import { validateParams } from "../services/bots/planner.ts";
import { type BotPnl, botPnl } from "../services/bots/pnl.ts";
import { moreThanAvailable } from "../services/forms/messages.ts";
import { formatAmount, parseAmount } from "../services/ledger/amount.ts";
import { type AssetCode, isAssetCode } from "../services/ledger/assets.ts";
import { userLedger } from "../services/ledger/client.ts";
import { canonicalJson } from "../services/ledger/idempotency.ts";
import { marketSource } from "../services/markets/index.ts";
import { requireMarket } from "../services/markets/symbols.ts";
import { isLiveTradable } from "../services/markets/view.ts";
import { assertBotAllowed } from "../services/monetisation/plans.ts";
import { botClient } from "../services/objects/bot.ts";
import { orderView, recordOfRow } from "../services/trading/model.ts";
import { gbpValuationProvider } from "../services/valuation/gbp.ts";
import { type Caller, freshCode, operator, planDeps, signedIn } from "./caller.ts";

/**
 * Trading bots for the API (worker/api/bots.ts) and the Bots pages. Every LIVE step — create,
 * confirm, start — needs 2FA on and a fresh, never-used code, checked here on the server before
 * anything is created or changed; each bot's own object then runs it (services/bots/desk.ts).
 */

const codeField = z.string().trim().max(16).optional();

export const createBotInput = z.object({
  type: z.enum(["dca", "grid"], { message: 'must be "dca" or "grid"' }),
  symbol: z.string().min(1).max(20),
  mode: z.enum(["paper", "live"], { message: 'must be "paper" or "live"' }).default("paper"),
  budget: z.string({ message: "must be a decimal string" }).max(40),
  budgetAsset: z.string().max(10),
  params: z.record(z.string(), z.unknown(), { message: "must be an object" }),
  totp: codeField,
  /** The client's Idempotency-Key (namespaced by door), or a fresh one per request. */
  idempotencyKey: z.string().min(1).max(300),
});

export const codeInput = z.object({ totp: codeField });
export const opsKillInput = z.object({ reason: z.string().trim().min(1, "is required").max(300) });

const MAX_BOTS_LISTED = 100;
const MAX_EVENTS_LISTED = 200;

async function botIdFor(userId: string, idempotencyKey: string): Promise<string> {
  return `bot_${(await sha256Hex(`bot:${userId}:${idempotencyKey}`)).slice(0, 32)}`;
}

export async function createBot(caller: Caller, input: z.infer<typeof createBotInput>) {
  const user = signedIn(caller);
  const market = requireMarket(input.symbol);
  if (!isAssetCode(input.budgetAsset) || input.budgetAsset !== market.quote) {
    throw new ApiError(
      400,
      "invalid_request",
      `The budget must be in ${market.quote}, the quote of ${market.symbol}.`,
      {
        fields: { budgetAsset: `must be ${market.quote}` },
      },
    );
  }
  const budgetAsset: AssetCode = input.budgetAsset;
  const budget = parseAmount(budgetAsset, input.budget);
  if (!budget.ok || budget.amountMinor <= 0n) {
    throw new ApiError(400, "invalid_request", "Some fields are missing or invalid.", {
      fields: { budget: budget.ok ? "must be more than zero" : budget.message },
    });
  }
  // Listed on the exchange and an exchange account to trade it with: what GET /markets says.
  if (input.mode === "live" && !isLiveTradable(market, caller.services.config)) {
    throw new ApiError(400, "not_live_tradable", `${market.symbol} can only be traded on paper.`, {
      fields: { symbol: "is not tradable LIVE" },
    });
  }
  const ticker = await marketSource(caller.services).ticker(market.symbol);
  const validated = validateParams(input.type, market.symbol, input.params, ticker.lastMinor);
  if (budget.amountMinor < validated.requiredBudgetMinor) {
    throw new ApiError(
      400,
      "budget_too_small",
      `The budget must cover every order it may place: at least ${formatAmount(budgetAsset, validated.requiredBudgetMinor)} ${budgetAsset}.`,
      { fields: { budget: `needs at least ${formatAmount(budgetAsset, validated.requiredBudgetMinor)}` } },
    );
  }
  if (input.mode === "live") {
    requireTwoFactorEnabled(user);
    await freshCode(caller, user, input.totp, "bot.create");
  }
  // A missing wallet never blocks anything; an empty one gets a clear answer naming the asset.
  const wallets = await userLedger(caller.services.env, user.id).wallets();
  const wallet = wallets.find((entry) => entry.mode === input.mode && entry.asset === budgetAsset);
  const available = wallet ? parseAmount(budgetAsset, wallet.available) : null;
  if (!available?.ok || available.amountMinor < budget.amountMinor) {
    throw new ApiError(
      409,
      "insufficient_funds",
      `Not enough ${budgetAsset} available in your ${input.mode} book for this budget.`,
      { fields: { budget: moreThanAvailable(wallet?.available ?? "0", budgetAsset) } },
    );
  }
  const id = await botIdFor(user.id, input.idempotencyKey);
  const valuation = await gbpValuationProvider(caller.services.config).snapshot();
  await assertBotAllowed(
    planDeps(caller),
    user.id,
    {
      id,
      mode: input.mode,
      budgetGbpMinor: valuation.valueMinor(budgetAsset, budget.amountMinor),
      starting: false,
    },
    Date.now(),
  );
  const requestHash = await sha256Hex(
    canonicalJson([input.type, market.symbol, input.mode, budget.amountMinor.toString(), validated.params]),
  );
  const row = await botClient(caller.services.env, id).create(
    {
      id,
      userId: user.id,
      clientKey: input.idempotencyKey,
      requestHash,
      type: input.type,
      symbol: market.symbol,
      mode: input.mode,
      budgetAsset,
      budgetMinor: budget.amountMinor,
      params: validated.params,
    },
    caller.audit,
  );
  return botView(row);
}

export async function confirmBot(caller: Caller, botId: string, input: z.infer<typeof codeInput>) {
  const user = signedIn(caller);
  const bot = await ownBot(caller, botId);
  if (bot.mode === "live" && bot.status === "awaiting_confirmation") {
    await freshCode(caller, user, input.totp, "bot.confirm");
  }
  return botView(await botClient(caller.services.env, botId).confirm(user.id, caller.audit));
}

export async function startBot(caller: Caller, botId: string, input: z.infer<typeof codeInput>) {
  const user = signedIn(caller);
  const bot = await ownBot(caller, botId);
  if (bot.mode === "live") await freshCode(caller, user, input.totp, "bot.start");
  if (bot.status === "draft" || bot.status === "paused") {
    // The plan's limits, checked again at start: a downgrade may have come since creation.
    const valuation = await gbpValuationProvider(caller.services.config).snapshot();
    await assertBotAllowed(
      planDeps(caller),
      user.id,
      {
        id: bot.id,
        mode: bot.mode,
        budgetGbpMinor: valuation.valueMinor(bot.budgetAsset as AssetCode, bot.budget),
        starting: true,
      },
      Date.now(),
    );
  }
  return botView(await botClient(caller.services.env, botId).start(user.id, caller.audit));
}

export async function pauseBot(caller: Caller, botId: string) {
  const user = signedIn(caller);
  await ownBot(caller, botId);
  return botView(await botClient(caller.services.env, botId).pause(user.id, caller.audit));
}

export async function stopBot(caller: Caller, botId: string) {
  const user = signedIn(caller);
  await ownBot(caller, botId);
  return botView(await botClient(caller.services.env, botId).stop(user.id, "stopped_by_user", caller.audit));
}

/** Stops every bot of the user (their open orders cancelled, allocations returned). */
export async function killSwitch(caller: Caller) {
  const user = signedIn(caller);
  const active = await caller.services.db
    .select({ id: bots.id })
    .from(bots)
    .where(
      and(
        eq(bots.userId, user.id),
        inArray(bots.status, ["running", "paused", "draft", "awaiting_confirmation"]),
      ),
    )
    .limit(MAX_BOTS_LISTED);
  const stopped: BotView[] = [];
  for (const { id } of active) {
    stopped.push(
      botView(await botClient(caller.services.env, id).stop(user.id, "kill_switch", caller.audit)),
    );
  }
  return stopped;
}

/** Operators: stops every LIVE bot of every user, audited with the reason. */
export async function opsKillSwitch(caller: Caller, input: z.infer<typeof opsKillInput>) {
  const { actor } = operator(caller);
  const live = await caller.services.db
    .select({ id: bots.id, userId: bots.userId })
    .from(bots)
    .where(and(eq(bots.mode, "live"), inArray(bots.status, ["running", "paused"])))
    .limit(10_000);
  await appendAudit(caller.services.client, {
    event: "ops.bots_kill_switch",
    outcome: "success",
    actor,
    ...caller.audit,
    detail: { reason: input.reason, bots: live.length },
  });
  let stopped = 0;
  for (const bot of live) {
    await botClient(caller.services.env, bot.id).stop(bot.userId, "ops_kill_switch", caller.audit);
    stopped++;
  }
  return { stopped };
}

export async function myBots(caller: Caller) {
  const user = signedIn(caller);
  const rows = await caller.services.db
    .select()
    .from(bots)
    .where(eq(bots.userId, user.id))
    .orderBy(desc(bots.createdAtMs))
    .limit(MAX_BOTS_LISTED);
  return Promise.all(rows.map(async (row) => ({ ...botView(row), pnl: await pnlOf(caller, row) })));
}

export async function myBot(caller: Caller, botId: string): Promise<BotView & { pnl: BotPnl }> {
  const row = await ownBot(caller, botId);
  return { ...botView(row), pnl: await pnlOf(caller, row) };
}

export async function myBotEvents(caller: Caller, botId: string) {
  const row = await ownBot(caller, botId);
  const events = await caller.services.db
    .select()
    .from(botEvents)
    .where(eq(botEvents.botId, row.id))
    .orderBy(desc(botEvents.atMs), desc(botEvents.id))
    .limit(MAX_EVENTS_LISTED);
  return events.map(botEventView);
}

const MAX_ORDERS_SHOWN = 100;
/** Fills read at most: as many as the bot's PnL (services/bots/pnl.ts) reads. */
const MAX_FILLS_READ = 5_000;

/** The orders the bot placed, newest first, with the bot's own key for each ("deal-1:so-2"). */
export async function myBotOrders(caller: Caller, botId: string) {
  const bot = await ownBot(caller, botId);
  const rows = await caller.services.db
    .select()
    .from(orders)
    .where(and(eq(orders.userId, bot.userId), eq(orders.botId, bot.id)))
    .orderBy(desc(orders.createdAtMs), desc(orders.id))
    .limit(MAX_ORDERS_SHOWN);
  const prefix = `bot:${bot.id}:`;
  return rows.map((row) => ({
    ...orderView(recordOfRow(row)),
    key: row.clientKey.startsWith(prefix) ? row.clientKey.slice(prefix.length) : row.clientKey,
  }));
}

/** The fills of the bot's orders, oldest first. */
export async function myBotFills(caller: Caller, botId: string): Promise<TradeRow[]> {
  const bot = await ownBot(caller, botId);
  const rows = await caller.services.db
    .select({ trade: trades })
    .from(trades)
    .innerJoin(orders, eq(orders.id, trades.orderId))
    .where(and(eq(orders.userId, bot.userId), eq(orders.botId, bot.id)))
    .orderBy(asc(trades.createdAtMs), asc(trades.id))
    .limit(MAX_FILLS_READ);
  return rows.map((row) => row.trade);
}

async function pnlOf(caller: Caller, row: BotRow): Promise<BotPnl> {
  const ticker = await marketSource(caller.services).ticker(requireMarket(row.symbol).symbol);
  return botPnl(caller.services.db, row, ticker.lastMinor);
}

/** Another user's bot is "not found", like a bot that does not exist. */
async function ownBot(caller: Caller, botId: string): Promise<BotRow> {
  const user = signedIn(caller);
  if (!/^bot_[0-9a-f]{32}$/.test(botId)) throw new ApiError(404, "bot_not_found", "No such bot.");
  const rows = await caller.services.db
    .select()
    .from(bots)
    .where(and(eq(bots.id, botId), eq(bots.userId, user.id)))
    .limit(1);
  const row = rows[0];
  if (!row) throw new ApiError(404, "bot_not_found", "No such bot.");
  return row;
}
