import { type Book, isAccountIdentifier, isBook, isVenue, VENUES, type Venue } from "./accounts.ts";
import { type AssetCode, assetDefinition, isAssetCode } from "./assets.ts";
import { MAX_IDEMPOTENCY_KEY_LENGTH } from "./idempotency.ts";

/**
 * Every way money can move, as data. The UserLedger Durable Object receives these over RPC; the
 * `kind` is also the entry type, the code that says why money moved.
 */

interface Base {
  userId: string;
  /** Namespaced by the caller: "api:<client key>", "order:<id>:hold", "trade:<id>", … */
  idempotencyKey: string;
}

export interface PaperDepositCommand extends Base {
  kind: "paper_deposit";
  asset: AssetCode;
  amountMinor: bigint;
}

export interface OpsDepositCommand extends Base {
  kind: "ops_deposit";
  asset: AssetCode;
  amountMinor: bigint;
  /** The outside reference of the deposit (bank reference, transaction hash). */
  reference: string;
  /** Who did it and from where: goes to the audit log, not into the request hash (a retry differs). */
  audit: { actor: string; requestId: string | null; ipAddress: string | null };
}

export interface OrderHoldCommand extends Base {
  kind: "order_hold";
  book: Book;
  holdId: string;
  asset: AssetCode;
  amountMinor: bigint;
  /** Hold from a bot's allocation instead of the available balance. */
  botId?: string | null | undefined;
  reference?: string | null | undefined;
}

export interface OrderReleaseCommand extends Base {
  kind: "order_release";
  holdId: string;
}

export interface FillCommand extends Base {
  kind: "fill";
  holdId: string;
  venue: Venue;
  /** Taken from the hold (in the held asset) and paid to the venue. */
  spentMinor: bigint;
  /** Received from the venue into the hold's source account (available or the bot's). */
  received: { asset: AssetCode; amountMinor: bigint };
  /**
   * Charged in the held asset (taken from the hold) or in the received asset (kept from it).
   * `discountMinor` is the part of the list-rate fee a discount waived: the fee revenue account
   * is credited the list fee and the fee discounts account debited the waived part, so the
   * entry itself shows the list fee, the discount and what the trader paid.
   */
  fee?: { asset: AssetCode; amountMinor: bigint; discountMinor?: bigint | undefined } | null | undefined;
  /** The trade id. */
  reference: string;
}

export interface WithdrawalHoldCommand extends Base {
  kind: "withdrawal_hold";
  book: Book;
  holdId: string;
  asset: AssetCode;
  amountMinor: bigint;
  reference?: string | null | undefined;
}

export interface WithdrawalSettleCommand extends Base {
  kind: "withdrawal_settle";
  holdId: string;
  /** Network fee kept by the platform out of the held amount; the rest leaves. */
  feeMinor?: bigint | undefined;
}

export interface WithdrawalReleaseCommand extends Base {
  kind: "withdrawal_release";
  holdId: string;
}

export interface BotAllocateCommand extends Base {
  kind: "bot_allocate";
  book: Book;
  botId: string;
  asset: AssetCode;
  amountMinor: bigint;
}

export interface BotReturnCommand extends Base {
  kind: "bot_return";
  book: Book;
  botId: string;
  asset: AssetCode;
  amountMinor: bigint;
}

/** A bot plan's charge for one period, from the live GBP wallet. */
export interface PlanChargeCommand extends Base {
  kind: "plan_charge";
  asset: AssetCode;
  amountMinor: bigint;
  /** The period charged, e.g. "plan:pro:<period start ms>". */
  reference: string;
}

/** A referrer's share of a referee's fee, paid from the referral expense account. */
export interface ReferralRewardCommand extends Base {
  kind: "referral_reward";
  book: Book;
  asset: AssetCode;
  amountMinor: bigint;
  /** The referee's trade whose fee earned it. */
  reference: string;
}

export type LedgerCommand =
  | PaperDepositCommand
  | OpsDepositCommand
  | OrderHoldCommand
  | OrderReleaseCommand
  | FillCommand
  | WithdrawalHoldCommand
  | WithdrawalSettleCommand
  | WithdrawalReleaseCommand
  | BotAllocateCommand
  | BotReturnCommand
  | PlanChargeCommand
  | ReferralRewardCommand;

export type EntryType = LedgerCommand["kind"];

/** Which books each entry type may be written in: the ledger's own paper/live firewall. */
export const ENTRY_TYPE_BOOKS: Readonly<Record<EntryType, readonly Book[]>> = {
  paper_deposit: ["paper"],
  ops_deposit: ["live"],
  order_hold: ["live", "paper"],
  order_release: ["live", "paper"],
  fill: ["live", "paper"],
  withdrawal_hold: ["live"],
  withdrawal_settle: ["live"],
  withdrawal_release: ["live"],
  bot_allocate: ["live", "paper"],
  bot_return: ["live", "paper"],
  plan_charge: ["live"],
  referral_reward: ["live", "paper"],
};

export const ENTRY_TYPES = Object.keys(ENTRY_TYPE_BOOKS) as EntryType[];

export type Input<C extends LedgerCommand> = Omit<C, "kind">;

// ------------------------------------------------------------------------------------------
// Outcomes. Durable Object RPC does not carry custom error classes, so failures travel as
// data with a stable code; the Worker turns them back into ApiError (client.ts).

export interface LedgerFailure {
  status: 400 | 403 | 404 | 409 | 500 | 503;
  code: string;
  message: string;
  fields?: Record<string, string>;
}

