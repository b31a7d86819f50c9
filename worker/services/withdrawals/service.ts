import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import { users } from "../../../db/schema/users.ts";
import { type Withdrawal, withdrawalAddresses, withdrawals } from "../../../db/schema/withdrawals.ts";
import { ApiError } from "../../errors.ts";
import { appendAudit } from "../audit/append.ts";
import type { AuditContext } from "../auth/accounts.ts";
import { sha256Hex } from "../auth/crypto.ts";
import type { Services } from "../context.ts";
import { formatAmount } from "../ledger/amount.ts";
import type { AssetCode } from "../ledger/assets.ts";
import { userLedger } from "../ledger/client.ts";
import { gbpEquivalentMinor } from "../ledger/reference-prices.ts";
import { validateAddress } from "./addresses.ts";
import { withdrawalConfig } from "./config.ts";

/**
 * Withdrawals from the live book. The user's money is held by their UserLedger at request
 * time and the hold is settled or released exactly once (the ledger refuses a second
 * resolution); status changes are compare-and-set, so two operators acting at once cannot
 * both win. Broadcasting to a chain is outside this service: `processing -> completed` is an
 * operator action carrying the transaction reference.
 */
const MAX_LISTED = 100;
const ACTIVE_STATUSES = ["held", "approved", "processing"] as const;

function publicAddress(row: typeof withdrawalAddresses.$inferSelect, nowMs: number) {
  return {
    id: row.id,
    asset: row.asset,
    network: row.network,
    address: row.address,
    label: row.label,
    status: row.activeAtMs <= nowMs ? "active" : "pending",
    activeAt: new Date(row.activeAtMs).toISOString(),
    createdAt: new Date(row.createdAtMs).toISOString(),
  };
}

export function publicWithdrawal(row: Withdrawal) {
  return {
    id: row.id,
    asset: row.asset,
    amount: formatAmount(row.asset as AssetCode, row.amount),
    addressId: row.addressId,
    address: row.address,
    status: row.status,
    requiresApproval: row.requiresApproval === 1,
    transactionReference: row.transactionReference,
    reason: row.reason,
    createdAt: new Date(row.createdAtMs).toISOString(),
    updatedAt: new Date(row.updatedAtMs).toISOString(),
  };
}

export async function addAddress(
  services: Services,
  userId: string,
  input: { asset: string; address: string; label: string },
  audit: AuditContext,
  nowMs = Date.now(),
) {
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
  const config = withdrawalConfig(services.env);
  const row = {
    id: crypto.randomUUID(),
    userId,
    asset: input.asset,
    network: check.network,
    address: check.canonical,
    label: input.label,
    createdAtMs: nowMs,
    activeAtMs: nowMs + config.addressCoolingOffMs,
    removedAtMs: null,
  };
  await services.db.insert(withdrawalAddresses).values(row);
  await appendAudit(services.client, {
    event: "withdrawal_address.added",
    outcome: "success",
    actor: `user:${userId}`,
    userId,
    ...audit,
    // The address itself is not written to the audit detail in full: last characters only.
    detail: {
      addressId: row.id,
      asset: row.asset,
      addressTail: row.address.slice(-6),
      activeAtMs: row.activeAtMs,
    },
  });
  return publicAddress(row, nowMs);
}

export async function listAddresses(services: Services, userId: string, nowMs = Date.now()) {
  const rows = await services.db
    .select()
    .from(withdrawalAddresses)
    .where(and(eq(withdrawalAddresses.userId, userId), isNull(withdrawalAddresses.removedAtMs)))
    .orderBy(desc(withdrawalAddresses.createdAtMs))
    .limit(MAX_LISTED);
  return rows.map((row) => publicAddress(row, nowMs));
}

export async function removeAddress(
  services: Services,
  userId: string,
  addressId: string,
  audit: AuditContext,
) {
  const removed = await services.db
    .update(withdrawalAddresses)
    .set({ removedAtMs: Date.now() })
    .where(
      and(
        eq(withdrawalAddresses.id, addressId),
        eq(withdrawalAddresses.userId, userId),
        isNull(withdrawalAddresses.removedAtMs),
      ),
    )
    .returning({ id: withdrawalAddresses.id });
  if (removed.length === 0) throw new ApiError(404, "not_found", "No such withdrawal address.");
  await appendAudit(services.client, {
    event: "withdrawal_address.removed",
    outcome: "success",
    actor: `user:${userId}`,
    userId,
    ...audit,
    detail: { addressId },
  });
}

