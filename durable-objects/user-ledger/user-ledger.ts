import { DurableObject } from "cloudflare:workers";
import { createDatabaseClient } from "../../db/client.ts";
import { type Bindings, getConfig } from "../../worker/env.ts";
import { createLogger } from "../../worker/logger.ts";
import { decideTotp, type TotpDecision } from "../../worker/services/auth/totp-guard.ts";
import type { Book } from "../../worker/services/ledger/accounts.ts";
import type { AssetCode } from "../../worker/services/ledger/assets.ts";
import type {
  BotAllocateCommand,
  BotReturnCommand,
  FillCommand,
  Input,
  LedgerCommand,
  LedgerOutcome,
  OpsDepositCommand,
  OrderHoldCommand,
  OrderReleaseCommand,
  PaperDepositCommand,
  PlanChargeCommand,
  ReferralRewardCommand,
  WithdrawalHoldCommand,
  WithdrawalReleaseCommand,
  WithdrawalSettleCommand,
} from "../../worker/services/ledger/commands.ts";
import { failure } from "../../worker/services/ledger/commands.ts";
import { ledgerConfig } from "../../worker/services/ledger/config.ts";
import { UserLedgerEngine } from "../../worker/services/ledger/engine.ts";
import type { LedgerReceipt, WalletView } from "../../worker/services/ledger/movements.ts";
import {
  type EntryQuery,
  type EntryView,
  readBotBalances,
  readEntries,
  readWallets,
} from "../../worker/services/ledger/store.ts";
import { gbpValuationProvider } from "../../worker/services/valuation/gbp.ts";
import {
  releaseVelocity,
  reserveVelocity,
  type VelocityDecision,
  type VelocityRequest,
} from "../../worker/services/withdrawals/velocity.ts";

/**
 * One per user (id from the user id): the only writer of that user's balances. Money
 * movements arrive as RPC calls and are handed to the ledger engine
 * (worker/services/ledger/engine.ts), which validates against the records in libSQL and
 * commits each movement in one atomic batch before answering. Nothing about balances is
 * kept here between calls: the libSQL records stay the source of truth, so an eviction or
 * restart loses nothing but in-flight calls, which the caller retries with the same key.
 *
 * Failures come back as data (`LedgerOutcome`): RPC does not carry custom error classes.
 */
export class UserLedger extends DurableObject<Bindings> {
  #engine: UserLedgerEngine | undefined;

  /** Readiness probe: proves the namespace is bound and an instance answers RPC. */
  async ping(): Promise<"pong"> {
    return "pong";
  }

  async paperDeposit(input: Input<PaperDepositCommand>): Promise<LedgerOutcome<LedgerReceipt>> {
    return this.#submit({ ...input, kind: "paper_deposit" });
  }

  async opsDeposit(input: Input<OpsDepositCommand>): Promise<LedgerOutcome<LedgerReceipt>> {
    return this.#submit({ ...input, kind: "ops_deposit" });
  }

  async hold(input: Input<OrderHoldCommand>): Promise<LedgerOutcome<LedgerReceipt>> {
    return this.#submit({ ...input, kind: "order_hold" });
  }

  async release(input: Input<OrderReleaseCommand>): Promise<LedgerOutcome<LedgerReceipt>> {
    return this.#submit({ ...input, kind: "order_release" });
  }

  async settleFill(input: Input<FillCommand>): Promise<LedgerOutcome<LedgerReceipt>> {
    return this.#submit({ ...input, kind: "fill" });
  }

  async withdrawalHold(input: Input<WithdrawalHoldCommand>): Promise<LedgerOutcome<LedgerReceipt>> {
    return this.#submit({ ...input, kind: "withdrawal_hold" });
  }

  async withdrawalSettle(input: Input<WithdrawalSettleCommand>): Promise<LedgerOutcome<LedgerReceipt>> {
    return this.#submit({ ...input, kind: "withdrawal_settle" });
  }

  async withdrawalRelease(input: Input<WithdrawalReleaseCommand>): Promise<LedgerOutcome<LedgerReceipt>> {
    return this.#submit({ ...input, kind: "withdrawal_release" });
  }

  async botAllocate(input: Input<BotAllocateCommand>): Promise<LedgerOutcome<LedgerReceipt>> {
    return this.#submit({ ...input, kind: "bot_allocate" });
  }

