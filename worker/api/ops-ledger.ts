import { z } from "zod";
import { ApiError } from "../errors.ts";
import { defineRoutes } from "../routes.ts";
import { findUserByEmail } from "../services/auth/accounts.ts";
import { clientIp, requireOperator } from "../services/auth/guards.ts";
import { serverTiming, userLedger } from "../services/ledger/client.ts";
import {
  amountField,
  amountMinorOfBody,
  assetField,
  refineAmount,
  requireIdempotencyKey,
} from "../services/ledger/request.ts";
import { reconciler } from "../services/reconcile/client.ts";
import { parseJsonBody } from "./validation.ts";

const opsDepositBody = z
  .object({
    email: z
      .string({ message: "must be the user's email address" })
      .max(254)
      .transform((value) => value.trim().toLowerCase()),
    asset: assetField,
    amount: amountField,
    reference: z
      .string({ message: "must be the deposit's outside reference" })
      .trim()
      .min(1, "is required")
      .max(255, "must be at most 255 characters"),
  })
  .superRefine(refineAmount);

export const opsLedgerRoutes = defineRoutes([
  {
    method: "POST",
    path: "/ops/deposits",
    routeClass: "ops",
    // Stands in for the deposit gateway (bank transfer, on-chain deposit) until one is
    // integrated: credits the user's LIVE book and writes an audit row in the same batch.
    handler: async (c) => {
      const operator = await requireOperator(c);
      const key = requireIdempotencyKey(c);
      const body = await parseJsonBody(c, opsDepositBody);
      const user = await findUserByEmail(c.get("services"), body.email);
      if (!user) {
        throw new ApiError(404, "user_not_found", "No user has that email address.", {
          fields: { email: "no user has this email address" },
        });
      }
      const ledger = userLedger(c.env, user.id, {
        onTiming: (timing) => c.header("Server-Timing", serverTiming(timing)),
      });
      const receipt = await ledger.opsDeposit({
        idempotencyKey: key,
        asset: body.asset,
        amountMinor: amountMinorOfBody(body),
        reference: body.reference,
        audit: { actor: operator.actor, requestId: c.get("requestId"), ipAddress: clientIp(c) },
      });
      return c.json({ entryId: receipt.entryId, userId: user.id, wallet: receipt.wallets[0] }, 201);
    },
  },
  {
    method: "GET",
    path: "/ops/reconcile",
    routeClass: "ops",
    // Every check on demand, through the Reconciler (which stores the report, trigger "api").
    handler: async (c) => {
      const report = await reconciler(c.env).runNow("api");
      return c.json({ ok: report.ok, checks: report.checks }, 200, { "Cache-Control": "no-store" });
    },
  },
]);
