import { z } from "zod";
import { defineRoutes } from "../routes.ts";
import { requireUser } from "../services/auth/guards.ts";
import { BOOKS } from "../services/ledger/accounts.ts";
import { userLedger } from "../services/ledger/client.ts";
import { assetField } from "../services/ledger/request.ts";
import { MAX_ENTRIES_PAGE } from "../services/ledger/store.ts";
import { cursorField, entryCursor } from "../services/paging/cursor.ts";
import { validate } from "./validation.ts";

const DEFAULT_ENTRIES_PAGE = 50;

const entriesQuery = z.object({
  mode: z.enum(BOOKS, { message: "must be live or paper" }).optional(),
  asset: assetField.optional(),
  cursor: cursorField.optional(),
  limit: z
    .string()
    .regex(/^[0-9]{1,3}$/, `must be an integer from 1 to ${MAX_ENTRIES_PAGE}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(1, `must be at least 1`)
        .max(MAX_ENTRIES_PAGE, `must be at most ${MAX_ENTRIES_PAGE}`),
    )
    .optional(),
});

export const ledgerRoutes = defineRoutes([
  {
    method: "GET",
    path: "/ledger/entries",
    routeClass: "authenticated",
    // Own entries, newest first, each with all its postings (system accounts included) so
    // that every entry visibly balances.
    handler: async (c) => {
      const user = await requireUser(c);
      const query = validate(entriesQuery, c.req.query());
      const page = await userLedger(c.env, user.id).entries({
        mode: query.mode ?? null,
        asset: query.asset ?? null,
        beforeSequence: query.cursor === undefined ? null : entryCursor.decode(query.cursor).sequence,
        limit: query.limit ?? DEFAULT_ENTRIES_PAGE,
      });
      return c.json(
        {
          entries: page.entries,
          nextCursor:
            page.nextBeforeSequence === null
              ? null
              : entryCursor.encode({ sequence: page.nextBeforeSequence }),
        },
        200,
        { "Cache-Control": "no-store" },
      );
    },
  },
]);
