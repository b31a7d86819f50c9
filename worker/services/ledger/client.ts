import type { Bindings } from "../../env.ts";
import { ApiError, DependencyUnavailableError } from "../../errors.ts";
import type { TotpDecision } from "../auth/totp-guard.ts";
import { isolateMetrics } from "../metrics/recorder.ts";
import { callObject, isOverloaded, isRetryable } from "../objects/rpc.ts";
import type { VelocityDecision, VelocityRequest } from "../withdrawals/velocity.ts";
import type { Book } from "./accounts.ts";
import type { AssetCode } from "./assets.ts";
import type {
  BotAllocateCommand,
  BotReturnCommand,
  FillCommand,
  Input,
  LedgerOutcome,
  LedgerTiming,
  OpsDepositCommand,
  OrderHoldCommand,
  OrderReleaseCommand,
  PaperDepositCommand,
  PlanChargeCommand,
  ReferralRewardCommand,
  WithdrawalHoldCommand,
  WithdrawalReleaseCommand,
  WithdrawalSettleCommand,
} from "./commands.ts";
import type { LedgerReceipt, WalletView } from "./movements.ts";
import type { EntryQuery, EntryView } from "./store.ts";

/**
 * The Worker's handle on one user's ledger (their UserLedger Durable Object). Failures that
 * crossed RPC as data become ApiError again here; a transport failure the runtime marks
 * retryable (the object was reset or moved) is retried with a fresh stub, which is safe
 * because every movement carries its idempotency key.
 */
const MAX_RPC_ATTEMPTS = 3;

type UserLedgerStub = DurableObjectStub<
  import("../../../durable-objects/user-ledger/user-ledger.ts").UserLedger
>;
type WithoutUser<T> = Omit<T, "userId">;

export interface UserLedgerClient {
  paperDeposit(input: WithoutUser<Input<PaperDepositCommand>>): Promise<LedgerReceipt>;
  opsDeposit(input: WithoutUser<Input<OpsDepositCommand>>): Promise<LedgerReceipt>;
  hold(input: WithoutUser<Input<OrderHoldCommand>>): Promise<LedgerReceipt>;
  release(input: WithoutUser<Input<OrderReleaseCommand>>): Promise<LedgerReceipt>;
  settleFill(input: WithoutUser<Input<FillCommand>>): Promise<LedgerReceipt>;
  withdrawalHold(input: WithoutUser<Input<WithdrawalHoldCommand>>): Promise<LedgerReceipt>;
  withdrawalSettle(input: WithoutUser<Input<WithdrawalSettleCommand>>): Promise<LedgerReceipt>;
  withdrawalRelease(input: WithoutUser<Input<WithdrawalReleaseCommand>>): Promise<LedgerReceipt>;
  botAllocate(input: WithoutUser<Input<BotAllocateCommand>>): Promise<LedgerReceipt>;
  botReturn(input: WithoutUser<Input<BotReturnCommand>>): Promise<LedgerReceipt>;
  planCharge(input: WithoutUser<Input<PlanChargeCommand>>): Promise<LedgerReceipt>;
  referralReward(input: WithoutUser<Input<ReferralRewardCommand>>): Promise<LedgerReceipt>;
  wallets(): Promise<WalletView[]>;
  entries(query: EntryQuery): Promise<{ entries: EntryView[]; nextBeforeSequence: number | null }>;
  botBalances(book: Book, botId: string): Promise<Partial<Record<AssetCode, bigint>>>;
  /** The user's exact counters kept beside their balances (TOTP replay guard, velocity). */
  consumeTotpStep(input: { matchedStep: number | null; nowMs: number }): Promise<TotpDecision>;
  reserveWithdrawalVelocity(request: VelocityRequest): Promise<VelocityDecision>;
  releaseWithdrawalVelocity(withdrawalId: string): Promise<void>;
}

export interface UserLedgerOptions {
  /** Receives where a movement's time went (the route turns it into a Server-Timing header). */
  onTiming?: (timing: LedgerTiming & { rpcMs: number }) => void;
}