/** Where a movement's time went inside its Durable Object (milliseconds). */
export interface LedgerTiming {
  /** Waiting behind earlier groups of the same user. */
  queueMs: number;
  /** The group's read batch (balances, keys, holds). */
  readMs: number;
  /** The group's write batch (one transaction). */
  writeMs: number;
  /** Movements committed together in that batch. */
  groupSize: number;
}

export type LedgerOutcome<T> =
  | { ok: true; value: T; timing?: LedgerTiming }
  | { ok: false; error: LedgerFailure };

export function failure(
  status: LedgerFailure["status"],
  code: string,
  message: string,
  fields?: Record<string, string>,
): { ok: false; error: LedgerFailure } {
  return { ok: false, error: fields ? { status, code, message, fields } : { status, code, message } };
}

const MAX_REFERENCE_LENGTH = 255;

/**
 * Shape checks for commands arriving over RPC. The route layer has already validated client
 * input; this catches a caller's bug before it reaches the planner (which asserts again).
 */
export function commandProblems(command: LedgerCommand): Record<string, string> | null {
  const problems: Record<string, string> = {};
  if (!isAccountIdentifier(command.userId)) problems.userId = "must be a user id";
  if (
    typeof command.idempotencyKey !== "string" ||
    command.idempotencyKey.length === 0 ||
    command.idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH
  ) {
    problems.idempotencyKey = `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`;
  }
  const amount = (field: string, asset: unknown, value: unknown, allowZero = false) => {
    if (!isAssetCode(asset)) return;
    if (typeof value !== "bigint") problems[field] = "must be a bigint of minor units";
    else if (value < 0n || (value === 0n && !allowZero)) problems[field] = "must be positive";
    else if (value > assetDefinition(asset).maxAmountMinor) problems[field] = `exceeds the ${asset} bound`;
  };
  const asset = (field: string, value: unknown) => {
    if (!isAssetCode(value)) problems[field] = "must be a known asset";
  };
  const identifier = (field: string, value: unknown) => {
    if (!isAccountIdentifier(value)) problems[field] = "must be 1 to 64 of A-Z a-z 0-9 _ . -";
  };
  const reference = (field: string, value: unknown, required: boolean) => {
    if (value === undefined || value === null) {
      if (required) problems[field] = "is required";
    } else if (typeof value !== "string" || value.length === 0 || value.length > MAX_REFERENCE_LENGTH) {
      problems[field] = `must be 1 to ${MAX_REFERENCE_LENGTH} characters`;
    }
  };
  const book = (value: unknown) => {
    if (!isBook(value)) problems.book = "must be live or paper";
  };
  switch (command.kind) {
    case "paper_deposit":
      asset("asset", command.asset);
      amount("amountMinor", command.asset, command.amountMinor);
      break;
    case "ops_deposit":
      asset("asset", command.asset);
      amount("amountMinor", command.asset, command.amountMinor);
      reference("reference", command.reference, true);
      if (typeof command.audit?.actor !== "string" || command.audit.actor.length === 0) {
        problems["audit.actor"] = "is required";
      }
      break;
    case "order_hold":
    case "withdrawal_hold":
      book(command.book);
      identifier("holdId", command.holdId);
      asset("asset", command.asset);
      amount("amountMinor", command.asset, command.amountMinor);
      reference("reference", command.reference, false);
      if (command.kind === "order_hold" && command.botId !== undefined && command.botId !== null) {
        identifier("botId", command.botId);
      }
      break;
    case "order_release":
    case "withdrawal_release":
      identifier("holdId", command.holdId);
      break;
    case "withdrawal_settle":
      identifier("holdId", command.holdId);
      if (command.feeMinor !== undefined && (typeof command.feeMinor !== "bigint" || command.feeMinor < 0n)) {
        problems.feeMinor = "must be a non-negative bigint";
      }
      break;
    case "fill":
      identifier("holdId", command.holdId);
      if (!isVenue(command.venue)) problems.venue = `must be one of ${Object.keys(VENUES).join(", ")}`;
      if (typeof command.spentMinor !== "bigint" || command.spentMinor <= 0n)
        problems.spentMinor = "must be positive";
      asset("received.asset", command.received?.asset);
      amount("received.amountMinor", command.received?.asset, command.received?.amountMinor);
      if (command.fee) {
        asset("fee.asset", command.fee.asset);
        amount("fee.amountMinor", command.fee.asset, command.fee.amountMinor, true);
        if (command.fee.discountMinor !== undefined) {
          amount("fee.discountMinor", command.fee.asset, command.fee.discountMinor, true);
        }
      }
      reference("reference", command.reference, true);
      break;
    case "bot_allocate":
    case "bot_return":
      book(command.book);
      identifier("botId", command.botId);
      asset("asset", command.asset);
      amount("amountMinor", command.asset, command.amountMinor);
      break;
    case "plan_charge":
      asset("asset", command.asset);
      amount("amountMinor", command.asset, command.amountMinor);
      reference("reference", command.reference, true);
      break;
    case "referral_reward":
      book(command.book);
      asset("asset", command.asset);
      amount("amountMinor", command.asset, command.amountMinor);
      reference("reference", command.reference, true);
      break;
    default:
      problems.kind = "is not a ledger movement";
  }
  return Object.keys(problems).length > 0 ? problems : null;
}

/** What goes into the request hash: the command without its key and without audit context. */
export function hashedRequest(command: LedgerCommand): Record<string, unknown> {
  const { idempotencyKey: _key, ...rest } = command;
  if (rest.kind === "ops_deposit") {
    const { audit: _audit, ...withoutAudit } = rest;
    return withoutAudit;
  }
  return rest;
}