  async botReturn(input: Input<BotReturnCommand>): Promise<LedgerOutcome<LedgerReceipt>> {
    return this.#submit({ ...input, kind: "bot_return" });
  }

  async planCharge(input: Input<PlanChargeCommand>): Promise<LedgerOutcome<LedgerReceipt>> {
    return this.#submit({ ...input, kind: "plan_charge" });
  }

  async referralReward(input: Input<ReferralRewardCommand>): Promise<LedgerOutcome<LedgerReceipt>> {
    return this.#submit({ ...input, kind: "referral_reward" });
  }

  /** Every asset in both books (zero where nothing moved yet), read from the records. */
  async wallets(userId: string): Promise<LedgerOutcome<WalletView[]>> {
    const wrong = this.#wrongUser(userId);
    if (wrong) return wrong;
    return this.#read(() => readWallets(this.#ledger().database, userId));
  }

  async entries(
    userId: string,
    query: EntryQuery,
  ): Promise<LedgerOutcome<{ entries: EntryView[]; nextBeforeSequence: number | null }>> {
    const wrong = this.#wrongUser(userId);
    if (wrong) return wrong;
    return this.#read(() => readEntries(this.#ledger().database, userId, query));
  }

  /** What one bot's allocation holds in one book, per asset (what stopping it returns). */
  async botBalances(
    userId: string,
    book: Book,
    botId: string,
  ): Promise<LedgerOutcome<Partial<Record<AssetCode, bigint>>>> {
    const wrong = this.#wrongUser(userId);
    if (wrong) return wrong;
    return this.#read(() => readBotBalances(this.#ledger().database, userId, book, botId));
  }

  /** Accepts a TOTP step at most once per user, and throttles failures. */
  async consumeTotpStep(input: { matchedStep: number | null; nowMs: number }): Promise<TotpDecision> {
    return decideTotp(this.ctx.storage, input);
  }

  /** Checks and reserves withdrawal velocity in one serialised step (see withdrawal-velocity.ts). */
  async reserveWithdrawalVelocity(request: VelocityRequest): Promise<VelocityDecision> {
    return reserveVelocity(this.ctx.storage, request);
  }

  async releaseWithdrawalVelocity(withdrawalId: string): Promise<void> {
    await releaseVelocity(this.ctx.storage, withdrawalId);
  }

  async #read<T>(run: () => Promise<T>): Promise<LedgerOutcome<T>> {
    try {
      return { ok: true, value: await run() };
    } catch (error) {
      this.#ledger().logger?.warn("ledger read failed", { error });
      return failure(503, "service_unavailable", "The ledger database is unavailable. Try again shortly.");
    }
  }

  async #submit(command: LedgerCommand): Promise<LedgerOutcome<LedgerReceipt>> {
    return this.#wrongUser(command.userId) ?? this.#ledger().submit(command);
  }

  /** A call routed to another user's object is a caller bug; refusing it keeps "one writer per user" true. */
  #wrongUser(userId: string): { ok: false; error: ReturnType<typeof failure>["error"] } | null {
    if (typeof userId === "string" && this.env.USER_LEDGER.idFromName(userId).equals(this.ctx.id))
      return null;
    return failure(400, "invalid_request", "This ledger belongs to another user.", {
      userId: "does not own this ledger",
    });
  }

  #ledger(): UserLedgerEngine {
    if (!this.#engine) {
      const config = getConfig(this.env);
      this.#engine = new UserLedgerEngine({
        database: createDatabaseClient({
          url: config.TURSO_DATABASE_URL,
          authToken: config.TURSO_AUTH_TOKEN,
          timeoutMs: config.DATABASE_TIMEOUT_MS,
        }),
        config: ledgerConfig(this.env),
        valuations: gbpValuationProvider(config),
        logger: createLogger({ level: config.LOG_LEVEL }).child({ durableObject: "UserLedger" }),
      });
      engines.set(this, this.#engine);
    }
    return this.#engine;
  }
}

// Reachable from tests (runInDurableObject hands them the instance) but not over RPC.
const engines = new WeakMap<UserLedger, UserLedgerEngine>();

/** The engine of a live instance, for fault-injection tests; undefined before its first call. */
export function engineOf(instance: UserLedger): UserLedgerEngine | undefined {
  return engines.get(instance);
}
