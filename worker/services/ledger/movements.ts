import type { GbpValuation } from "../valuation/gbp.ts";
import { BOOKS, type Book, parseAccount, systemAccounts, userAccount, VENUES } from "./accounts.ts";
import { formatAmount } from "./amount.ts";
import { ASSET_CODES, type AssetCode, assert } from "./assets.ts";
import {
  ENTRY_TYPE_BOOKS,
  type EntryType,
  failure,
  type LedgerCommand,
  type LedgerFailure,
  type OpsDepositCommand,
} from "./commands.ts";
import { applyPostings, assertValidPostings, balanceKey, overdrafts, type Posting } from "./postings.ts";

/**
 * The planner: given one command and the user's current state, decide — without any I/O —
 * whether the movement is allowed and exactly which postings, hold change and receipt it
 * makes. The Durable Object reads the state from libSQL, plans, and writes the result in one
 * batch; tests drive the same function against a reference model.
 */

export type HoldKind = "order" | "withdrawal";
export type HoldStatus = "open" | "settled" | "released";

export interface HoldState {
  id: string;
  book: Book;
  asset: AssetCode;
  kind: HoldKind;
  sourceAccount: string;
  amountMinor: bigint;
  remainingMinor: bigint;
  status: HoldStatus;
}

export interface LedgerState {
  userId: string;
  /** balanceKey(account, asset) -> minor units, for this user's accounts. Absent = zero. */
  balances: Map<string, bigint>;
  /** The holds the commands being planned refer to (absent = does not exist). */
  holds: Map<string, HoldState>;
  /**
   * Paper deposits taken today (UTC), per asset in minor units. Amounts, not pounds: the cap
   * values them at the plan's prices (PlanContext.valuation), so it reads the same whether the
   * day's total was kept in memory or summed again from the records after a restart.
   */
  paperDepositedTodayMinor: ReadonlyMap<AssetCode, bigint>;
}

export interface WalletView {
  asset: AssetCode;
  mode: Book;
  available: string;
  locked: string;
  /** Held by the user's bots (their allocations); still the user's money. */
  allocated: string;
}

interface HoldView {
  id: string;
  asset: AssetCode;
  amount: string;
  remaining: string;
  status: HoldStatus;
}

/** What a movement answers — stored with the entry, so a retry gets exactly this again. */
export interface LedgerReceipt {
  entryId: string;
  type: EntryType;
  mode: Book;
  createdAt: string;
  wallets: WalletView[];
  hold: HoldView | null;
}

interface AuditEventInput {
  event: string;
  outcome: "success";
  actor: string;
  userId: string;
  requestId: string | null;
  ipAddress: string | null;
  detail: Record<string, unknown>;
  atMs: number;
}

export interface Movement {
  entryId: string;
  userId: string;
  book: Book;
  type: EntryType;
  reference: string | null;
  holdId: string | null;
  requestHash: string;
  createdAtMs: number;
  postings: Posting[];
  holdCreate: (HoldState & { createdEntryId: string }) | null;
  holdConsume: { holdId: string; amountMinor: bigint; statusAfter: HoldStatus } | null;
  audit: AuditEventInput | null;
  receipt: LedgerReceipt;
}

export interface PlanContext {
  entryId: string;
  requestHash: string;
  nowMs: number;
  paperDepositDailyCapGbpMinor: bigint;
  /**
   * GBP prices for the paper-deposit cap (worker/services/valuation/gbp.ts): the engine takes one
   * snapshot per group that holds a paper deposit, and passes null otherwise.
   */
  valuation: GbpValuation | null;
}

type PlanOutcome = { ok: true; movement: Movement } | { ok: false; error: LedgerFailure };

export function emptyState(userId: string): LedgerState {
  return { userId, balances: new Map(), holds: new Map(), paperDepositedTodayMinor: new Map() };
}

/** The day's paper deposits in GBP-equivalent pence: each asset's total valued (rounded up), summed. */
function paperGbpMinor(byAsset: ReadonlyMap<AssetCode, bigint>, valuation: GbpValuation): bigint {
  let total = 0n;
  for (const [asset, amountMinor] of byAsset) total += valuation.valueMinor(asset, amountMinor);
  return total;
}

