import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BOOKS,
  type Book,
  parseAccount,
  systemAccounts,
  userAccount,
} from "../../../worker/services/ledger/accounts.ts";
import { ASSET_CODES, LedgerInvariantError } from "../../../worker/services/ledger/assets.ts";
import {
  applyPostings,
  assertValidPostings,
  balanceKey,
  isBalanced,
  MAX_POSTINGS_PER_ENTRY,
  netDeltas,
  overdrafts,
  type Posting,
  sumByAsset,
} from "../../../worker/services/ledger/postings.ts";

const USER = "user-1";
const entry = (book: Book) => ({ userId: USER, book });

describe("accounts", () => {
  it("name user and system accounts with their book", () => {
    expect(userAccount(USER, "paper", "available")).toBe("user:user-1:paper:available");
    expect(userAccount(USER, "live", { botId: "bot-7" })).toBe("user:user-1:live:bot:bot-7");
    expect(systemAccounts.exchange("binance")).toBe("system:live:exchange:binance");
    expect(systemAccounts.exchange("simulated")).toBe("system:paper:exchange:simulated");
    expect(parseAccount("user:user-1:paper:locked")).toEqual({
      owner: "user",
      userId: USER,
      book: "paper",
      kind: "locked",
    });
    expect(parseAccount(systemAccounts.paperFaucet)).toEqual({
      owner: "system",
      book: "paper",
      name: "faucet",
    });
  });

  it("refuse names that could smuggle a separator or a book", () => {
    expect(() => userAccount("a:b", "paper", "available")).toThrow(LedgerInvariantError);
    expect(() => userAccount(USER, "paper", { botId: "x:live" })).toThrow(LedgerInvariantError);
    for (const bad of [
      "user:user-1:demo:available",
      "user:user-1:paper:spare",
      "user:user-1:paper:available:x",
      "system:live:faucet",
      "system:paper:deposit_gateway",
      "system:paper:exchange:binance",
      "system:live:exchange:simulated",
      "bank:anything",
      "",
    ]) {
      expect(parseAccount(bad)).toBeUndefined();
    }
  });
});

describe("posting rules", () => {
  const deposit: Posting[] = [
    { account: systemAccounts.paperFaucet, asset: "GBP", amountMinor: -100n },
    { account: userAccount(USER, "paper", "available"), asset: "GBP", amountMinor: 100n },
  ];

  it("accept a balanced entry within one book", () => {
    expect(() => assertValidPostings(entry("paper"), deposit)).not.toThrow();
  });

  it("refuse a posting set that mixes a user's paper and live accounts", () => {
    const paperToLive: Posting[] = [
      { account: userAccount(USER, "paper", "available"), asset: "GBP", amountMinor: -100n },
      { account: userAccount(USER, "live", "available"), asset: "GBP", amountMinor: 100n },
    ];
    expect(() => assertValidPostings(entry("paper"), paperToLive)).toThrow(/books never mix/);
    expect(() => assertValidPostings(entry("live"), paperToLive)).toThrow(/books never mix/);
  });

  it("refuse paper money from the faucet into the live book", () => {
    const faucetToLive: Posting[] = [
      { account: systemAccounts.paperFaucet, asset: "GBP", amountMinor: -100n },
      { account: userAccount(USER, "live", "available"), asset: "GBP", amountMinor: 100n },
    ];
    expect(() => assertValidPostings(entry("live"), faucetToLive)).toThrow(/books never mix/);
  });

  it("refuse unbalanced, empty, zero, oversized and foreign postings", () => {
    expect(() => assertValidPostings(entry("paper"), [])).toThrow(LedgerInvariantError);
    expect(() =>
      assertValidPostings(entry("paper"), [{ ...deposit[0]!, amountMinor: -99n }, deposit[1]!]),
    ).toThrow(/sum to/);
    expect(() =>
      assertValidPostings(entry("paper"), [...deposit, { ...deposit[1]!, amountMinor: 0n }]),
    ).toThrow(/zero posting/);
    expect(() =>
      assertValidPostings(entry("paper"), [
        { account: systemAccounts.paperFaucet, asset: "GBP", amountMinor: -(10n ** 12n) },
        { account: userAccount(USER, "paper", "available"), asset: "GBP", amountMinor: 10n ** 12n },
      ]),
    ).toThrow(/bound/);
    expect(() =>
      assertValidPostings(entry("paper"), [
        { account: systemAccounts.paperFaucet, asset: "GBP", amountMinor: -1n },
        { account: userAccount("someone-else", "paper", "available"), asset: "GBP", amountMinor: 1n },
      ]),
    ).toThrow(/another user/);
    const many = Array.from({ length: MAX_POSTINGS_PER_ENTRY / 2 + 1 }, () => deposit).flat();
    expect(() => assertValidPostings(entry("paper"), many)).toThrow(/too many/);
  });

  it("apply postings without ever letting a user account go negative", () => {
    const balances = applyPostings(new Map(), deposit);
    expect(balances.get(balanceKey(userAccount(USER, "paper", "available"), "GBP"))).toBe(100n);
    expect(balances.get(balanceKey(systemAccounts.paperFaucet, "GBP"))).toBe(-100n);
    const overdraw: Posting[] = [
      { account: userAccount(USER, "paper", "available"), asset: "GBP", amountMinor: -101n },
      { account: userAccount(USER, "paper", "locked"), asset: "GBP", amountMinor: 101n },
    ];
    expect(overdrafts(balances, overdraw)).toHaveLength(1);
    expect(() => applyPostings(balances, overdraw)).toThrow(/negative/);
  });
});