export function userLedger(
  env: Pick<Bindings, "USER_LEDGER">,
  userId: string,
  options: UserLedgerOptions = {},
): UserLedgerClient {
  const stub = (): UserLedgerStub => env.USER_LEDGER.get(env.USER_LEDGER.idFromName(userId));
  const call = <T>(run: (ledger: UserLedgerStub) => Promise<LedgerOutcome<T>>) =>
    callLedger(stub, run, options.onTiming);
  // Movements are counted where they are asked for (the Worker's isolate flushes its metrics
  // with every request); reads are not movements.
  const move = <T>(kind: string, run: (ledger: UserLedgerStub) => Promise<LedgerOutcome<T>>) =>
    call(run).then(
      (value) => {
        isolateMetrics.increment("chx_ledger_movements_total", { kind });
        return value;
      },
      (error: unknown) => {
        const reason = error instanceof ApiError ? error.code : "unavailable";
        isolateMetrics.increment("chx_ledger_failures_total", { kind, reason });
        throw error;
      },
    );
  return {
    paperDeposit: (input) => move("paper_deposit", (ledger) => ledger.paperDeposit({ ...input, userId })),
    opsDeposit: (input) => move("ops_deposit", (ledger) => ledger.opsDeposit({ ...input, userId })),
    hold: (input) => move("order_hold", (ledger) => ledger.hold({ ...input, userId })),
    release: (input) => move("order_release", (ledger) => ledger.release({ ...input, userId })),
    settleFill: (input) => move("fill", (ledger) => ledger.settleFill({ ...input, userId })),
    withdrawalHold: (input) =>
      move("withdrawal_hold", (ledger) => ledger.withdrawalHold({ ...input, userId })),
    withdrawalSettle: (input) =>
      move("withdrawal_settle", (ledger) => ledger.withdrawalSettle({ ...input, userId })),
    withdrawalRelease: (input) =>
      move("withdrawal_release", (ledger) => ledger.withdrawalRelease({ ...input, userId })),
    botAllocate: (input) => move("bot_allocate", (ledger) => ledger.botAllocate({ ...input, userId })),
    botReturn: (input) => move("bot_return", (ledger) => ledger.botReturn({ ...input, userId })),
    planCharge: (input) => move("plan_charge", (ledger) => ledger.planCharge({ ...input, userId })),
    referralReward: (input) =>
      move("referral_reward", (ledger) => ledger.referralReward({ ...input, userId })),
    wallets: () => call((ledger) => ledger.wallets(userId)),
    entries: (query) => call((ledger) => ledger.entries(userId, query)),
    botBalances: (book, botId) => call((ledger) => ledger.botBalances(userId, book, botId)),
    consumeTotpStep: (input) =>
      callObject<TotpDecision>(
        "ledger",
        () => stub().consumeTotpStep(input) as Promise<TotpDecision>,
        MAX_RPC_ATTEMPTS,
      ),
    reserveWithdrawalVelocity: (request) =>
      callObject<VelocityDecision>(
        "ledger",
        () => stub().reserveWithdrawalVelocity(request) as Promise<VelocityDecision>,
        MAX_RPC_ATTEMPTS,
      ),
    releaseWithdrawalVelocity: (withdrawalId) =>
      callObject<void>(
        "ledger",
        () => stub().releaseWithdrawalVelocity(withdrawalId) as Promise<void>,
        MAX_RPC_ATTEMPTS,
      ),
  };
}

async function callLedger<T>(
  stub: () => UserLedgerStub,
  run: (ledger: UserLedgerStub) => Promise<LedgerOutcome<T>>,
  onTiming: UserLedgerOptions["onTiming"],
): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= MAX_RPC_ATTEMPTS; attempt++) {
    let outcome: LedgerOutcome<T>;
    const startedMs = performance.now();
    try {
      // A fresh stub per attempt: a stub that saw a disconnect stays broken.
      outcome = await run(stub());
    } catch (error) {
      lastError = error;
      if (isRetryable(error) && attempt < MAX_RPC_ATTEMPTS) continue;
      if (isRetryable(error) || isOverloaded(error)) throw new DependencyUnavailableError("ledger", error);
      throw error;
    }
    if (outcome.ok) {
      if (outcome.timing && onTiming) onTiming({ ...outcome.timing, rpcMs: performance.now() - startedMs });
      return outcome.value;
    }
    const { status, code, message, fields } = outcome.error;
    throw new ApiError(status, code, message, fields ? { fields } : undefined);
  }
  throw new DependencyUnavailableError("ledger", lastError);
}

/** `Server-Timing` for a movement: clients (and the ledger benchmark) see where the time went. */
export function serverTiming(timing: LedgerTiming & { rpcMs: number }): string {
  const ms = (value: number) => value.toFixed(1);
  return [
    `ledger;dur=${ms(timing.rpcMs)};desc="Durable Object round trip"`,
    `ledger-queue;dur=${ms(timing.queueMs)}`,
    `ledger-read;dur=${ms(timing.readMs)}`,
    `ledger-write;dur=${ms(timing.writeMs)}`,
    `ledger-group;desc="${timing.groupSize}"`,
  ].join(", ");
}