function withAdded(
  byAsset: ReadonlyMap<AssetCode, bigint>,
  asset: AssetCode,
  amountMinor: bigint,
): ReadonlyMap<AssetCode, bigint> {
  const next = new Map(byAsset);
  next.set(asset, (next.get(asset) ?? 0n) + amountMinor);
  return next;
}

export function utcDayStartMs(nowMs: number): number {
  return nowMs - (nowMs % 86_400_000);
}

function balanceOf(state: LedgerState, account: string, asset: AssetCode): bigint {
  return state.balances.get(balanceKey(account, asset)) ?? 0n;
}

function walletView(state: LedgerState, book: Book, asset: AssetCode): WalletView {
  const available = balanceOf(state, userAccount(state.userId, book, "available"), asset);
  const locked = balanceOf(state, userAccount(state.userId, book, "locked"), asset);
  let allocated = 0n;
  for (const [key, balance] of state.balances) {
    const [account, keyAsset] = key.split("|");
    if (keyAsset !== asset || account === undefined) continue;
    const parsed = parseAccount(account);
    if (parsed?.owner === "user" && parsed.kind === "bot" && parsed.book === book) allocated += balance;
  }
  return {
    asset,
    mode: book,
    available: formatAmount(asset, available),
    locked: formatAmount(asset, locked),
    allocated: formatAmount(asset, allocated),
  };
}

/** Every asset in both books, zero where nothing ever moved: no wallet is ever "not found". */
export function allWallets(state: LedgerState): WalletView[] {
  const wallets: WalletView[] = [];
  for (const book of BOOKS) {
    for (const asset of ASSET_CODES) wallets.push(walletView(state, book, asset));
  }
  return wallets;
}

function holdView(hold: HoldState): HoldView {
  return {
    id: hold.id,
    asset: hold.asset,
    amount: formatAmount(hold.asset, hold.amountMinor),
    remaining: formatAmount(hold.asset, hold.remainingMinor),
    status: hold.status,
  };
}

function insufficient(asset: AssetCode, book: Book): { ok: false; error: LedgerFailure } {
  return failure(409, "insufficient_funds", `Not enough ${asset} available in the ${book} book.`);
}

function openHold(
  state: LedgerState,
  holdId: string,
  kind: HoldKind,
): HoldState | { ok: false; error: LedgerFailure } {
  const hold = state.holds.get(holdId);
  if (!hold || hold.kind !== kind) return failure(404, "hold_not_found", `No ${kind} hold ${holdId}.`);
  if (hold.status !== "open") return failure(409, "hold_closed", `Hold ${holdId} is already ${hold.status}.`);
  return hold;
}

function isFailure(value: unknown): value is { ok: false; error: LedgerFailure } {
  return typeof value === "object" && value !== null && (value as { ok?: unknown }).ok === false;
}

interface Draft {
  book: Book;
  postings: Posting[];
  reference: string | null;
  holdCreate: Movement["holdCreate"];
  holdConsume: Movement["holdConsume"];
  audit: AuditEventInput | null;
}

/** Plans one command against `state`. Pure: the state is not changed (see applyMovement). */
export function planMovement(state: LedgerState, command: LedgerCommand, context: PlanContext): PlanOutcome {
  assert(command.userId === state.userId, "command for another user's ledger");
  const draft = draftFor(state, command, context);
  if (isFailure(draft)) return draft;
  return { ok: true, movement: finish(state, command.kind, draft, context) };
}

