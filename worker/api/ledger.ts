import { z } from "zod";
import { ApiError } from "../errors.ts";
import { defineRoutes } from "../routes.ts";
import { requireUser } from "../services/auth/guards.ts";
import { BOOKS } from "../services/ledger/accounts.ts";
import { userLedger } from "../services/ledger/client.ts";
import { assetField } from "../services/ledger/request.ts";
import { MAX_ENTRIES_PAGE } from "../services/ledger/store.ts";
import { validate } from "./validation.ts";

export const DEFAULT_ENTRIES_PAGE = 50;

const entriesQuery = z.object({
  mode: z.enum(BOOKS, { message: "must be live or paper" }).optional(),
  asset: assetField.optional(),
  cursor: z.string().max(64).optional(),
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

/**
 * The cursor is opaque to clients: a versioned, base64url-encoded entry sequence number. It
 * only ever narrows a query to the caller's own entries, so a forged one reveals nothing.
 */
export function encodeCursor(beforeSequence: number): string {
  return btoa(`e1:${beforeSequence}`).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function decodeCursor(cursor: string): number {
  let text = "";
  try {
    text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    text = "";
  }
  const match = /^e1:([0-9]{1,15})$/.exec(text);
  const sequence = match ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(sequence) || sequence < 1) {
    throw new ApiError(400, "invalid_request", "The cursor is not valid.", {
      fields: { cursor: "must be a nextCursor returned by this endpoint" },
    });
  }
  return sequence;
}

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
        beforeSequence: query.cursor === undefined ? null : decodeCursor(query.cursor),
        limit: query.limit ?? DEFAULT_ENTRIES_PAGE,
      });
      return c.json(
        {
          entries: page.entries,
          nextCursor: page.nextBeforeSequence === null ? null : encodeCursor(page.nextBeforeSequence),
        },
        200,
        { "Cache-Control": "no-store" },
      );
    },
  },
]);
