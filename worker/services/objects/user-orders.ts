import type { Bindings } from "../../env.ts";
import { ApiError } from "../../errors.ts";
import type { AuditContext } from "../auth/accounts.ts";
import type { CheckResult } from "../trading/desk.ts";
import type { DeskOutcome, OrderRequest, OrderView } from "../trading/model.ts";
import type { ClaimAnswer, ClaimResult } from "../withdrawals/claims.ts";
import type {
  Transition,
  TransitionInput,
  WithdrawalOutcome,
  WithdrawalRequest,
} from "../withdrawals/desk.ts";
import { callObject } from "./rpc.ts";

/**
 * The one typed client for a user's UserOrders Durable Object (their order and withdrawal
 * desks). Services never hold a stub: failures that crossed RPC as data become ApiError here,
 * and a transport failure the runtime marks retryable is retried once with a fresh stub,
 * which is safe because every call is idempotent (a placement by its client key, a
 * withdrawal by its id, a transition by its compare-and-set, a cancel by its nature).
 */

type UserOrdersStub = DurableObjectStub<
  import("../../../durable-objects/user-orders/user-orders.ts").UserOrders
>;

export interface UserOrdersClient {
  /** The outcome as data: the caller wants the desk's timing on success. */
  place(request: OrderRequest): Promise<DeskOutcome<OrderView>>;
  cancel(orderId: string): Promise<OrderView>;
  checkResting(untilMs?: number): Promise<CheckResult>;
  requestWithdrawal(
    request: WithdrawalRequest,
    audit: AuditContext,
  ): Promise<WithdrawalOutcome & { ok: true }>;
  transitionWithdrawal(
    withdrawalId: string,
    transition: Transition,
    input: TransitionInput,
    audit: AuditContext,
  ): Promise<WithdrawalOutcome & { ok: true }>;
}

/** The same object's withdrawal key claims (claims.ts), for the withdrawal use case alone. */
export interface WithdrawalClaimsClient {
  /** Claims a withdrawal's key in flight, or waits for the request that holds it. */
  claim(withdrawalId: string, requestHash: string): Promise<ClaimResult>;
  settle(withdrawalId: string, token: string, answer: ClaimAnswer): Promise<boolean>;
}

export function userOrdersClient(env: Pick<Bindings, "USER_ORDERS">, userId: string): UserOrdersClient {
  const stub = (): UserOrdersStub => env.USER_ORDERS.get(env.USER_ORDERS.idFromName(userId));
  return {
    place: (request) => callObject("orders", () => stub().place(request) as Promise<DeskOutcome<OrderView>>),
    cancel: async (orderId) =>
      unwrap(
        await callObject("orders", () => stub().cancel(userId, orderId) as Promise<DeskOutcome<OrderView>>),
      ),
    checkResting: (untilMs) =>
      callObject("orders", () => stub().checkResting(userId, untilMs) as Promise<CheckResult>),
    requestWithdrawal: async (request, audit) =>
      ensureOk(
        await callObject(
          "orders",
          () => stub().requestWithdrawal(userId, request, audit) as Promise<WithdrawalOutcome>,
        ),
      ),
    transitionWithdrawal: async (withdrawalId, transition, input, audit) =>
      ensureOk(
        await callObject(
          "orders",
          () =>
            stub().transitionWithdrawal(
              userId,
              withdrawalId,
              transition,
              input,
              audit,
            ) as Promise<WithdrawalOutcome>,
        ),
      ),
  };
}

export function withdrawalClaimsClient(
  env: Pick<Bindings, "USER_ORDERS">,
  userId: string,
): WithdrawalClaimsClient {
  const stub = (): UserOrdersStub => env.USER_ORDERS.get(env.USER_ORDERS.idFromName(userId));
  return {
    // Not retried: a claim whose answer was lost is held already, and a retry would wait on it.
    claim: (withdrawalId, requestHash) =>
      callObject(
        "orders",
        () => stub().claimWithdrawal(userId, withdrawalId, requestHash) as Promise<ClaimResult>,
        1,
      ),
    settle: (withdrawalId, token, answer) =>
      callObject(
        "orders",
        () => stub().settleWithdrawalClaim(userId, withdrawalId, token, answer) as Promise<boolean>,
      ),
  };
}

interface Failure {
  status: number;
  code: string;
  message: string;
  fields?: Record<string, string> | undefined;
}

/** A failed outcome as the API's error (503s say when to come back). */
export function failureError(error: Failure): ApiError {
  const { status, code, message, fields } = error;
  return new ApiError(status as ApiError["status"], code, message, {
    ...(fields ? { fields } : {}),
    ...(status === 503 ? { headers: { "Retry-After": "2" } } : {}),
  });
}

export function unwrap<T>(outcome: DeskOutcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw failureError(outcome.error);
}

function ensureOk(outcome: WithdrawalOutcome): WithdrawalOutcome & { ok: true } {
  if (outcome.ok) return outcome;
  throw failureError(outcome.error);
}