function draftFor(
  state: LedgerState,
  command: LedgerCommand,
  context: PlanContext,
): Draft | { ok: false; error: LedgerFailure } {
  const user = state.userId;
  switch (command.kind) {
    case "paper_deposit": {
      assert(context.valuation !== null, "paper deposit planned without a GBP valuation");
      const cap = context.paperDepositDailyCapGbpMinor;
      const today = state.paperDepositedTodayMinor;
      const before = paperGbpMinor(today, context.valuation);
      const after = paperGbpMinor(withAdded(today, command.asset, command.amountMinor), context.valuation);
      if (after > cap) {
        const left = cap > before ? cap - before : 0n;
        return failure(
          403,
          "paper_deposit_limit_exceeded",
          `Paper deposits are capped at ${formatAmount("GBP", cap)} GBP-equivalent per day; ${formatAmount("GBP", left)} GBP-equivalent is left today.`,
        );
      }
      return simple("paper", [
        { account: systemAccounts.paperFaucet, asset: command.asset, amountMinor: -command.amountMinor },
        {
          account: userAccount(user, "paper", "available"),
          asset: command.asset,
          amountMinor: command.amountMinor,
        },
      ]);
    }
    case "ops_deposit":
      return {
        ...simple("live", [
          { account: systemAccounts.depositGateway, asset: command.asset, amountMinor: -command.amountMinor },
          {
            account: userAccount(user, "live", "available"),
            asset: command.asset,
            amountMinor: command.amountMinor,
          },
        ]),
        reference: command.reference,
        audit: opsDepositAudit(command, context),
      };
    case "order_hold":
    case "withdrawal_hold": {
      if (command.kind === "withdrawal_hold" && command.book !== "live") {
        return failure(403, "paper_book_not_allowed", "Paper money cannot be withdrawn.");
      }
      if (state.holds.has(command.holdId)) {
        return failure(409, "hold_exists", `Hold ${command.holdId} already exists.`);
      }
      const botId = command.kind === "order_hold" ? command.botId : null;
      const source = userAccount(user, command.book, botId ? { botId } : "available");
      const locked = userAccount(user, command.book, "locked");
      if (balanceOf(state, source, command.asset) < command.amountMinor)
        return insufficient(command.asset, command.book);
      return {
        book: command.book,
        postings: [
          { account: source, asset: command.asset, amountMinor: -command.amountMinor },
          { account: locked, asset: command.asset, amountMinor: command.amountMinor },
        ],
        reference: command.reference ?? null,
        holdCreate: {
          id: command.holdId,
          book: command.book,
          asset: command.asset,
          kind: command.kind === "order_hold" ? "order" : "withdrawal",
          sourceAccount: source,
          amountMinor: command.amountMinor,
          remainingMinor: command.amountMinor,
          status: "open",
          createdEntryId: context.entryId,
        },
        holdConsume: null,
        audit: null,
      };
    }
    case "order_release":
    case "withdrawal_release": {
      const hold = openHold(state, command.holdId, command.kind === "order_release" ? "order" : "withdrawal");
      if (isFailure(hold)) return hold;
      return {
        book: hold.book,
        postings: [
          {
            account: userAccount(user, hold.book, "locked"),
            asset: hold.asset,
            amountMinor: -hold.remainingMinor,
          },
          { account: hold.sourceAccount, asset: hold.asset, amountMinor: hold.remainingMinor },
        ],
        reference: null,
        holdCreate: null,
        holdConsume: { holdId: hold.id, amountMinor: hold.remainingMinor, statusAfter: "released" },
        audit: null,
      };
    }
    case "withdrawal_settle": {
      const hold = openHold(state, command.holdId, "withdrawal");
      if (isFailure(hold)) return hold;
      assert(hold.book === "live", "a withdrawal hold outside the live book");
      const feeMinor = command.feeMinor ?? 0n;
      if (feeMinor > hold.remainingMinor) {
        return failure(400, "invalid_request", "The fee exceeds the withdrawal.", {
          feeMinor: "exceeds the held amount",
        });
      }
      const postings: Posting[] = [
        {
          account: userAccount(user, "live", "locked"),
          asset: hold.asset,
          amountMinor: -hold.remainingMinor,
        },
      ];
      if (hold.remainingMinor - feeMinor > 0n) {
        postings.push({
          account: systemAccounts.withdrawalClearing,
          asset: hold.asset,
          amountMinor: hold.remainingMinor - feeMinor,
        });
      }
      if (feeMinor > 0n)
        postings.push({
          account: systemAccounts.feeRevenue("live"),
          asset: hold.asset,
          amountMinor: feeMinor,
        });
      return {
        book: "live",
        postings,
        reference: null,
        holdCreate: null,
        holdConsume: { holdId: hold.id, amountMinor: hold.remainingMinor, statusAfter: "settled" },
        audit: null,
      };
    }
    case "fill": {
      const hold = openHold(state, command.holdId, "order");
      if (isFailure(hold)) return hold;
      if (VENUES[command.venue] !== hold.book) {
        return failure(
          400,
          "invalid_request",
          `Venue ${command.venue} does not trade the ${hold.book} book.`,
          {
            venue: `must trade the ${hold.book} book`,
          },
        );
      }
      const received = command.received;
      if (received.asset === hold.asset) {
        return failure(400, "invalid_request", "A fill receives another asset than it spends.", {
          "received.asset": "must differ from the held asset",
        });
      }
      const discountMinor = command.fee?.discountMinor ?? 0n;
      const fee = command.fee && (command.fee.amountMinor > 0n || discountMinor > 0n) ? command.fee : null;
      if (fee && fee.asset !== hold.asset && fee.asset !== received.asset) {
        return failure(400, "invalid_request", "The fee must be in the spent or the received asset.", {
          "fee.asset": "must be the held or the received asset",
        });
      }
      const feeFromHold = fee?.asset === hold.asset ? fee.amountMinor : 0n;
      const feeFromReceived = fee?.asset === received.asset ? fee.amountMinor : 0n;
      const consumed = command.spentMinor + feeFromHold;
      if (consumed > hold.remainingMinor) {
        return failure(
          409,
          "hold_exceeded",
          `The fill needs more than the ${hold.asset} left on hold ${hold.id}.`,
        );
      }
      if (feeFromReceived > received.amountMinor) {
        return failure(400, "invalid_request", "The fee exceeds what the fill receives.", {
          "fee.amountMinor": "exceeds the received amount",
        });
      }
      const exchange = systemAccounts.exchange(command.venue);
      const postings: Posting[] = [
        { account: userAccount(user, hold.book, "locked"), asset: hold.asset, amountMinor: -consumed },
        { account: exchange, asset: hold.asset, amountMinor: command.spentMinor },
        { account: exchange, asset: received.asset, amountMinor: -received.amountMinor },
      ];
      if (received.amountMinor - feeFromReceived > 0n) {
        postings.push({
          account: hold.sourceAccount,
          asset: received.asset,
          amountMinor: received.amountMinor - feeFromReceived,
        });
      }
      if (fee)
        postings.push({
          account: systemAccounts.feeRevenue(hold.book),
          asset: fee.asset,
          amountMinor: fee.amountMinor + discountMinor,
        });
      if (fee && discountMinor > 0n)
        postings.push({
          account: systemAccounts.feeDiscounts(hold.book),
          asset: fee.asset,
          amountMinor: -discountMinor,
        });
      return {
        book: hold.book,
        postings,
        reference: command.reference,
        holdCreate: null,
        holdConsume: {
          holdId: hold.id,
          amountMinor: consumed,
          statusAfter: hold.remainingMinor === consumed ? "settled" : "open",
        },
        audit: null,
      };
    }
    case "bot_allocate":
    case "bot_return": {
      const available = userAccount(user, command.book, "available");
      const bot = userAccount(user, command.book, { botId: command.botId });
      const [from, to] = command.kind === "bot_allocate" ? [available, bot] : [bot, available];
      if (balanceOf(state, from, command.asset) < command.amountMinor)
        return insufficient(command.asset, command.book);
      return simple(command.book, [
        { account: from, asset: command.asset, amountMinor: -command.amountMinor },
        { account: to, asset: command.asset, amountMinor: command.amountMinor },
      ]);
    }
    case "plan_charge": {
      const available = userAccount(user, "live", "available");
      if (balanceOf(state, available, command.asset) < command.amountMinor) {
        return failure(
          409,
          "insufficient_funds",
          `Not enough ${command.asset} available in the live book for this plan.`,
        );
      }
      return {
        ...simple("live", [
          { account: available, asset: command.asset, amountMinor: -command.amountMinor },
          { account: systemAccounts.planRevenue, asset: command.asset, amountMinor: command.amountMinor },
        ]),
        reference: command.reference,
      };
    }
    case "referral_reward":
      return {
        ...simple(command.book, [
          {
            account: systemAccounts.referralExpense(command.book),
            asset: command.asset,
            amountMinor: -command.amountMinor,
          },
          {
            account: userAccount(user, command.book, "available"),
            asset: command.asset,
            amountMinor: command.amountMinor,
          },
        ]),
        reference: command.reference,
      };
    default: {
      const unknown: never = command;
      return failure(
        400,
        "invalid_request",
        `Unknown movement ${String((unknown as { kind?: unknown }).kind)}.`,
      );
    }
  }
}

