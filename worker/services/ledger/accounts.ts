import { assert } from "./assets.ts";

/**
 * Account names. Every account lives in exactly one book; the book is part of the name, so a
 * posting's book can be checked from the account alone (in code, by a CHECK on the balances
 * table and by a trigger on postings).
 *
 * User accounts (never negative):
 *   user:<userId>:<book>:available     spendable
 *   user:<userId>:<book>:locked        held for open orders and pending withdrawals
 *   user:<userId>:<book>:bot:<botId>   a bot's allocation: still the user's money, but only
 *                                      the bot may spend it; fills of its orders land here
 *
 * System accounts (the other side of every user movement; may go negative):
 *   system:paper:faucet                where paper money comes from
 *   system:live:deposit_gateway        real money arriving (bank transfer, on-chain deposit)
 *   system:live:withdrawal_clearing    real money on its way out
 *   system:<book>:exchange:<venue>     the omnibus account at a venue (binance live, simulated paper)
 *   system:<book>:fee_revenue          trading fees at the list rate, and withdrawal fees
 *   system:<book>:fee_discounts        contra-revenue: the part of a list fee a discount (plan,
 *                                      referral) waived; fee_revenue + fee_discounts is what
 *                                      traders actually paid
 *   system:<book>:referral_expense     referral rewards paid out
 *   system:live:plan_revenue           bot plan subscriptions
 */

export const BOOKS = ["live", "paper"] as const;
export type Book = (typeof BOOKS)[number];

export function isBook(value: unknown): value is Book {
  return value === "live" || value === "paper";
}

/** Where each book trades. The paper book only ever meets the simulated market. */
export const VENUES = { binance: "live", simulated: "paper" } as const satisfies Record<string, Book>;
export type Venue = keyof typeof VENUES;

export function isVenue(value: unknown): value is Venue {
  return typeof value === "string" && Object.hasOwn(VENUES, value);
}

const SYSTEM_ACCOUNT_NAMES = [
  "faucet",
  "deposit_gateway",
  "withdrawal_clearing",
  "fee_revenue",
  "fee_discounts",
  "referral_expense",
  "plan_revenue",
] as const;

/** Identifiers embedded in account names: no separator, bounded, printable. */
const IDENTIFIER_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export function isAccountIdentifier(value: unknown): value is string {
  return typeof value === "string" && IDENTIFIER_PATTERN.test(value);
}

type UserAccountKind = "available" | "locked" | { botId: string };

type ParsedAccount =
  | { owner: "user"; userId: string; book: Book; kind: "available" | "locked" }
  | { owner: "user"; userId: string; book: Book; kind: "bot"; botId: string }
  | { owner: "system"; book: Book; name: string };

export function userAccount(userId: string, book: Book, kind: UserAccountKind): string {
  assert(isAccountIdentifier(userId), `user id ${JSON.stringify(userId)} cannot name an account`);
  assert(isBook(book), `unknown book ${String(book)}`);
  if (typeof kind === "object") {
    assert(isAccountIdentifier(kind.botId), `bot id ${JSON.stringify(kind.botId)} cannot name an account`);
    return `user:${userId}:${book}:bot:${kind.botId}`;
  }
  assert(kind === "available" || kind === "locked", `unknown user account kind ${String(kind)}`);
  return `user:${userId}:${book}:${kind}`;
}

export const systemAccounts = {
  paperFaucet: "system:paper:faucet",
  depositGateway: "system:live:deposit_gateway",
  withdrawalClearing: "system:live:withdrawal_clearing",
  exchange(venue: Venue): string {
    assert(isVenue(venue), `unknown venue ${String(venue)}`);
    return `system:${VENUES[venue]}:exchange:${venue}`;
  },
  feeRevenue(book: Book): string {
    assert(isBook(book), `unknown book ${String(book)}`);
    return `system:${book}:fee_revenue`;
  },
  feeDiscounts(book: Book): string {
    assert(isBook(book), `unknown book ${String(book)}`);
    return `system:${book}:fee_discounts`;
  },
  referralExpense(book: Book): string {
    assert(isBook(book), `unknown book ${String(book)}`);
    return `system:${book}:referral_expense`;
  },
  planRevenue: "system:live:plan_revenue",
} as const;

export function parseAccount(account: string): ParsedAccount | undefined {
  const parts = account.split(":");
  if (parts.length > 5) return undefined;
  const [owner, first, second, third, fourth] = parts;
  if (owner === "user") {
    if (!isAccountIdentifier(first) || !isBook(second)) return undefined;
    if ((third === "available" || third === "locked") && fourth === undefined) {
      return { owner: "user", userId: first, book: second, kind: third };
    }
    if (third === "bot" && isAccountIdentifier(fourth)) {
      return { owner: "user", userId: first, book: second, kind: "bot", botId: fourth };
    }
    return undefined;
  }
  if (owner === "system" && isBook(first)) {
    if (
      third === undefined &&
      fourth === undefined &&
      (SYSTEM_ACCOUNT_NAMES as readonly string[]).includes(second ?? "")
    ) {
      if (second === "faucet" && first !== "paper") return undefined;
      if (
        (second === "deposit_gateway" || second === "withdrawal_clearing" || second === "plan_revenue") &&
        first !== "live"
      )
        return undefined;
      return { owner: "system", book: first, name: second ?? "" };
    }
    if (second === "exchange" && isVenue(third) && VENUES[third] === first && fourth === undefined) {
      return { owner: "system", book: first, name: `exchange:${third}` };
    }
  }
  return undefined;
}
