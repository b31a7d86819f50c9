import { z } from "zod";
import { defineRoutes } from "../routes.ts";
import { requireIdempotencyKey } from "../services/ledger/request.ts";
import {
  accountFees,
  accountPlan,
  changeAccountPlan,
  myReferrals,
  planChangeInput,
} from "../use-cases/account.ts";
import { userCaller } from "./caller.ts";
import { parseJsonBody, validate } from "./validation.ts";

/** Fees, plans and referrals (API.md): each handler parses, builds the caller, calls one use case. */
export const accountRoutes = defineRoutes([
  {
    method: "GET",
    path: "/account/fees",
    routeClass: "authenticated",
    handler: async (c) => c.json(await accountFees(await userCaller(c))),
  },
  {
    method: "GET",
    path: "/account/plan",
    routeClass: "authenticated",
    handler: async (c) => c.json(await accountPlan(await userCaller(c))),
  },
  {
    method: "POST",
    path: "/account/plan",
    routeClass: "authenticated",
    handler: async (c) => {
      const caller = await userCaller(c);
      const key = requireIdempotencyKey(c);
      const body = await parseJsonBody(c, z.looseObject({}));
      const input = validate(planChangeInput, { ...body, idempotencyKey: `api:${key}` });
      return c.json(await changeAccountPlan(caller, input));
    },
  },
  {
    method: "GET",
    path: "/referrals",
    routeClass: "authenticated",
    handler: async (c) => c.json(await myReferrals(await userCaller(c))),
  },
]);
