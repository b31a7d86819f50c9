import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { defineRoutes } from "../routes.ts";
import { requireIdempotencyKey } from "../services/ledger/request.ts";
import {
  addAddressInput,
  addWithdrawalAddress,
  cancelWithdrawal,
  myWithdrawals,
  OPERATOR_ACTIONS,
  operateWithdrawal,
  operatorActionInput,
  removeWithdrawalAddress,
  requestWithdrawal,
  withdrawalAddresses,
  withdrawalInput,
  withdrawalStatusQuery,
  withdrawalsForReview,
} from "../use-cases/withdrawals.ts";
import { opsCaller, userCaller } from "./caller.ts";
import { parseJsonBody, validate } from "./validation.ts";

/** Withdrawals and addresses (API.md): each handler parses, builds the caller, calls one use case. */
export const withdrawalRoutes = defineRoutes([
  {
    method: "GET",
    path: "/withdrawal-addresses",
    routeClass: "authenticated",
    handler: async (c) => c.json({ addresses: await withdrawalAddresses(await userCaller(c)) }),
  },
  {
    method: "POST",
    path: "/withdrawal-addresses",
    routeClass: "authenticated",
    handler: async (c) => {
      const body = await parseJsonBody(c, addAddressInput);
      const address = await addWithdrawalAddress(await userCaller(c), body);
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
      await removeWithdrawalAddress(await userCaller(c), c.req.param("id") ?? "");
      return c.body(null, 204);
    },
  },
  {
    method: "POST",
    path: "/withdrawals",
    routeClass: "authenticated",
    handler: async (c) => {
      const idempotencyKey = requireIdempotencyKey(c);
      const body = await parseJsonBody(c, z.looseObject({}));
      const input = validate(withdrawalInput, { ...body, idempotencyKey });
      const withdrawal = await requestWithdrawal(await userCaller(c), input);
      return c.json({ id: withdrawal.id, status: withdrawal.status }, 201);
    },
  },
  {
    method: "GET",
    path: "/withdrawals",
    routeClass: "authenticated",
    handler: async (c) => c.json({ withdrawals: await myWithdrawals(await userCaller(c)) }),
  },
  {
    method: "POST",
    path: "/withdrawals/:id/cancel",
    routeClass: "authenticated",
    handler: async (c) => {
      const withdrawal = await cancelWithdrawal(await userCaller(c), c.req.param("id") ?? "");
      return c.json({ withdrawal });
    },
  },
  {
    method: "GET",
    path: "/ops/withdrawals",
    routeClass: "ops",
    handler: async (c) => {
      const caller = await opsCaller(c);
      const query = validate(withdrawalStatusQuery, c.req.query());
      return c.json({ withdrawals: await withdrawalsForReview(caller, query) });
    },
  },
  ...OPERATOR_ACTIONS.map((action) => ({
    method: "POST" as const,
    path: `/ops/withdrawals/:id/${action}`,
    routeClass: "ops" as const,
    handler: async (c: Context<AppEnv>) => {
      const caller = await opsCaller(c);
      const body = await parseJsonBody(c, operatorActionInput);
      const withdrawal = await operateWithdrawal(caller, c.req.param("id") ?? "", action, body);
      return c.json({ withdrawal });
    },
  })),
]);
