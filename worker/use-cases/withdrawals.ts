import { eq } from "drizzle-orm";
import { z } from "zod";
import { WITHDRAWAL_STATUSES, type Withdrawal, withdrawals } from "../../db/schema/withdrawals.ts";
import { ApiError } from "../errors.ts";
import { requireTwoFactorEnabled } from "../services/auth/guards.ts";
import { amountField, amountMinorOfBody, assetField, refineAmount } from "../services/ledger/request.ts";
import { userOrdersClient, withdrawalClaimsClient } from "../services/objects/user-orders.ts";
import { validateAddress } from "../services/withdrawals/addresses.ts";
import type { ClaimAnswer, ClaimError } from "../services/withdrawals/claims.ts";
import { type Transition, withdrawalIdFor, withdrawalRequestHash } from "../services/withdrawals/desk.ts";
import { withdrawalLimitsFor } from "../services/withdrawals/limits.ts";
import {
  addAddress,
  listAddresses,
  listWithdrawals,
  listWithdrawalsByStatus,
  publicWithdrawal,
  removeAddress,
} from "../services/withdrawals/service.ts";
import { type Caller, freshCode, operator, signedIn, withinLimit } from "./caller.ts";

/**
 * Withdrawals and their addresses, for the API (worker/api/withdrawals.ts) and the Withdraw
 * and Ops pages alike. Inputs are the zod contracts below, defined once.
 */

const codeField = z.string().trim().max(16).optional();

export const addAddressInput = z.object({
  asset: assetField,
  address: z.string().trim().min(1, "is required").max(100),
  label: z.string().trim().max(60).default(""),
  totp: codeField,
});

export const withdrawalInput = z
  .object({
    asset: assetField,
    amount: amountField,
    addressId: z.string().min(1).max(64),
    totp: codeField,
    /** The client's Idempotency-Key (the header on the API, a hidden field on the page). */
    idempotencyKey: z.string().min(1).max(300),
  })
  .superRefine(refineAmount);

export const operatorActionInput = z.object({
  transactionReference: z.string().trim().min(1).max(200).optional(),
  reason: z.string().trim().min(1).max(300).optional(),
});

export const OPERATOR_ACTIONS = ["approve", "reject", "process", "complete", "fail"] as const;
type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

export const withdrawalStatusQuery = z.object({ status: z.enum(WITHDRAWAL_STATUSES).optional() });

/** Needs 2FA on and a fresh code; the address is checked before the code is spent. */
export async function addWithdrawalAddress(caller: Caller, input: z.infer<typeof addAddressInput>) {
  const user = signedIn(caller);
  requireTwoFactorEnabled(user);
  const check = validateAddress(input.asset, input.address);
  if (!check.ok) {
    throw new ApiError(
      400,
      "invalid_address",
      `That is not a valid ${input.asset} address (${check.reason}).`,
      {
        fields: { address: check.reason },
      },
    );
  }
  await freshCode(caller, user, input.totp, "withdrawal_address.add");
  return addAddress(caller.services, user.id, input, caller.audit);
}

export async function removeWithdrawalAddress(caller: Caller, addressId: string): Promise<void> {
  const user = signedIn(caller);
  await removeAddress(caller.services, user.id, addressId, caller.audit);
}

export async function withdrawalAddresses(caller: Caller) {
  return listAddresses(caller.services, signedIn(caller).id);
}

/** The fee and what is left of the velocity limits, before the trader asks (a preview). */
export async function myWithdrawalLimits(caller: Caller) {
  return withdrawalLimitsFor(caller.services, signedIn(caller).id);
}

export async function myWithdrawals(caller: Caller) {
  return listWithdrawals(caller.services, signedIn(caller).id);
}

/**
 * A withdrawal from the live book. A retry with the same key answers as the first request did
 * without asking for a new code (the first one was spent); anything new needs 2FA, a fresh
 * code and room under the per-user limit, and then runs in the user's object.
 *
 * The key is claimed in the user's object before anything is checked (services/withdrawals/
 * claims.ts): a copy of this request sent while it is in flight waits for it and answers as it
 * did, and never spends a code or counts as a failed 2FA attempt.
 */
