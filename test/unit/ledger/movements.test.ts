import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BOOKS, userAccount } from "../../../worker/services/ledger/accounts.ts";
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
import { referenceGbpValuation } from "../../../worker/services/valuation/gbp.ts";
import { commandArbitrary, LedgerModel } from "./reference-model.ts";

const USER = "user-1";
const CAP_GBP_MINOR = 500_000n; // 5,000.00 GBP: small, so that the cap is actually reached
const command = commandArbitrary(USER);
const base = { userId: USER, idempotencyKey: "k" };

function context(index: number): PlanContext {
  return {
    entryId: `entry-${index}`,
    requestHash: `hash-${index}`,
    nowMs: 1_800_000_000_000 + index,
    paperDepositDailyCapGbpMinor: CAP_GBP_MINOR,
    valuation: referenceGbpValuation(),
  };
}

describe("planner against the reference model", () => {
  it("agrees on every outcome and every balance, and every movement is a valid entry", () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 20, maxLength: 120 }), (commands) => {
        const model = new LedgerModel(CAP_GBP_MINOR);
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
          // Money enters the live book only from outside (a deposit) or as a live reward.
          if (cmd.kind === "ops_deposit" || (cmd.kind === "referral_reward" && cmd.book === "live")) {
            liveIn += cmd.amountMinor;
          }
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
