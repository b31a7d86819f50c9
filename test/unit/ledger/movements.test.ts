import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BOOKS,
  type Book,
  userAccount,
  VENUES,
  type Venue,
} from "../../../worker/services/ledger/accounts.ts";
import { formatAmount } from "../../../worker/services/ledger/amount.ts";
import { ASSET_CODES, type AssetCode } from "../../../worker/services/ledger/assets.ts";
import type { LedgerCommand } from "../../../worker/services/ledger/commands.ts";
import {
  applyMovement,
  emptyState,
  type LedgerState,
  type PlanContext,
  planMovement,
} from "../../../worker/services/ledger/movements.ts";
import { assertValidPostings, balanceKey, sumByAsset } from "../../../worker/services/ledger/postings.ts";
import { gbpEquivalentMinor } from "../../../worker/services/ledger/reference-prices.ts";

const USER = "user-1";
const CAP_GBP_MINOR = 500_000n; // 5,000.00 GBP: small, so that the cap is actually reached

// ------------------------------------------------------------------------------------------
// The reference model: the rules of API.md and the issue, written as plainly as possible and
// without sharing any code with the planner.

type Source = "available" | string; // or a bot id
interface ModelHold {
  book: Book;
  asset: AssetCode;
  kind: "order" | "withdrawal";
  source: Source;
  amount: bigint;
  remaining: bigint;
  status: "open" | "settled" | "released";
}

class Model {
  readonly accounts = new Map<string, bigint>(); // `${book}|${name}|${asset}` -> balance
  readonly holds = new Map<string, ModelHold>();
  readonly system = new Map<string, bigint>(); // `${book}|${asset}` -> what system accounts hold
  paperToday = 0n;

  get(book: Book, name: string, asset: AssetCode): bigint {
    return this.accounts.get(`${book}|${name}|${asset}`) ?? 0n;
  }

  private move(book: Book, name: string, asset: AssetCode, delta: bigint) {
    this.accounts.set(`${book}|${name}|${asset}`, this.get(book, name, asset) + delta);
  }

  private external(book: Book, asset: AssetCode, delta: bigint) {
    // Money entering a user account from outside comes out of some system account, and back.
    const key = `${book}|${asset}`;
    this.system.set(key, (this.system.get(key) ?? 0n) - delta);
  }

  private sourceName(source: Source) {
    return source === "available" ? "available" : `bot:${source}`;
  }