/** Deterministic from the user and their key: a retry finds the same withdrawal, hold and reservation. */
async function withdrawalIdFor(userId: string, idempotencyKey: string): Promise<string> {
  const hex = await sha256Hex(`withdrawal:${userId}:${idempotencyKey}`);
  return `wd_${hex.slice(0, 32)}`;
}

export interface WithdrawalRequest {
  asset: AssetCode;
  amountMinor: bigint;
  addressId: string;
  idempotencyKey: string;
}

/** Looks up an earlier request with the same key (before any step-up is asked for again). */
export async function findReplay(services: Services, userId: string, request: WithdrawalRequest) {
  const id = await withdrawalIdFor(userId, request.idempotencyKey);
  const rows = await services.db.select().from(withdrawals).where(eq(withdrawals.id, id)).limit(1);
  const existing = rows[0];
  if (!existing) return null;
  if (existing.requestHash !== (await requestHashOf(request))) {
    throw new ApiError(
      409,
      "idempotency_conflict",
      "This Idempotency-Key was used with a different request.",
    );
  }
  return existing;
}

async function requestHashOf(request: WithdrawalRequest): Promise<string> {
  return sha256Hex(JSON.stringify([request.asset, request.amountMinor.toString(), request.addressId]));
}

export async function requestWithdrawal(
  services: Services,
  userId: string,
  request: WithdrawalRequest,
  audit: AuditContext,
  nowMs = Date.now(),
): Promise<Withdrawal> {
  const userRows = await services.db
    .select({ lockedUntil: users.withdrawalsLockedUntilMs })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  const lockedUntil = userRows[0]?.lockedUntil ?? 0;
  if (lockedUntil > nowMs) {
    throw new ApiError(
      403,
      "withdrawals_locked",
      `Withdrawals are paused until ${new Date(lockedUntil).toISOString()} after a recent security change.`,
    );
  }
  const addressRows = await services.db
    .select()
    .from(withdrawalAddresses)
    .where(and(eq(withdrawalAddresses.id, request.addressId), eq(withdrawalAddresses.userId, userId)))
    .limit(1);
  const address = addressRows[0];
  if (
    !address ||
    address.removedAtMs !== null ||
    address.activeAtMs > nowMs ||
    address.asset !== request.asset
  ) {
    throw new ApiError(
      403,
      "address_not_active",
      address && address.activeAtMs > nowMs && address.removedAtMs === null
        ? `This address becomes usable at ${new Date(address.activeAtMs).toISOString()} (cooling-off period).`
        : "Withdraw only to an active whitelisted address for this asset.",
    );
  }
  const config = withdrawalConfig(services.env);
  const id = await withdrawalIdFor(userId, request.idempotencyKey);
  const gbpMinor = gbpEquivalentMinor(request.asset, request.amountMinor);
  const ledgerStub = services.env.USER_LEDGER.get(services.env.USER_LEDGER.idFromName(userId));
  const velocity = await ledgerStub.reserveWithdrawalVelocity({
    withdrawalId: id,
    asset: request.asset,
    amountMinor: request.amountMinor,
    gbpMinor,
    nowMs,
    limits: config.velocity,
  });
  if (!velocity.ok) {
    await appendAudit(services.client, {
      event: "withdrawal.refused",
      outcome: "failure",
      actor: `user:${userId}`,
      userId,
      ...audit,
      detail: { reason: "velocity", limit: velocity.limit, asset: request.asset },
    });
    throw new ApiError(
      403,
      "velocity_limit_exceeded",
      `This withdrawal would exceed the limit on ${velocity.limit}.`,
    );
  }
  const holdId = `hold_${id}`;
  try {
    await userLedger(services.env, userId).withdrawalHold({
      idempotencyKey: `${id}:hold`,
      book: "live",
      holdId,
      asset: request.asset,
      amountMinor: request.amountMinor,
      reference: id,
    });
  } catch (error) {
    // Nothing left the account: the reservation must not count against the customer.
    await ledgerStub.releaseWithdrawalVelocity(id);
    throw error;
  }
  const requiresApproval = gbpMinor >= config.approvalThresholdGbpMinor;
  const row: Withdrawal = {
    id,
    userId,
    idempotencyKey: request.idempotencyKey,
    requestHash: await requestHashOf(request),
    asset: request.asset,
    amount: request.amountMinor,
    amountGbp: gbpMinor,
    addressId: address.id,
    address: address.address,
    status: requiresApproval ? "held" : "approved",
    requiresApproval: requiresApproval ? 1 : 0,
    holdId,
    reviewedBy: requiresApproval ? null : "auto",
    transactionReference: null,
    reason: null,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  await services.db.insert(withdrawals).values(row).onConflictDoNothing();
  await appendAudit(services.client, {
    event: "withdrawal.requested",
    outcome: "success",
    actor: `user:${userId}`,
    userId,
    ...audit,
    detail: {
      withdrawalId: id,
      asset: request.asset,
      amount: formatAmount(request.asset, request.amountMinor),
      requiresApproval,
      addressTail: address.address.slice(-6),
    },
  });
  const stored = await services.db.select().from(withdrawals).where(eq(withdrawals.id, id)).limit(1);
  return stored[0] ?? row;
}

export async function listWithdrawals(services: Services, userId: string) {
  const rows = await services.db
    .select()
    .from(withdrawals)
    .where(eq(withdrawals.userId, userId))
    .orderBy(desc(withdrawals.createdAtMs))
    .limit(MAX_LISTED);
  return rows.map(publicWithdrawal);
}

export async function listWithdrawalsByStatus(services: Services, statuses: Withdrawal["status"][]) {
  const rows = await services.db
    .select()
    .from(withdrawals)
    .where(inArray(withdrawals.status, statuses))
    .orderBy(desc(withdrawals.createdAtMs))
    .limit(MAX_LISTED);
  return rows.map(publicWithdrawal);
}

type Transition = "approve" | "reject" | "process" | "complete" | "fail" | "cancel";

const TRANSITIONS: Record<
  Transition,
  { from: readonly Withdrawal["status"][]; to: Withdrawal["status"]; funds: "settle" | "release" | null }
> = {
  approve: { from: ["held"], to: "approved", funds: null },
  reject: { from: ["held", "approved"], to: "rejected", funds: "release" },
  process: { from: ["approved"], to: "processing", funds: null },
  complete: { from: ["processing"], to: "completed", funds: "settle" },
  fail: { from: ["processing"], to: "failed", funds: "release" },
  cancel: { from: ["held", "approved"], to: "cancelled", funds: "release" },
};

/**
 * Moves a withdrawal along its state machine. Funds move first (idempotent, and the hold
 * resolves at most once), then the status is compare-and-set from the expected states.
 */
export async function transitionWithdrawal(
  services: Services,
  withdrawalId: string,
  transition: Transition,
  input: { actor: string; ownerId?: string; transactionReference?: string; reason?: string },
  audit: AuditContext,
) {
  const rows = await services.db.select().from(withdrawals).where(eq(withdrawals.id, withdrawalId)).limit(1);
  const row = rows[0];
  if (!row || (input.ownerId !== undefined && row.userId !== input.ownerId)) {
    throw new ApiError(404, "not_found", "No such withdrawal.");
  }
  const rule = TRANSITIONS[transition];
  if (!rule.from.includes(row.status)) {
    throw new ApiError(
      409,
      "invalid_state",
      `A ${row.status} withdrawal cannot be moved with "${transition}".`,
    );
  }
  if (transition === "complete" && !input.transactionReference) {
    throw new ApiError(400, "invalid_request", "Completing needs the transaction reference.", {
      fields: { transactionReference: "is required" },
    });
  }
  const ledger = userLedger(services.env, row.userId);
  if (rule.funds === "settle") {
    await ledger.withdrawalSettle({ idempotencyKey: `${row.id}:settle`, holdId: row.holdId });
  } else if (rule.funds === "release") {
    await ledger.withdrawalRelease({ idempotencyKey: `${row.id}:release`, holdId: row.holdId });
  }
  const updated = await services.db
    .update(withdrawals)
    .set({
      status: rule.to,
      updatedAtMs: Date.now(),
      ...(transition === "approve" || transition === "reject" ? { reviewedBy: input.actor } : {}),
      ...(input.transactionReference ? { transactionReference: input.transactionReference } : {}),
      ...(input.reason ? { reason: input.reason } : {}),
    })
    .where(and(eq(withdrawals.id, row.id), inArray(withdrawals.status, [...rule.from])))
    .returning();
  if (!updated[0])
    throw new ApiError(409, "invalid_state", "The withdrawal changed meanwhile. Reload and retry.");
  if (rule.funds === "release") {
    const stub = services.env.USER_LEDGER.get(services.env.USER_LEDGER.idFromName(row.userId));
    await stub.releaseWithdrawalVelocity(row.id);
  }
  await appendAudit(services.client, {
    event: `withdrawal.${rule.to}`,
    outcome: "success",
    actor: input.actor,
    userId: row.userId,
    ...audit,
    detail: { withdrawalId: row.id, from: row.status, ...(input.reason ? { reason: input.reason } : {}) },
  });
  return publicWithdrawal(updated[0]);
}

export { ACTIVE_STATUSES };
