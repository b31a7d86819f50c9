import { z } from "zod";
import { defineRoutes } from "../routes.ts";
import { serverTiming } from "../services/ledger/client.ts";
import { requireIdempotencyKey } from "../services/ledger/request.ts";
import { reconciler } from "../services/reconcile/client.ts";
import { opsDeposit, opsDepositInput } from "../use-cases/wallets.ts";
import { opsCaller } from "./caller.ts";
import { parseJsonBody, validate } from "./validation.ts";

export const opsLedgerRoutes = defineRoutes([
  {
    method: "POST",
    path: "/ops/deposits",
    routeClass: "ops",
    // Stands in for the deposit gateway (bank transfer, on-chain deposit) until one is
    // integrated: credits the user's LIVE book and writes an audit row in the same batch.
    handler: async (c) => {
      const caller = await opsCaller(c);
      const key = requireIdempotencyKey(c);
      const body = await parseJsonBody(c, z.looseObject({}));
      const input = validate(opsDepositInput, { ...body, idempotencyKey: key });
      const { userId, receipt } = await opsDeposit(caller, input, {
        onTiming: (timing) => c.header("Server-Timing", serverTiming(timing)),
      });
      return c.json({ entryId: receipt.entryId, userId, wallet: receipt.wallets[0] }, 201);
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