export async function requestWithdrawal(caller: Caller, input: z.infer<typeof withdrawalInput>) {
  const user = signedIn(caller);
  const request = {
    asset: input.asset,
    amountMinor: amountMinorOfBody(input),
    addressId: input.addressId,
    idempotencyKey: input.idempotencyKey,
  };
  const desk = userOrdersClient(caller.services.env, user.id);
  const claims = withdrawalClaimsClient(caller.services.env, user.id);
  const withdrawalId = await withdrawalIdFor(user.id, request.idempotencyKey);
  const claim = await claims.claim(withdrawalId, await withdrawalRequestHash(request));
  switch (claim.kind) {
    case "conflict":
      throw idempotencyConflict();
    case "busy":
      throw new ApiError(
        409,
        "idempotency_key_in_use",
        "A request with this Idempotency-Key is still being processed. Retry shortly.",
        { headers: { "Retry-After": "1" } },
      );
    case "answered":
      return answerAsTheFirst(caller, user.id, request, claim.answer);
  }
  let answer: ClaimAnswer = { kind: "failed" };
  try {
    if (!(await isReplay(caller, user.id, request))) {
      await freshCode(caller, user, input.totp, "withdrawal.request");
      await withinLimit(
        caller,
        user.id,
        "withdrawalsPerUser",
        "Too many withdrawal requests. Try again later.",
      );
    }
    const { value } = await desk.requestWithdrawal(request, caller.audit);
    answer = { kind: "done" };
    return publicWithdrawal(value);
  } catch (error) {
    if (error instanceof ApiError) answer = { kind: "refused", error: claimError(error) };
    throw error;
  } finally {
    // A settle that fails leaves the claim to lapse; a copy then finds the recorded row.
    await claims.settle(withdrawalId, claim.token, answer).catch(() => false);
  }
}

/** A copy that waited for the first request: the same answer, no code checked. */
async function answerAsTheFirst(
  caller: Caller,
  userId: string,
  request: Parameters<typeof withdrawalRequestHash>[0],
  answer: ClaimAnswer,
) {
  if (answer.kind === "refused") {
    const { status, code, message, fields, headers } = answer.error;
    throw new ApiError(status as ApiError["status"], code, message, {
      ...(fields ? { fields } : {}),
      ...(headers ? { headers } : {}),
    });
  }
  // Only a recorded withdrawal is replayed: the desk would record a missing one, unchecked.
  if (answer.kind === "done" && (await isReplay(caller, userId, request))) {
    const { value } = await userOrdersClient(caller.services.env, userId).requestWithdrawal(
      request,
      caller.audit,
    );
    return publicWithdrawal(value);
  }
  throw new ApiError(503, "service_unavailable", "The first copy of this request failed. Retry it.", {
    headers: { "Retry-After": "1" },
  });
}

function claimError(error: ApiError): ClaimError {
  return {
    status: error.status,
    code: error.code,
    message: error.message,
    ...(error.fields ? { fields: error.fields } : {}),
    ...(error.headers ? { headers: error.headers } : {}),
  };
}

function idempotencyConflict(): ApiError {
  return new ApiError(409, "idempotency_conflict", "This Idempotency-Key was used with a different request.");
}

async function isReplay(
  caller: Caller,
  userId: string,
  request: Parameters<typeof withdrawalRequestHash>[0],
): Promise<boolean> {
  const id = await withdrawalIdFor(userId, request.idempotencyKey);
  const rows = await caller.services.db
    .select({ requestHash: withdrawals.requestHash })
    .from(withdrawals)
    .where(eq(withdrawals.id, id))
    .limit(1);
  const existing = rows[0];
  if (!existing) return false;
  if (existing.requestHash !== (await withdrawalRequestHash(request))) throw idempotencyConflict();
  return true;
}

export async function cancelWithdrawal(caller: Caller, withdrawalId: string) {
  const user = signedIn(caller);
  const { value } = await userOrdersClient(caller.services.env, user.id).transitionWithdrawal(
    withdrawalId,
    "cancel",
    { actor: `user:${user.id}`, ownerId: user.id },
    caller.audit,
  );
  return publicWithdrawal(value);
}

export async function withdrawalsForReview(caller: Caller, query: z.infer<typeof withdrawalStatusQuery>) {
  operator(caller);
  const statuses: Withdrawal["status"][] = query.status ? [query.status] : ["held", "approved", "processing"];
  return listWithdrawalsByStatus(caller.services, statuses);
}

/** approve, reject, process, complete or fail: operators only, in the owner's object. */
export async function operateWithdrawal(
  caller: Caller,
  withdrawalId: string,
  action: OperatorAction,
  input: z.infer<typeof operatorActionInput>,
) {
  const { actor } = operator(caller);
  const rows = await caller.services.db
    .select({ userId: withdrawals.userId })
    .from(withdrawals)
    .where(eq(withdrawals.id, withdrawalId))
    .limit(1);
  const owner = rows[0];
  if (!owner) throw new ApiError(404, "not_found", "No such withdrawal.");
  const { value } = await userOrdersClient(caller.services.env, owner.userId).transitionWithdrawal(
    withdrawalId,
    action satisfies Transition,
    {
      actor,
      ...(input.transactionReference ? { transactionReference: input.transactionReference } : {}),
      ...(input.reason ? { reason: input.reason } : {}),
    },
    caller.audit,
  );
  return publicWithdrawal(value);
}
