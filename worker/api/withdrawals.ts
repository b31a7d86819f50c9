import type { Context } from "hono";
import { z } from "zod";
import { WITHDRAWAL_STATUSES } from "../../db/schema/withdrawals.ts";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../errors.ts";
import { defineRoutes } from "../routes.ts";
import {
  auditContextOf,
  requireFreshTotp,
  requireOperator,
  requireTwoFactorEnabled,
  requireUser,
} from "../services/auth/guards.ts";
import {
  amountField,
  amountMinorOfBody,
  assetField,
  refineAmount,
  requireIdempotencyKey,
} from "../services/ledger/request.ts";
import { checkExact, identityKey, tooManyRequests } from "../services/rate-limit/exact.ts";
import { EXACT_POLICIES } from "../services/rate-limit/policies.ts";
import { validateAddress } from "../services/withdrawals/addresses.ts";
import {
  addAddress,
  findReplay,
  listAddresses,
  listWithdrawals,
  listWithdrawalsByStatus,
  removeAddress,
  requestWithdrawal,
  transitionWithdrawal,
} from "../services/withdrawals/service.ts";
import { parseJsonBody, validate } from "./validation.ts";

const codeField = z.string().max(16).optional();

const addressBody = z.object({
  asset: assetField,
  address: z.string().trim().min(1, "is required").max(100),
  label: z.string().trim().max(60).default(""),
  totp: codeField,
});

const withdrawalBody = z
  .object({ asset: assetField, amount: amountField, addressId: z.string().min(1).max(64), totp: codeField })
  .superRefine(refineAmount);

const opsActionBody = z.object({
  transactionReference: z.string().trim().min(1).max(200).optional(),
  reason: z.string().trim().min(1).max(300).optional(),
});

const OPS_ACTIONS = ["approve", "reject", "process", "complete", "fail"] as const;

export const withdrawalRoutes = defineRoutes([
  {
    method: "GET",
    path: "/withdrawal-addresses",
    routeClass: "authenticated",
    handler: async (c) => {
      const user = await requireUser(c);
      return c.json({ addresses: await listAddresses(c.get("services"), user.id) });
    },
  },
  {
    method: "POST",
    path: "/withdrawal-addresses",
    routeClass: "authenticated",
    // Needs 2FA on and a fresh code; the address is checked before the code is spent.
    handler: async (c) => {
      const body = await parseJsonBody(c, addressBody);
      const user = await requireUser(c);
      requireTwoFactorEnabled(user);
      const check = validateAddress(body.asset, body.address);
      if (!check.ok) {
        throw new ApiError(
          400,
          "invalid_address",
          `That is not a valid ${body.asset} address (${check.reason}).`,
          {
            fields: { address: check.reason },
          },
        );
      }
      await requireFreshTotp(c, user, body.totp, "withdrawal_address.add");
      const address = await addAddress(c.get("services"), user.id, body, auditContextOf(c));
      return c.json(
        {
          id: address.id,
          asset: address.asset,
          address: address.address,
          status: address.status,
          activeAt: address.activeAt,
          label: address.label,
        },
        201,
      );
    },
  },
  {
    method: "DELETE",
    path: "/withdrawal-addresses/:id",
    routeClass: "authenticated",
    handler: async (c) => {
      const user = await requireUser(c);
      await removeAddress(c.get("services"), user.id, c.req.param("id") ?? "", auditContextOf(c));
      return c.body(null, 204);
    },
  },
  {
    method: "POST",
    path: "/withdrawals",
    routeClass: "authenticated",
    handler: async (c) => {
      const key = requireIdempotencyKey(c);
      const body = await parseJsonBody(c, withdrawalBody);
      const user = await requireUser(c);
      const services = c.get("services");
      const request = {
        asset: body.asset,
        amountMinor: amountMinorOfBody(body),
        addressId: body.addressId,
        idempotencyKey: key,
      };
      // A retry of a request that already went through answers the same, without a new code.
      const replay = await findReplay(services, user.id, request);
      if (replay) return c.json({ id: replay.id, status: replay.status }, 201);
      await requireFreshTotp(c, user, body.totp, "withdrawal.request");
      const policy = EXACT_POLICIES.withdrawalsPerUser;
      const decision = await checkExact(c.env, await identityKey("user", user.id), policy);
      if (!decision.allowed)
        throw tooManyRequests(
          decision,
          policy,
          "authenticated",
          "Too many withdrawal requests. Try again later.",
        );
      const withdrawal = await requestWithdrawal(services, user.id, request, auditContextOf(c));
      return c.json({ id: withdrawal.id, status: withdrawal.status }, 201);
    },
  },
  {
    method: "GET",
    path: "/withdrawals",
    routeClass: "authenticated",
    handler: async (c) => {
      const user = await requireUser(c);
      return c.json({ withdrawals: await listWithdrawals(c.get("services"), user.id) });
    },
  },
  {
    method: "POST",
    path: "/withdrawals/:id/cancel",
    routeClass: "authenticated",
    handler: async (c) => {
      const user = await requireUser(c);
      const withdrawal = await transitionWithdrawal(
        c.get("services"),
        c.req.param("id") ?? "",
        "cancel",
        { actor: `user:${user.id}`, ownerId: user.id },
        auditContextOf(c),
      );
      return c.json({ withdrawal });
    },
  },
  {
    method: "GET",
    path: "/ops/withdrawals",
    routeClass: "ops",
    handler: async (c) => {
      await requireOperator(c);
      const query = validate(z.object({ status: z.enum(WITHDRAWAL_STATUSES).optional() }), c.req.query());
      const statuses = query.status ? [query.status] : (["held", "approved", "processing"] as const);
      return c.json({ withdrawals: await listWithdrawalsByStatus(c.get("services"), [...statuses]) });
    },
  },
  ...OPS_ACTIONS.map((action) => ({
    method: "POST" as const,
    path: `/ops/withdrawals/:id/${action}`,
    routeClass: "ops" as const,
    handler: async (c: Context<AppEnv>) => {
      const operator = await requireOperator(c);
      const body = await parseJsonBody(c, opsActionBody);
      const withdrawal = await transitionWithdrawal(
        c.get("services"),
        c.req.param("id") ?? "",
        action,
        {
          actor: operator.actor,
          ...(body.transactionReference ? { transactionReference: body.transactionReference } : {}),
          ...(body.reason ? { reason: body.reason } : {}),
        },
        auditContextOf(c),
      );
      return c.json({ withdrawal });
    },
  })),
]);