  apply(command: LedgerCommand): string {
    switch (command.kind) {
      case "paper_deposit": {
        const equivalent = gbpEquivalentMinor(command.asset, command.amountMinor);
        if (this.paperToday + equivalent > CAP_GBP_MINOR) return "paper_deposit_limit_exceeded";
        this.paperToday += equivalent;
        this.move("paper", "available", command.asset, command.amountMinor);
        this.external("paper", command.asset, command.amountMinor);
        return "ok";
      }
      case "ops_deposit":
        this.move("live", "available", command.asset, command.amountMinor);
        this.external("live", command.asset, command.amountMinor);
        return "ok";
      case "order_hold":
      case "withdrawal_hold": {
        if (command.kind === "withdrawal_hold" && command.book === "paper") return "paper_book_not_allowed";
        if (this.holds.has(command.holdId)) return "hold_exists";
        const source = command.kind === "order_hold" && command.botId ? command.botId : "available";
        if (this.get(command.book, this.sourceName(source), command.asset) < command.amountMinor) {
          return "insufficient_funds";
        }
        this.move(command.book, this.sourceName(source), command.asset, -command.amountMinor);
        this.move(command.book, "locked", command.asset, command.amountMinor);
        this.holds.set(command.holdId, {
          book: command.book,
          asset: command.asset,
          kind: command.kind === "order_hold" ? "order" : "withdrawal",
          source,
          amount: command.amountMinor,
          remaining: command.amountMinor,
          status: "open",
        });
        return "ok";
      }
      case "order_release":
      case "withdrawal_release":
      case "withdrawal_settle": {
        const kind = command.kind === "order_release" ? "order" : "withdrawal";
        const hold = this.holds.get(command.holdId);
        if (!hold || hold.kind !== kind) return "hold_not_found";
        if (hold.status !== "open") return "hold_closed";
        if (command.kind === "withdrawal_settle") {
          const fee = command.feeMinor ?? 0n;
          if (fee > hold.remaining) return "invalid_request";
          this.move(hold.book, "locked", hold.asset, -hold.remaining);
          this.external(hold.book, hold.asset, -hold.remaining);
          hold.status = "settled";
        } else {
          this.move(hold.book, "locked", hold.asset, -hold.remaining);
          this.move(hold.book, this.sourceName(hold.source), hold.asset, hold.remaining);
          hold.status = "released";
        }
        hold.remaining = 0n;
        return "ok";
      }
      case "fill": {
        const hold = this.holds.get(command.holdId);
        if (hold?.kind !== "order") return "hold_not_found";
        if (hold.status !== "open") return "hold_closed";
        if (VENUES[command.venue] !== hold.book) return "invalid_request";
        if (command.received.asset === hold.asset) return "invalid_request";
        const fee = command.fee && command.fee.amountMinor > 0n ? command.fee : null;
        if (fee && fee.asset !== hold.asset && fee.asset !== command.received.asset) return "invalid_request";
        const fromHold = fee && fee.asset === hold.asset ? fee.amountMinor : 0n;
        const fromReceived = fee && fee.asset === command.received.asset ? fee.amountMinor : 0n;
        if (command.spentMinor + fromHold > hold.remaining) return "hold_exceeded";
        if (fromReceived > command.received.amountMinor) return "invalid_request";
        this.move(hold.book, "locked", hold.asset, -(command.spentMinor + fromHold));
        this.external(hold.book, hold.asset, -(command.spentMinor + fromHold));
        const kept = command.received.amountMinor - fromReceived;
        this.move(hold.book, this.sourceName(hold.source), command.received.asset, kept);
        this.external(hold.book, command.received.asset, kept);
        hold.remaining -= command.spentMinor + fromHold;
        if (hold.remaining === 0n) hold.status = "settled";
        return "ok";
      }
      case "bot_allocate":
      case "bot_return": {
        const [from, to] =
          command.kind === "bot_allocate"
            ? ["available", `bot:${command.botId}`]
            : [`bot:${command.botId}`, "available"];
        if (this.get(command.book, from, command.asset) < command.amountMinor) return "insufficient_funds";
        this.move(command.book, from, command.asset, -command.amountMinor);
        this.move(command.book, to, command.asset, command.amountMinor);
        return "ok";
      }
    }
  }
}

// ------------------------------------------------------------------------------------------
// Random commands over a small space (two assets, few holds, small amounts) so that movements
// meet each other often: holds find funds, fills find open holds, and refusals still happen.

const asset = fc.constantFrom<AssetCode>("GBP", "BTC");
const book = fc.constantFrom<Book>(...BOOKS);
const amount = fc.bigInt({ min: 1n, max: 5_000n });
const orderHoldId = fc.constantFrom("h1", "h2", "h3", "h1", "h2", "h3", "w1");
const withdrawalHoldId = fc.constantFrom("w1", "w2", "w1", "w2", "h1");
const botId = fc.constantFrom("b1", "b2");
const base = { userId: USER, idempotencyKey: "k" };
const weighted = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });

const command: fc.Arbitrary<LedgerCommand> = fc.oneof(
  weighted(
    3,
    fc
      .record({ asset, amountMinor: amount.map((x) => x * 10n) })
      .map((c): LedgerCommand => ({ ...base, kind: "paper_deposit", ...c })),
  ),
  weighted(
    3,
    fc.record({ asset, amountMinor: amount.map((x) => x * 10n) }).map(
      (c): LedgerCommand => ({
        ...base,
        kind: "ops_deposit",
        reference: "bank-ref",
        audit: { actor: "ops-token", requestId: null, ipAddress: null },
        ...c,
      }),
    ),
  ),
  weighted(
    4,
    fc
      .record({
        book,
        holdId: orderHoldId,
        asset,
        amountMinor: amount,
        botId: fc.option(botId, { nil: null, freq: 3 }),
      })
      .map((c): LedgerCommand => ({ ...base, kind: "order_hold", ...c })),
  ),
  weighted(
    1,
    fc.record({ holdId: orderHoldId }).map((c): LedgerCommand => ({ ...base, kind: "order_release", ...c })),
  ),
  weighted(
    6,
    fc
      .record({
        holdId: orderHoldId,
        venue: fc.constantFrom<Venue>("binance", "simulated"),
        spentMinor: fc.bigInt({ min: 1n, max: 1_000n }),
        received: fc.record({ asset, amountMinor: amount }),
        fee: fc.option(fc.record({ asset, amountMinor: fc.bigInt({ min: 0n, max: 50n }) }), { nil: null }),
      })
      .map((c): LedgerCommand => ({ ...base, kind: "fill", reference: "trade-1", ...c })),
  ),
  weighted(
    2,
    fc
      .record({
        book: fc.constantFrom<Book>("live", "live", "paper"),
        holdId: withdrawalHoldId,
        asset,
        amountMinor: amount,
      })
      .map((c): LedgerCommand => ({ ...base, kind: "withdrawal_hold", ...c })),
  ),
  weighted(
    1,
    fc
      .record({ holdId: withdrawalHoldId, feeMinor: fc.bigInt({ min: 0n, max: 100n }) })
      .map((c): LedgerCommand => ({ ...base, kind: "withdrawal_settle", ...c })),
  ),
  weighted(
    1,
    fc
      .record({ holdId: withdrawalHoldId })
      .map((c): LedgerCommand => ({ ...base, kind: "withdrawal_release", ...c })),
  ),
  weighted(
    1,
    fc
      .record({ book, botId, asset, amountMinor: amount })
      .map((c): LedgerCommand => ({ ...base, kind: "bot_allocate", ...c })),
  ),
  weighted(
    1,
    fc
      .record({ book, botId, asset, amountMinor: amount })
      .map((c): LedgerCommand => ({ ...base, kind: "bot_return", ...c })),
  ),
);

function context(index: number): PlanContext {
  return {
    entryId: `entry-${index}`,
    requestHash: `hash-${index}`,
    nowMs: 1_800_000_000_000 + index,
    paperDepositDailyCapGbpMinor: CAP_GBP_MINOR,
  };
}