function simple(book: Book, postings: Posting[]): Draft {
  return { book, postings, reference: null, holdCreate: null, holdConsume: null, audit: null };
}

function opsDepositAudit(command: OpsDepositCommand, context: PlanContext): AuditEventInput {
  return {
    event: "ledger.ops_deposit",
    outcome: "success",
    actor: command.audit.actor,
    userId: command.userId,
    requestId: command.audit.requestId,
    ipAddress: command.audit.ipAddress,
    detail: {
      entryId: context.entryId,
      asset: command.asset,
      amount: formatAmount(command.asset, command.amountMinor),
      reference: command.reference,
    },
    atMs: context.nowMs,
  };
}

function finish(state: LedgerState, type: EntryType, draft: Draft, context: PlanContext): Movement {
  // The firewall between books, asserted for every movement whatever the caller did.
  assert(ENTRY_TYPE_BOOKS[type].includes(draft.book), `${type} is never written in the ${draft.book} book`);
  assertValidPostings({ userId: state.userId, book: draft.book }, draft.postings);
  // Planning already refused overdrafts with a clear error; reaching one here is a bug.
  assert(overdrafts(state.balances, draft.postings).length === 0, `${type} would overdraw a user account`);
  const holdId = draft.holdCreate?.id ?? draft.holdConsume?.holdId ?? null;
  const after = applyMovementTo(state, draft, type);
  const assets = [...new Set(draft.postings.map((posting) => posting.asset))];
  const hold = holdId ? after.holds.get(holdId) : undefined;
  return {
    entryId: context.entryId,
    userId: state.userId,
    book: draft.book,
    type,
    reference: draft.reference,
    holdId,
    requestHash: context.requestHash,
    createdAtMs: context.nowMs,
    postings: draft.postings,
    holdCreate: draft.holdCreate,
    holdConsume: draft.holdConsume,
    audit: draft.audit,
    receipt: {
      entryId: context.entryId,
      type,
      mode: draft.book,
      createdAt: new Date(context.nowMs).toISOString(),
      wallets: assets.map((asset) => walletView(after, draft.book, asset)),
      hold: hold ? holdView(hold) : null,
    },
  };
}

