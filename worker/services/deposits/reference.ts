import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../../../db/client.ts";
import { users } from "../../../db/schema/users.ts";

/**
 * A trader's own GBP bank-transfer reference: "CHX" and eight characters of Crockford's
 * base 32 (no I, L, O or U, so it survives being read aloud and typed into a banking app).
 * Unique per user (an index says so); assigned at sign-up, or on first request for accounts
 * older than references. Operators credit a transfer by it (POST /ops/deposits).
 */

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const PATTERN = /^CHX[0-9A-HJKMNP-TV-Z]{8}$/;

export function newDepositReference(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let reference = "CHX";
  for (const byte of bytes) reference += ALPHABET[byte & 31];
  return reference;
}

/** What a trader may have typed: case, spaces and dashes do not matter. */
export function normaliseDepositReference(text: string): string | null {
  const compact = text.replace(/[\s-]/g, "").toUpperCase();
  return PATTERN.test(compact) ? compact : null;
}

export async function depositReferenceOf(db: Database, userId: string): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const [row] = await db
      .select({ reference: users.depositReference })
      .from(users)
      .where(eq(users.id, userId))
      .limit(1);
    if (!row) throw new Error(`no user ${userId}`);
    if (row.reference) return row.reference;
    try {
      await db
        .update(users)
        .set({ depositReference: newDepositReference() })
        .where(and(eq(users.id, userId), isNull(users.depositReference)));
    } catch (error) {
      // Another user already has that reference: draw again.
      if (!/UNIQUE/i.test(String((error as Error).message))) throw error;
    }
  }
  throw new Error("could not assign a deposit reference");
}

export async function userByDepositReference(db: Database, text: string): Promise<{ id: string } | null> {
  const reference = normaliseDepositReference(text);
  if (!reference) return null;
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(eq(users.depositReference, reference))
    .limit(1);
  return row ?? null;
}