describe("planner against the reference model", () => {
  it("agrees on every outcome and every balance, and every movement is a valid entry", () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 20, maxLength: 120 }), (commands) => {
        const model = new Model();
        let state: LedgerState = emptyState(USER);
        const journalSums = new Map<string, bigint>();
        commands.forEach((cmd, index) => {
          const expected = model.apply(cmd);
          const outcome = planMovement(state, cmd, context(index));
          expect(outcome.ok ? "ok" : outcome.error.code).toBe(expected);
          if (!outcome.ok) return;
          const movement = outcome.movement;
          expect(() =>
            assertValidPostings({ userId: USER, book: movement.book }, movement.postings),
          ).not.toThrow();
          for (const [postingAsset, sum] of sumByAsset(movement.postings)) {
            expect(sum).toBe(0n);
            journalSums.set(postingAsset, (journalSums.get(postingAsset) ?? 0n) + sum);
          }
          state = applyMovement(state, movement);
          // The receipt reports the state after the movement, formatted at the asset's scale.
          for (const wallet of movement.receipt.wallets) {
            expect(wallet.available).toBe(
              formatAmount(wallet.asset, model.get(wallet.mode, "available", wallet.asset)),
            );
            expect(wallet.locked).toBe(
              formatAmount(wallet.asset, model.get(wallet.mode, "locked", wallet.asset)),
            );
          }
        });
        for (const b of BOOKS) {
          for (const a of ASSET_CODES) {
            for (const name of ["available", "locked", "bot:b1", "bot:b2"]) {
              const account =
                name === "available" || name === "locked"
                  ? userAccount(USER, b, name)
                  : userAccount(USER, b, { botId: name.slice(4) });
              const balance = state.balances.get(balanceKey(account, a)) ?? 0n;
              expect(balance).toBe(model.get(b, name, a));
              expect(balance).toBeGreaterThanOrEqual(0n);
            }
          }
        }
        for (const [id, hold] of model.holds) {
          const planned = state.holds.get(id);
          expect(planned?.remainingMinor).toBe(hold.remaining);
          expect(planned?.status).toBe(hold.status);
        }
        // Locked equals the open holds, per book and asset.
        for (const b of BOOKS) {
          for (const a of ASSET_CODES) {
            let open = 0n;
            for (const hold of state.holds.values()) {
              if (hold.book === b && hold.asset === a && hold.status === "open") open += hold.remainingMinor;
            }
            expect(state.balances.get(balanceKey(userAccount(USER, b, "locked"), a)) ?? 0n).toBe(open);
          }
        }
        for (const sum of journalSums.values()) expect(sum).toBe(0n);
      }),
      { numRuns: 400 },
    );
  });

  it("never lets paper money reach the live book, whatever the sequence", () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 20, maxLength: 120 }), (commands) => {
        let state = emptyState(USER);
        let paperIn = 0n;
        let liveIn = 0n;
        commands.forEach((cmd, index) => {
          const outcome = planMovement(state, cmd, context(index));
          if (!outcome.ok) return;
          for (const posting of outcome.movement.postings) {
            // Every posting of a movement is in the movement's book.
            expect(posting.account.includes(`:${outcome.movement.book}:`)).toBe(true);
          }
          if (cmd.kind === "paper_deposit") paperIn += cmd.amountMinor;
          if (cmd.kind === "ops_deposit") liveIn += cmd.amountMinor;
          state = applyMovement(state, outcome.movement);
        });
        // Live balances can only come from live deposits (fills swap assets, so compare in
        // total GBP-free terms: with no live deposit, the live book stays empty).
        if (liveIn === 0n) {
          for (const [key, balance] of state.balances) {
            if (key.includes(":live:")) expect(balance).toBe(0n);
          }
        }
        expect(paperIn).toBeGreaterThanOrEqual(0n);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a withdrawal hold in the paper book with a stable code", () => {
    const state = emptyState(USER);
    state.balances.set(balanceKey(userAccount(USER, "paper", "available"), "GBP"), 10_000n);
    const outcome = planMovement(
      state,
      { ...base, kind: "withdrawal_hold", book: "paper", holdId: "w1", asset: "GBP", amountMinor: 100n },
      context(0),
    );
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error).toMatchObject({ status: 403, code: "paper_book_not_allowed" });
  });

  it("settles partial fills exactly and releases exactly the rest", () => {
    let state = emptyState(USER);
    state.balances.set(balanceKey(userAccount(USER, "paper", "available"), "GBP"), 100_000n);
    const steps: LedgerCommand[] = [
      { ...base, kind: "order_hold", book: "paper", holdId: "o1", asset: "GBP", amountMinor: 50_000n },
      {
        ...base,
        kind: "fill",
        holdId: "o1",
        venue: "simulated",
        spentMinor: 20_000n,
        received: { asset: "BTC", amountMinor: 40_000n },
        fee: { asset: "GBP", amountMinor: 20n },
        reference: "t1",
      },
      {
        ...base,
        kind: "fill",
        holdId: "o1",
        venue: "simulated",
        spentMinor: 10_000n,
        received: { asset: "BTC", amountMinor: 20_000n },
        fee: { asset: "BTC", amountMinor: 10n },
        reference: "t2",
      },
      { ...base, kind: "order_release", holdId: "o1" },
    ];
    steps.forEach((step, index) => {
      const outcome = planMovement(state, step, context(index));
      if (!outcome.ok) throw new Error(outcome.error.message);
      state = applyMovement(state, outcome.movement);
    });
    const paper = (name: "available" | "locked", a: AssetCode) =>
      state.balances.get(balanceKey(userAccount(USER, "paper", name), a)) ?? 0n;
    expect(paper("available", "GBP")).toBe(100_000n - 20_000n - 20n - 10_000n);
    expect(paper("locked", "GBP")).toBe(0n);
    expect(paper("available", "BTC")).toBe(40_000n + 20_000n - 10n);
    expect(state.holds.get("o1")).toMatchObject({ status: "released", remainingMinor: 0n });
    const again = planMovement(state, { ...base, kind: "order_release", holdId: "o1" }, context(9));
    expect(again.ok ? "ok" : again.error.code).toBe("hold_closed");
  });
});
