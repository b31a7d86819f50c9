import { type Book, parseAccount } from "./accounts.ts";
import { type AssetCode, assert, assetDefinition, isAssetCode, MAX_BALANCE_MINOR } from "./assets.ts";

/**
 * Posting arithmetic: the rules every journal entry obeys, checked in code before anything is
 * written (and again by reconciliation afterwards).
 */

export interface Posting {
  account: string;
  asset: AssetCode;
  /** Signed: positive credits the account's balance, negative debits it. Never zero. */
  amountMinor: bigint;
}

/** An entry touches a handful of accounts; anything larger is a bug, not a movement. */
export const MAX_POSTINGS_PER_ENTRY = 16;

export function balanceKey(account: string, asset: AssetCode): string {
  return `${account}|${asset}`;
}

export function sumByAsset(postings: readonly Posting[]): Map<AssetCode, bigint> {
  const sums = new Map<AssetCode, bigint>();
  for (const posting of postings) {
    sums.set(posting.asset, (sums.get(posting.asset) ?? 0n) + posting.amountMinor);
  }
  return sums;
}

export function isBalanced(postings: readonly Posting[]): boolean {
  for (const sum of sumByAsset(postings).values()) {
    if (sum !== 0n) return false;
  }
  return true;
}

/** Net change per (account, asset); zero nets are dropped. Insertion order is kept. */
export function netDeltas(
  postings: readonly Posting[],
): Map<string, { account: string; asset: AssetCode; deltaMinor: bigint }> {
  const deltas = new Map<string, { account: string; asset: AssetCode; deltaMinor: bigint }>();
  for (const posting of postings) {
    const key = balanceKey(posting.account, posting.asset);
    const current = deltas.get(key);
    if (current) current.deltaMinor += posting.amountMinor;
    else deltas.set(key, { account: posting.account, asset: posting.asset, deltaMinor: posting.amountMinor });
  }
  for (const [key, delta] of deltas) {
    if (delta.deltaMinor === 0n) deltas.delete(key);
  }
  return deltas;
}

/**
 * Everything an entry's postings must satisfy:
 * - 1..MAX_POSTINGS_PER_ENTRY postings, known assets, non-zero amounts within the asset's bound;
 * - every account well formed and in the entry's book (paper never meets live);
 * - every user account belongs to the entry's user (one user's entry never touches another's money);
 * - per asset, the amounts sum to zero.
 */
export function assertValidPostings(
  entry: { userId: string; book: Book },
  postings: readonly Posting[],
): void {
  assert(postings.length > 0, "an entry needs postings");
  assert(postings.length <= MAX_POSTINGS_PER_ENTRY, `too many postings (${postings.length})`);
  for (const posting of postings) {
    assert(isAssetCode(posting.asset), `unknown asset ${String(posting.asset)}`);
    assert(typeof posting.amountMinor === "bigint", "posting amounts are bigint");
    assert(posting.amountMinor !== 0n, `zero posting to ${posting.account}`);
    const magnitude = posting.amountMinor < 0n ? -posting.amountMinor : posting.amountMinor;
    assert(
      magnitude <= assetDefinition(posting.asset).maxAmountMinor,
      `posting of ${posting.amountMinor} ${posting.asset} exceeds the asset's bound`,
    );
    const account = parseAccount(posting.account);
    assert(account !== undefined, `malformed account ${JSON.stringify(posting.account)}`);
    assert(
      account.book === entry.book,
      `posting to ${posting.account} (${account.book}) in a ${entry.book} entry: books never mix`,
    );
    if (account.owner === "user") {
      assert(account.userId === entry.userId, `posting to another user's account ${posting.account}`);
    }
  }
  for (const [asset, sum] of sumByAsset(postings)) {
    assert(sum === 0n, `postings in ${asset} sum to ${sum}, not zero`);
  }
}

/**
 * Applies postings to a balance map (pure: returns a new map) and asserts the result: user
 * accounts never negative, no balance beyond the storage bound.
 */
export function applyPostings(
  balances: ReadonlyMap<string, bigint>,
  postings: readonly Posting[],
): Map<string, bigint> {
  const next = new Map(balances);
  for (const posting of postings) {
    const key = balanceKey(posting.account, posting.asset);
    next.set(key, (next.get(key) ?? 0n) + posting.amountMinor);
  }
  for (const { account, asset } of postings) {
    const balance = next.get(balanceKey(account, asset)) ?? 0n;
    const magnitude = balance < 0n ? -balance : balance;
    assert(magnitude <= MAX_BALANCE_MINOR, `balance of ${account} in ${asset} beyond the storage bound`);
    if (account.startsWith("user:"))
      assert(balance >= 0n, `user account ${account} would go negative in ${asset}`);
  }
  return next;
}

/** The user accounts a set of postings would overdraw, given current balances (empty = fine). */
export function overdrafts(balances: ReadonlyMap<string, bigint>, postings: readonly Posting[]): Posting[] {
  const deltas = netDeltas(postings);
  const short: Posting[] = [];
  for (const { account, asset, deltaMinor } of deltas.values()) {
    if (!account.startsWith("user:")) continue;
    const after = (balances.get(balanceKey(account, asset)) ?? 0n) + deltaMinor;
    if (after < 0n) short.push({ account, asset, amountMinor: after });
  }
  return short;
}
