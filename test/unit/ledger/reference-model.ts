import fc from "fast-check";
import { type Book, VENUES, type Venue } from "../../../worker/services/ledger/accounts.ts";
import type { AssetCode } from "../../../worker/services/ledger/assets.ts";
import type { LedgerCommand } from "../../../worker/services/ledger/commands.ts";
import { type GbpValuation, referenceGbpValuation } from "../../../worker/services/valuation/gbp.ts";

/**
 * The reference model: the rules of API.md and the issue written as plainly as possible,
 * sharing no code with the planner. Unit property tests compare the planner with it; the
 * workerd chaos test compares the whole system (Durable Object, libSQL, retries, faults).
 */

type Source = "available" | string; // or a bot id

export interface ModelHold {
  book: Book;
  asset: AssetCode;
  kind: "order" | "withdrawal";
  source: Source;
  amount: bigint;
  remaining: bigint;
  status: "open" | "settled" | "released";
}

export class LedgerModel {
  readonly accounts = new Map<string, bigint>(); // `${book}|${name}|${asset}` -> balance
  readonly holds = new Map<string, ModelHold>();
  /** Paper deposited today, per asset: valued at the model's prices whenever the cap is checked. */
  readonly paperToday = new Map<AssetCode, bigint>();

  constructor(
    readonly paperCapGbpMinor: bigint,
    readonly valuation: GbpValuation = referenceGbpValuation(),
  ) {}

  get(book: Book, name: string, asset: AssetCode): bigint {
    return this.accounts.get(`${book}|${name}|${asset}`) ?? 0n;
  }

  /** What a wallet shows: available, locked, and the sum of the bots' allocations. */
  wallet(book: Book, asset: AssetCode): { available: bigint; locked: bigint; allocated: bigint } {
    let allocated = 0n;
    for (const [key, balance] of this.accounts) {
      const [keyBook, name, keyAsset] = key.split("|");
      if (keyBook === book && keyAsset === asset && name?.startsWith("bot:")) allocated += balance;
    }
    return {
      available: this.get(book, "available", asset),
      locked: this.get(book, "locked", asset),
      allocated,
    };
  }

  private move(book: Book, name: string, asset: AssetCode, delta: bigint) {
    this.accounts.set(`${book}|${name}|${asset}`, this.get(book, name, asset) + delta);
  }

  private sourceName(source: Source) {
    return source === "available" ? "available" : `bot:${source}`;
  }

  /** Applies the command once; answers "ok" or the error code the ledger must give. */
  apply(command: LedgerCommand): string {
    switch (command.kind) {
      case "paper_deposit": {
        const after = new Map(this.paperToday);
        after.set(command.asset, (after.get(command.asset) ?? 0n) + command.amountMinor);
        let equivalent = 0n;
        for (const [asset, amount] of after) equivalent += this.valuation.valueMinor(asset, amount);
        if (equivalent > this.paperCapGbpMinor) return "paper_deposit_limit_exceeded";
        this.paperToday.set(command.asset, after.get(command.asset) ?? 0n);
        this.move("paper", "available", command.asset, command.amountMinor);
        return "ok";
      }
      case "ops_deposit":
        this.move("live", "available", command.asset, command.amountMinor);
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
        if (hold?.kind !== kind) return "hold_not_found";
        if (hold.status !== "open") return "hold_closed";
        if (command.kind === "withdrawal_settle") {
          if ((command.feeMinor ?? 0n) > hold.remaining) return "invalid_request";
          this.move(hold.book, "locked", hold.asset, -hold.remaining);
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
        const fee =
          command.fee && (command.fee.amountMinor > 0n || (command.fee.discountMinor ?? 0n) > 0n)
            ? command.fee
            : null;
        if (fee && fee.asset !== hold.asset && fee.asset !== command.received.asset) return "invalid_request";
        const fromHold = fee && fee.asset === hold.asset ? fee.amountMinor : 0n;
        const fromReceived = fee && fee.asset === command.received.asset ? fee.amountMinor : 0n;
        if (command.spentMinor + fromHold > hold.remaining) return "hold_exceeded";
        if (fromReceived > command.received.amountMinor) return "invalid_request";
        this.move(hold.book, "locked", hold.asset, -(command.spentMinor + fromHold));
        this.move(
          hold.book,
          this.sourceName(hold.source),
          command.received.asset,
          command.received.amountMinor - fromReceived,
        );
        hold.remaining -= command.spentMinor + fromHold;
        if (hold.remaining === 0n) hold.status = "settled";
        return "ok";
      }
      case "plan_charge":
        if (this.get("live", "available", command.asset) < command.amountMinor) return "insufficient_funds";
        this.move("live", "available", command.asset, -command.amountMinor);
        return "ok";
      case "referral_reward":
        this.move(command.book, "available", command.asset, command.amountMinor);
        return "ok";
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
const book = fc.constantFrom<Book>("live", "paper");
const amount = fc.bigInt({ min: 1n, max: 5_000n });
const botId = fc.constantFrom("b1", "b2");
const weighted = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });

/** Commands for one user; the caller sets the idempotency key. Hold ids are drawn from `holdIds`. */
export function commandArbitrary(
  userId: string,
  holdIds: { order: readonly string[]; withdrawal: readonly string[] } = {
    order: ["h1", "h2", "h3", "w1"],
    withdrawal: ["w1", "w2", "h1"],
  },
): fc.Arbitrary<LedgerCommand> {
  const base = { userId, idempotencyKey: "unset" };
  const orderHoldId = fc.constantFrom(...holdIds.order);
  const withdrawalHoldId = fc.constantFrom(...holdIds.withdrawal);
  return fc.oneof(
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
      fc
        .record({ holdId: orderHoldId })
        .map((c): LedgerCommand => ({ ...base, kind: "order_release", ...c })),
    ),
    weighted(
      6,
      fc
        .record({
          holdId: orderHoldId,
          venue: fc.constantFrom<Venue>("binance", "simulated"),
          spentMinor: fc.bigInt({ min: 1n, max: 1_000n }),
          received: fc.record({ asset, amountMinor: amount }),
          fee: fc.option(
            fc.record(
              {
                asset,
                amountMinor: fc.bigInt({ min: 0n, max: 50n }),
                discountMinor: fc.bigInt({ min: 0n, max: 20n }),
              },
              { requiredKeys: ["asset", "amountMinor"] },
            ),
            { nil: null },
          ),
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
    weighted(
      1,
      fc
        .record({ asset, amountMinor: amount })
        .map((c): LedgerCommand => ({ ...base, kind: "plan_charge", reference: "plan:pro:0", ...c })),
    ),
    weighted(
      1,
      fc
        .record({ book, asset, amountMinor: amount })
        .map((c): LedgerCommand => ({ ...base, kind: "referral_reward", reference: "trade-2", ...c })),
    ),
  );
}
