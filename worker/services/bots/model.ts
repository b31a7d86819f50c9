import type { BotEventRow, BotRow } from "../../../db/schema/bots.ts";
import { formatAmount } from "../ledger/amount.ts";
import type { AssetCode } from "../ledger/assets.ts";
import type { MarketSymbol } from "../markets/symbols.ts";

/**
 * Bots as the domain sees them and as the API shows them (API.md "Bots").
 *
 *   draft                  created (PAPER), ready to start
 *   awaiting_confirmation  created (LIVE): a second fresh code confirms it, then it is a draft
 *   running                its allocation holds the budget; every tick may act
 *   paused                 the allocation stays, open orders stay, no new decisions
 *   stopped                orders cancelled, what was left returned; final
 *   error                  a step broke an invariant (reason says which): left for an operator
 */
export type BotStatus = BotRow["status"];
export type BotType = BotRow["type"];
export type BotMode = BotRow["mode"];

export const ACTIVE_BOT_STATUSES: readonly BotStatus[] = ["running", "paused"];

/** An order a strategy asks for, by a key that is deterministic per decision. */
export interface PlaceAction {
  kind: "place";
  key: string;
  side: "buy" | "sell";
  type: "market" | "limit";
  priceMinor?: bigint | undefined;
  quantityMinor?: bigint | undefined;
  quoteAmountMinor?: bigint | undefined;
}

export interface CancelAction {
  kind: "cancel";
  key: string;
}

export type BotAction = PlaceAction | CancelAction;

export interface BotEventInput {
  kind: string;
  message: string;
  detail?: Record<string, unknown> | undefined;
}

/** The bot's own orders, as its strategy sees them (keyed by the strategy's keys). */
export interface BotOrderView {
  key: string;
  orderId: string;
  side: "buy" | "sell";
  type: "market" | "limit";
  status: "open" | "partially_filled" | "filled" | "cancelled" | "rejected";
  reason: string | null;
  priceMinor: bigint | null;
  quantityMinor: bigint | null;
  filledQuantityMinor: bigint;
  filledQuoteMinor: bigint;
  feeMinor: bigint;
}

export interface BotView {
  id: string;
  type: BotType;
  symbol: MarketSymbol;
  mode: BotMode;
  status: BotStatus;
  reason: string | null;
  budget: string;
  budgetAsset: AssetCode;
  params: Record<string, unknown>;
  ticks: number;
  createdAt: string;
  startedAt: string | null;
  stoppedAt: string | null;
  lastTickAt: string | null;
}

export function botView(row: BotRow): BotView {
  return {
    id: row.id,
    type: row.type,
    symbol: row.symbol as MarketSymbol,
    mode: row.mode,
    status: row.status,
    reason: row.halted ? `halted: ${row.halted}` : row.reason,
    budget: formatAmount(row.budgetAsset as AssetCode, row.budget),
    budgetAsset: row.budgetAsset as AssetCode,
    params: JSON.parse(row.params) as Record<string, unknown>,
    ticks: row.ticks,
    createdAt: new Date(row.createdAtMs).toISOString(),
    startedAt: row.startedAtMs === null ? null : new Date(row.startedAtMs).toISOString(),
    stoppedAt: row.stoppedAtMs === null ? null : new Date(row.stoppedAtMs).toISOString(),
    lastTickAt: row.lastTickAtMs === null ? null : new Date(row.lastTickAtMs).toISOString(),
  };
}

export interface BotEventView {
  at: string;
  kind: string;
  message: string;
  detail: Record<string, unknown>;
}

export function botEventView(row: BotEventRow): BotEventView {
  return {
    at: new Date(row.atMs).toISOString(),
    kind: row.kind,
    message: row.message,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
  };
}
