import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import { type Withdrawal, withdrawalAddresses, withdrawals } from "../../../db/schema/withdrawals.ts";
import { ApiError } from "../../errors.ts";
import { appendAudit } from "../audit/append.ts";
import type { AuditContext } from "../auth/accounts.ts";
import type { Services } from "../context.ts";
import { formatAmount } from "../ledger/amount.ts";
import type { AssetCode } from "../ledger/assets.ts";
import { validateAddress } from "./addresses.ts";
import { withdrawalConfig } from "./config.ts";

/**
 * Withdrawal addresses, and reads of withdrawals. Every withdrawal that moves money (the
 * request, and each transition) runs in the user's UserOrders object through the withdrawal
 * desk (desk.ts): record, act, resume. Broadcasting to a chain is outside this service:
 * `processing -> completed` is an operator action carrying the transaction reference.
 */
const MAX_LISTED = 100;

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
    /** True while a step is in flight (the user's object finishes it on its own). */
    inFlight: row.pending !== null && row.halted === null,
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
