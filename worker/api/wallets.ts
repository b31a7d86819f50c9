import { z } from "zod";
import { defineRoutes } from "../routes.ts";
import { requireUser } from "../services/auth/guards.ts";
import { serverTiming, userLedger } from "../services/ledger/client.ts";
import {
  amountField,
  amountMinorOfBody,
  assetField,
  refineAmount,
  requireIdempotencyKey,
} from "../services/ledger/request.ts";
import { parseJsonBody } from "./validation.ts";

const paperDepositBody = z.object({ asset: assetField, amount: amountField }).superRefine(refineAmount);

export const walletRoutes = defineRoutes([
  {
    method: "GET",
    path: "/wallets",
    routeClass: "authenticated",
    // Every asset in both books, zero where nothing moved yet: a wallet is never "not found".
    handler: async (c) => {
      const user = await requireUser(c);
      const wallets = await userLedger(c.env, user.id).wallets();
      return c.json({ wallets }, 200, { "Cache-Control": "no-store" });
    },
  },
  {
    method: "POST",
    path: "/wallets/paper-deposit",
    routeClass: "authenticated",
    // Paper money from the faucet into the paper book only; capped per user per UTC day.
    handler: async (c) => {
      const user = await requireUser(c);
      const key = requireIdempotencyKey(c);
      const body = await parseJsonBody(c, paperDepositBody);
      const ledger = userLedger(c.env, user.id, {
        onTiming: (timing) => c.header("Server-Timing", serverTiming(timing)),
      });
      const receipt = await ledger.paperDeposit({
        // The client's keys live in their own namespace: no client key can ever collide with
        // a key the platform uses internally for the same user (orders, bots, fills).
        idempotencyKey: `api:${key}`,
        asset: body.asset,
        amountMinor: amountMinorOfBody(body),
      });
      return c.json({ entryId: receipt.entryId, wallet: receipt.wallets[0] }, 201);
    },
  },
]);