/** The state after a movement: what the next command in the same batch is planned against. */
export function applyMovement(state: LedgerState, movement: Movement): LedgerState {
  return applyMovementTo(state, movement, movement.type);
}

function applyMovementTo(
  state: LedgerState,
  draft: Pick<Draft, "postings" | "holdCreate" | "holdConsume">,
  type: EntryType,
): LedgerState {
  const userPostings = draft.postings.filter((posting) => posting.account.startsWith("user:"));
  const balances = applyPostings(state.balances, userPostings);
  const holds = new Map(state.holds);
  if (draft.holdCreate) {
    const { createdEntryId: _entry, ...hold } = draft.holdCreate;
    assert(!holds.has(hold.id), `hold ${hold.id} created twice`);
    holds.set(hold.id, hold);
  }
  if (draft.holdConsume) {
    const hold = holds.get(draft.holdConsume.holdId);
    assert(hold !== undefined && hold.status === "open", `hold ${draft.holdConsume.holdId} is not open`);
    const remainingMinor = hold.remainingMinor - draft.holdConsume.amountMinor;
    assert(remainingMinor >= 0n, `hold ${hold.id} consumed beyond its amount`);
    assert(
      (draft.holdConsume.statusAfter === "open") === remainingMinor > 0n,
      `hold ${hold.id} status ${draft.holdConsume.statusAfter} with ${remainingMinor} remaining`,
    );
    holds.set(hold.id, { ...hold, remainingMinor, status: draft.holdConsume.statusAfter });
  }
  let paperDepositedTodayMinor = state.paperDepositedTodayMinor;
  if (type === "paper_deposit") {
    for (const posting of userPostings) {
      paperDepositedTodayMinor = withAdded(paperDepositedTodayMinor, posting.asset, posting.amountMinor);
    }
  }
  return { userId: state.userId, balances, holds, paperDepositedTodayMinor };
}
