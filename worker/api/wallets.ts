import { z } from "zod";
import { defineRoutes } from "../routes.ts";
import { serverTiming } from "../services/ledger/client.ts";
import { requireIdempotencyKey } from "../services/ledger/request.ts";
import { myDepositReference, myWallets, paperDeposit, paperDepositInput } from "../use-cases/wallets.ts";
import { userCaller } from "./caller.ts";
import { parseJsonBody, validate } from "./validation.ts";

export const walletRoutes = defineRoutes([
  {
    method: "GET",
    path: "/wallets",
    routeClass: "authenticated",
    handler: async (c) => {
      const wallets = await myWallets(await userCaller(c));
      return c.json({ wallets }, 200, { "Cache-Control": "no-store" });
    },
  },
  {
    method: "POST",
    path: "/wallets/paper-deposit",
    routeClass: "authenticated",
    handler: async (c) => {
      const caller = await userCaller(c);
      const key = requireIdempotencyKey(c);
      const body = await parseJsonBody(c, z.looseObject({}));
      const input = validate(paperDepositInput, { ...body, idempotencyKey: `api:${key}` });
      const receipt = await paperDeposit(caller, input, {
        onTiming: (timing) => c.header("Server-Timing", serverTiming(timing)),
      });
      return c.json({ entryId: receipt.entryId, wallet: receipt.wallets[0] }, 201);
    },
  },
  {
    method: "GET",
    path: "/deposits/reference",
    routeClass: "authenticated",
    handler: async (c) => c.json(await myDepositReference(await userCaller(c))),
  },
]);