// Random balanced entries: pairs of equal and opposite postings between accounts of one book.
const accountIn = (book: Book) =>
  fc.constantFrom(
    userAccount(USER, book, "available"),
    userAccount(USER, book, "locked"),
    userAccount(USER, book, { botId: "b1" }),
    systemAccounts.feeRevenue(book),
    book === "paper" ? systemAccounts.paperFaucet : systemAccounts.depositGateway,
    systemAccounts.exchange(book === "paper" ? "simulated" : "binance"),
  );
const balancedEntry = fc.constantFrom(...BOOKS).chain((book) =>
  fc.tuple(
    fc.constant(book),
    fc
      .array(
        fc.tuple(
          accountIn(book),
          accountIn(book),
          fc.constantFrom(...ASSET_CODES),
          fc.bigInt({ min: 1n, max: 10n ** 10n }),
        ),
        { minLength: 1, maxLength: MAX_POSTINGS_PER_ENTRY / 2 },
      )
      .map((pairs) =>
        pairs.flatMap(([from, to, asset, amountMinor]): Posting[] => [
          { account: from, asset, amountMinor: -amountMinor },
          { account: to, asset, amountMinor },
        ]),
      ),
  ),
);

describe("posting arithmetic (properties)", () => {
  it("balanced entries in one book are valid and sum to zero per asset", () => {
    fc.assert(
      fc.property(balancedEntry, ([book, postings]) => {
        expect(isBalanced(postings)).toBe(true);
        expect(() => assertValidPostings(entry(book), postings)).not.toThrow();
        for (const sum of sumByAsset(postings).values()) expect(sum).toBe(0n);
      }),
    );
  });

  it("removing or changing any one posting unbalances the entry", () => {
    fc.assert(
      fc.property(
        balancedEntry,
        fc.nat(),
        fc.bigInt({ min: 1n, max: 1000n }),
        ([book, postings], index, change) => {
          const at = index % postings.length;
          const changed = postings.map((posting, i) =>
            i === at ? { ...posting, amountMinor: posting.amountMinor + change } : posting,
          );
          expect(isBalanced(changed)).toBe(false);
          expect(() => assertValidPostings(entry(book), changed)).toThrow(LedgerInvariantError);
          const without = postings.filter((_, i) => i !== at);
          expect(isBalanced(without)).toBe(false);
        },
      ),
    );
  });

  it("net deltas carry exactly the same sums as the postings", () => {
    fc.assert(
      fc.property(balancedEntry, ([, postings]) => {
        const fromDeltas = new Map<string, bigint>();
        for (const { account, asset, deltaMinor } of netDeltas(postings).values()) {
          expect(deltaMinor).not.toBe(0n);
          const key = balanceKey(account, asset);
          fromDeltas.set(key, (fromDeltas.get(key) ?? 0n) + deltaMinor);
        }
        const direct = new Map<string, bigint>();
        for (const posting of postings) {
          const key = balanceKey(posting.account, posting.asset);
          direct.set(key, (direct.get(key) ?? 0n) + posting.amountMinor);
        }
        for (const [key, value] of direct) expect(fromDeltas.get(key) ?? 0n).toBe(value);
      }),
    );
  });

  it("the reverse entry restores every balance (corrections are new entries)", () => {
    fc.assert(
      fc.property(balancedEntry, ([book, postings]) => {
        // Start rich enough that no user account can go negative either way.
        const start = new Map<string, bigint>();
        for (const posting of postings) start.set(balanceKey(posting.account, posting.asset), 10n ** 12n);
        const reversed = postings.map((posting) => ({ ...posting, amountMinor: -posting.amountMinor }));
        expect(() => assertValidPostings(entry(book), reversed)).not.toThrow();
        const moved = applyPostings(start, postings);
        const after = applyPostings(moved, reversed);
        for (const [key, value] of start) expect(after.get(key)).toBe(value);
        // Money is conserved: the entry changes who holds it, never how much there is.
        const total = (balances: Map<string, bigint>) =>
          [...balances.values()].reduce((sum, value) => sum + value, 0n);
        expect(total(moved)).toBe(total(start));
      }),
    );
  });
});
