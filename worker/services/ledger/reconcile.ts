import type { Client, InStatement } from "../../../db/client.ts";
import { verifyAuditChain } from "../audit/append.ts";
import { MARKET_SYMBOLS, MARKETS } from "../markets/symbols.ts";
import { systemAccounts, type Venue } from "./accounts.ts";
import { formatAmount } from "./amount.ts";
import { ASSET_CODES, type AssetCode, isAssetCode } from "./assets.ts";
import { ENTRY_TYPE_BOOKS, ENTRY_TYPES } from "./commands.ts";
import type { HoldKind } from "./movements.ts";
import { toBigInt } from "./store.ts";

/**
 * Proves the ledger right, or says where it is wrong. Every check is an aggregate over the
 * whole journal run inside ONE read transaction (a consistent snapshot while movements keep
 * committing), and names at most a few offenders. The audit chain is walked afterwards in
 * bounded pages; it is append-only, so a later view of it is just as consistent.
 *
 * Sums that could in theory exceed 64 bits (a fold over millions of postings) are taken as two
 * partial sums, of the quotient and the remainder by 1e9, and recombined as bigint — exact,
 * and SQLite never reports "integer overflow" halfway through a check.
 *
 * The same snapshot proves the money flows (orders, withdrawals) against the ledger: every
 * open hold belongs to exactly one live flow of its user, no finished flow still holds money,
 * and no step recorded before a ledger call has been left in flight (or halted) for long.
 *
 * Given the exchange account's balances (`exchangeBalances`, read by the caller just before:
 * the Reconciler when an exchange is configured), one more check compares, per asset the venue
 * trades, what the exchange holds with what the ledger says is held there — see
 * `EXCHANGE_CHECK` below.
 */

export interface ReconcileCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ReconcileReport {
  ok: boolean;
  checks: ReconcileCheck[];
}

const OFFENDERS_SHOWN = 5;
const SPLIT = 1_000_000_000n;
/** A step in flight longer than this was not resumed: its owner's alarm is not running. */
const DEFAULT_STUCK_AFTER_MS = 5 * 60_000;

/** The checks that read the flows' records as well as the ledger (see HOLD_OWNERS). */
export const FLOW_CHECKS = [
  "holds_owned",
  "finished_flows_released",
  "bot_allocations_owned",
  "no_stuck_steps",
  "referral_rewards_paid",
  "plan_charges_recorded",
] as const;

export function isFlowCheck(name: string): boolean {
  return (FLOW_CHECKS as readonly string[]).includes(name);
}

interface HoldOwner {
  /** The flow's table: it has user_id, status, pending, updated_at_ms and halted. */
  table: string;
  /** The column holding the hold's id (same user). */
  holdIdColumn: string;
  /** SQL over alias `f`: the row may still hold money. */
  live: string;
  /** SQL over alias `f`: the row is done and must have settled or released its hold. */
  finished: string;
}

/**
 * Which flow owns each kind of hold, and when that flow is live or finished. A new kind of hold
 * (bots) is one more entry here; until it exists, an open hold of any other kind is an offender.
 */
const HOLD_OWNERS = {
  order: {
    table: "orders",
    holdIdColumn: "id",
    live: "f.status IN ('open', 'partially_filled') OR f.pending IS NOT NULL",
    finished: "f.status IN ('filled', 'cancelled', 'rejected') AND f.pending IS NULL",
  },
  withdrawal: {
    table: "withdrawals",
    holdIdColumn: "hold_id",
    live: "f.status IN ('held', 'approved', 'processing') OR f.pending IS NOT NULL",
    finished: "f.status IN ('completed', 'rejected', 'cancelled', 'failed') AND f.pending IS NULL",
  },
} as const satisfies Record<HoldKind, HoldOwner>;

const OWNER_KINDS = Object.keys(HOLD_OWNERS) as (keyof typeof HOLD_OWNERS)[];
/** Flows that record steps but own no holds (a bot moves money through its allocation). */
const STEP_ONLY_FLOWS = ["bot"] as const;
const ownedKinds = OWNER_KINDS.map((kind) => `'${kind}'`).join(", ");

const APPEND_ONLY_TRIGGERS = [
  "ledger_entries_no_update",
  "ledger_entries_no_delete",
  "ledger_postings_no_update",
  "ledger_postings_no_delete",
  "ledger_postings_belong_to_entry",
  "ledger_holds_resolve_once",
  "ledger_holds_no_delete",
] as const;

function splitSum(expression: string, alias: string): string {
  return `SUM(${expression} / ${SPLIT}) AS ${alias}_high, SUM(${expression} % ${SPLIT}) AS ${alias}_low`;
}

function joinSplit(row: Record<string, unknown>, alias: string): bigint {
  return toBigInt(row[`${alias}_high`] ?? 0n) * SPLIT + toBigInt(row[`${alias}_low`] ?? 0n);
}

const allowedBooks = ENTRY_TYPES.map(
  (type) =>
    `(type = '${type}' AND book NOT IN (${ENTRY_TYPE_BOOKS[type].map((book) => `'${book}'`).join(", ")}))`,
).join(" OR ");
const knownTypes = ENTRY_TYPES.map((type) => `'${type}'`).join(", ");

const QUERIES = {
  counts: `SELECT (SELECT COUNT(*) FROM ledger_entries) AS entries, (SELECT COUNT(*) FROM ledger_postings) AS postings,
             (SELECT COUNT(*) FROM ledger_balances) AS balances, (SELECT COUNT(*) FROM ledger_holds) AS holds`,
  unbalanced: `SELECT entry_id, asset, SUM(amount) AS total FROM ledger_postings
               GROUP BY entry_id, asset HAVING SUM(amount) != 0 LIMIT ${OFFENDERS_SHOWN}`,
  withoutPostings: `SELECT e.id FROM ledger_entries e
                    WHERE NOT EXISTS (SELECT 1 FROM ledger_postings p WHERE p.entry_id = e.id) LIMIT ${OFFENDERS_SHOWN}`,
  orphanPostings: `SELECT p.entry_id FROM ledger_postings p
                   WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.id = p.entry_id) LIMIT ${OFFENDERS_SHOWN}`,
  crossBook: `SELECT p.entry_id, p.account FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
              WHERE p.book != e.book
                 OR NOT (p.account LIKE 'user:%:' || e.book || ':%' OR p.account LIKE 'system:' || e.book || ':%')
                 OR (p.account LIKE 'user:%' AND p.account NOT LIKE 'user:' || e.user_id || ':%')
              LIMIT ${OFFENDERS_SHOWN}`,
  typeBooks: `SELECT id, type, book FROM ledger_entries WHERE ${allowedBooks} OR type NOT IN (${knownTypes})
              LIMIT ${OFFENDERS_SHOWN}`,
  balanceVsFold: `WITH folded AS (SELECT account, asset, ${splitSum("amount", "total")} FROM ledger_postings GROUP BY account, asset)
                  SELECT b.account, b.asset, b.balance, f.total_high, f.total_low
                  FROM ledger_balances b LEFT JOIN folded f ON f.account = b.account AND f.asset = b.asset
                  WHERE b.balance != COALESCE(f.total_high * ${SPLIT} + f.total_low, 0)
                     OR (f.total_high IS NULL AND b.balance != 0)
                  LIMIT ${OFFENDERS_SHOWN}`,
  foldWithoutBalance: `SELECT p.account, p.asset, ${splitSum("p.amount", "total")} FROM ledger_postings p
                       WHERE NOT EXISTS (SELECT 1 FROM ledger_balances b WHERE b.account = p.account AND b.asset = p.asset)
                       GROUP BY p.account, p.asset LIMIT ${OFFENDERS_SHOWN}`,
  negativeUsers: `SELECT account, asset, balance FROM ledger_balances
                  WHERE (user_id IS NOT NULL OR account LIKE 'user:%') AND balance < 0 LIMIT ${OFFENDERS_SHOWN}`,
  sumsPerAsset: `SELECT book, asset, ${splitSum("balance", "total")}, COUNT(*) AS accounts
                 FROM ledger_balances GROUP BY book, asset ORDER BY book, asset`,
  holdShape: `SELECT user_id, id, amount, remaining, status FROM ledger_holds
              WHERE remaining < 0 OR remaining > amount OR (status = 'open') != (remaining > 0)
                 OR status NOT IN ('open', 'settled', 'released')
              LIMIT ${OFFENDERS_SHOWN}`,
  holdFold: `SELECT * FROM (
               SELECT h.user_id, h.id, h.remaining,
                 COALESCE((SELECT SUM(p.amount) FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id
                           WHERE e.user_id = h.user_id AND e.hold_id = h.id AND p.asset = h.asset
                             AND p.account = 'user:' || h.user_id || ':' || h.book || ':locked'), 0) AS folded
               FROM ledger_holds h)
             WHERE folded != remaining LIMIT ${OFFENDERS_SHOWN}`,
  holdResolvedTwice: `SELECT user_id, hold_id, COUNT(*) AS resolutions FROM ledger_entries
                      WHERE hold_id IS NOT NULL AND type IN ('order_release', 'withdrawal_release', 'withdrawal_settle')
                      GROUP BY user_id, hold_id HAVING COUNT(*) > 1 LIMIT ${OFFENDERS_SHOWN}`,
  holdAfterResolution: `SELECT e.user_id, e.hold_id, e.id FROM ledger_entries e
                        JOIN ledger_entries r ON r.user_id = e.user_id AND r.hold_id = e.hold_id
                          AND r.type IN ('order_release', 'withdrawal_release', 'withdrawal_settle')
                        WHERE e.sequence > r.sequence LIMIT ${OFFENDERS_SHOWN}`,
  entriesForMissingHold: `SELECT e.id, e.hold_id FROM ledger_entries e
                          WHERE e.hold_id IS NOT NULL
                            AND NOT EXISTS (SELECT 1 FROM ledger_holds h WHERE h.user_id = e.user_id AND h.id = e.hold_id)
                          LIMIT ${OFFENDERS_SHOWN}`,
  lockedVsHolds: `WITH held AS (SELECT user_id, book, asset, SUM(remaining) AS total FROM ledger_holds
                                WHERE status = 'open' GROUP BY user_id, book, asset),
                       locked AS (SELECT user_id, book, asset, balance FROM ledger_balances
                                  WHERE account = 'user:' || user_id || ':' || book || ':locked')
                  SELECT l.user_id, l.book, l.asset, l.balance, COALESCE(h.total, 0) AS held FROM locked l
                  LEFT JOIN held h ON h.user_id = l.user_id AND h.book = l.book AND h.asset = l.asset
                  WHERE l.balance != COALESCE(h.total, 0)
                  UNION ALL
                  SELECT h.user_id, h.book, h.asset, 0, h.total FROM held h
                  WHERE NOT EXISTS (SELECT 1 FROM locked l WHERE l.user_id = h.user_id AND l.book = h.book AND l.asset = h.asset)
                  LIMIT ${OFFENDERS_SHOWN}`,
  flowCounts: `SELECT (SELECT COUNT(*) FROM ledger_holds WHERE status = 'open') AS open_holds, ${OWNER_KINDS.map(
    (kind) =>
      `(SELECT COUNT(*) FROM ${HOLD_OWNERS[kind].table}) AS ${kind}_flows,
       (SELECT COUNT(*) FROM ${HOLD_OWNERS[kind].table} WHERE pending IS NOT NULL) AS ${kind}_pending`,
  ).join(", ")}`,
  // One row per open hold without exactly one live owner: none, a finished one, or several.
  holdsWithoutLiveOwner: `${OWNER_KINDS.map((kind) => {
    const owner = HOLD_OWNERS[kind];
    return `SELECT * FROM (
              SELECT h.user_id, h.id, h.kind, COUNT(f.id) AS owners,
                COALESCE(SUM(CASE WHEN (${owner.live}) THEN 1 ELSE 0 END), 0) AS live_owners,
                group_concat(f.id || ' ' || f.status || CASE WHEN f.pending IS NULL THEN '' ELSE ' (step pending)' END, ', ') AS described
              FROM ledger_holds h LEFT JOIN ${owner.table} f ON f.user_id = h.user_id AND f.${owner.holdIdColumn} = h.id
              WHERE h.status = 'open' AND h.kind = '${kind}'
              GROUP BY h.user_id, h.id, h.kind)
            WHERE owners != 1 OR live_owners != 1`;
  }).join(" UNION ALL ")}
    UNION ALL
    SELECT user_id, id, kind, 0, 0, NULL FROM ledger_holds WHERE status = 'open' AND kind NOT IN (${ownedKinds})
    LIMIT ${OFFENDERS_SHOWN}`,
  finishedWithOpenHold: `${OWNER_KINDS.map((kind) => {
    const owner = HOLD_OWNERS[kind];
    return `SELECT '${kind}' AS flow, f.user_id, f.id, f.status, h.id AS hold_id, h.asset, h.remaining
            FROM ${owner.table} f
            JOIN ledger_holds h ON h.user_id = f.user_id AND h.id = f.${owner.holdIdColumn} AND h.kind = '${kind}'
            WHERE h.status = 'open' AND (${owner.finished})`;
  }).join(" UNION ALL ")}
    LIMIT ${OFFENDERS_SHOWN}`,
  // A bot's allocation holds money only while the bot runs, is paused, or has a step in flight
  // (a stop returning it); an allocation of a bot that does not exist is money nobody owns.
  botAllocations: `SELECT b.user_id, b.account, b.asset, b.balance, bt.id AS bot_id, bt.status
                   FROM ledger_balances b
                   LEFT JOIN bots bt ON bt.user_id = b.user_id
                     AND b.account = 'user:' || bt.user_id || ':' || bt.mode || ':bot:' || bt.id
                   WHERE b.account LIKE 'user:%:bot:%' AND b.balance != 0
                     AND (bt.id IS NULL OR (bt.status NOT IN ('running', 'paused') AND bt.pending IS NULL))
                   LIMIT ${OFFENDERS_SHOWN}`,
  botAllocationCount: `SELECT COUNT(*) AS n FROM ledger_balances WHERE account LIKE 'user:%:bot:%' AND balance != 0`,
  // Halted rows first: they never resume by themselves. One `?` per table: the cut-off time.
  stuckSteps: `SELECT * FROM (${[...OWNER_KINDS, ...STEP_ONLY_FLOWS]
    .map(
      (kind) =>
        `SELECT '${kind}' AS flow, user_id, id, updated_at_ms, halted, halted IS NOT NULL AS is_halted,
         CASE WHEN json_valid(pending) THEN json_extract(pending, '$.stage') END AS stage,
         substr(pending, 1, 40) AS pending_start
       FROM ${kind === "bot" ? "bots" : HOLD_OWNERS[kind as keyof typeof HOLD_OWNERS].table}
       WHERE halted IS NOT NULL OR (pending IS NOT NULL AND updated_at_ms < ?)`,
    )
    .join(" UNION ALL ")})
    ORDER BY is_halted DESC, updated_at_ms LIMIT ${OFFENDERS_SHOWN}`,
  // Referral rewards (worker/services/monetisation/referrals.ts): what the expense account paid
  // equals what the reward rows say was paid, each paid row has its entry in its referrer's
  // ledger, and nothing waits unpaid past the cut-off (`?`).
  rewardsVsExpense: `WITH paid AS (SELECT book, asset, ${splitSum("reward", "total")} FROM referral_rewards
                                   WHERE status = 'paid' GROUP BY book, asset),
                          expense AS (SELECT book, asset, balance FROM ledger_balances
                                      WHERE account = 'system:' || book || ':referral_expense')
                     SELECT p.book, p.asset, p.total_high, p.total_low, COALESCE(x.balance, 0) AS balance FROM paid p
                     LEFT JOIN expense x ON x.book = p.book AND x.asset = p.asset
                     WHERE COALESCE(x.balance, 0) != -(p.total_high * ${SPLIT} + p.total_low)
                     UNION ALL
                     SELECT x.book, x.asset, 0, 0, x.balance FROM expense x
                     WHERE x.balance != 0 AND NOT EXISTS (SELECT 1 FROM paid p WHERE p.book = x.book AND p.asset = x.asset)
                     LIMIT ${OFFENDERS_SHOWN}`,
  rewardEntries: `SELECT r.id, r.referrer_id, r.entry_id FROM referral_rewards r
                  LEFT JOIN ledger_entries e ON e.id = r.entry_id
                  WHERE r.status = 'paid' AND (e.id IS NULL OR e.type != 'referral_reward' OR e.user_id != r.referrer_id
                        OR e.book != r.book OR e.reference != r.id)
                  LIMIT ${OFFENDERS_SHOWN}`,
  rewardCounts: `SELECT COUNT(*) AS rewards, COALESCE(SUM(status = 'pending'), 0) AS pending FROM referral_rewards`,
  stuckRewards: `SELECT id, referee_id, referrer_id, attempts, created_at_ms FROM referral_rewards
                 WHERE status = 'pending' AND created_at_ms < ? ORDER BY created_at_ms LIMIT ${OFFENDERS_SHOWN}`,
  // Bot plans: plan revenue equals the charges the plan changes record, each with its entry.
  planVsRevenue: `SELECT c.*, (SELECT COALESCE(SUM(balance), 0) FROM ledger_balances
                                 WHERE account = 'system:live:plan_revenue' AND asset = 'GBP') AS revenue
                  FROM (SELECT ${splitSum("amount", "charged")}, COUNT(*) AS charges FROM plan_changes
                        WHERE status = 'done' AND amount > 0) c`,
  planEntries: `SELECT c.id, c.user_id, c.entry_id FROM plan_changes c LEFT JOIN ledger_entries e ON e.id = c.entry_id
                WHERE c.status = 'done' AND c.amount > 0
                  AND (e.id IS NULL OR e.type != 'plan_charge' OR e.user_id != c.user_id)
                LIMIT ${OFFENDERS_SHOWN}`,
  stuckPlanChanges: `SELECT id, user_id, kind, updated_at_ms FROM plan_changes
                     WHERE status = 'pending' AND updated_at_ms < ? ORDER BY updated_at_ms LIMIT ${OFFENDERS_SHOWN}`,
  triggers: `SELECT name FROM sqlite_master WHERE type = 'trigger' AND name IN (${APPEND_ONLY_TRIGGERS.map((name) => `'${name}'`).join(", ")})`,
} as const;

type QueryName = keyof typeof QUERIES;

/**
 * The exchange account's balances, as its API answered them just before the check (free plus
 * locked, minor units rounded down), or why they could not be read.
 */
export interface ExchangeBalances {
  venue: Venue;
  balances: Partial<Record<AssetCode, bigint>> | null;
  error?: string | undefined;
}

interface ReconcileOptions {
  auditPageSize?: number;
  /** The time the report is taken at (Unix ms); tests pass their own. */
  nowMs?: number;
  /** A step pending longer than this is stuck. */
  stuckAfterMs?: number;
  /** Adds the `exchange_holds_users_funds` check (absent: the check is not run). */
  exchangeBalances?: ExchangeBalances | undefined;
  /** Differences up to this many minor units per asset are dust (default VENUE_DUST_MINOR). */
  venueDustMinor?: Partial<Record<AssetCode, bigint>> | undefined;
}

/**
 * EXCHANGE_CHECK. Every LIVE position of the venue's assets is held at the exchange (one
 * omnibus account), so per asset:
 *
 *   expected = users' live balances (available + locked + bot allocations)
 *            + the platform's own live balances (fee revenue and discounts, referral expense,
 *              plan revenue)
 *            - the exchange commissions the platform paid (orders.venue_commission)
 *   exchange - expected  >= -dust                       ok (listed as dust when within +-dust)
 *                        >  dust                        ok, listed as surplus: money at the
 *                                                       exchange the ledger does not carry (the
 *                                                       account's own float, a deposit not yet
 *                                                       credited)
 *                        <  -dust, within open holds    ok, listed as in flight: an open LIVE
 *                                                       order's fills may be executed but not
 *                                                       yet settled (at most one poll interval)
 *                        otherwise                      FAIL: the exchange holds less than the
 *                                                       ledger owes
 *
 * Dust: commissions are recorded rounded up and a fill's quote is rounded against the user,
 * both leaving the exchange with more; only the balances, read rounded down to our scales, can
 * show it less, by under one minor unit. A shortfall beyond the dust is never rounding.
 */
const EXCHANGE_CHECK = "exchange_holds_users_funds";
export const VENUE_DUST_MINOR: Readonly<Record<AssetCode, bigint>> = {
  GBP: 1n,
  USDT: 100n,
  BTC: 100n,
  ETH: 100n,
  SOL: 100n,
};

/** Assets of the pairs a venue lists: the ones whose LIVE balances are held at the exchange. */
function venueAssets(): AssetCode[] {
  const assets = new Set<AssetCode>();
  for (const symbol of MARKET_SYMBOLS) {
    const market = MARKETS[symbol];
    if (!market.liveTradable) continue;
    assets.add(market.base);
    assets.add(market.quote);
  }
  return ASSET_CODES.filter((asset) => assets.has(asset));
}

function exchangeQueries(venue: Venue): InStatement[] {
  const own = [
    systemAccounts.feeRevenue("live"),
    systemAccounts.feeDiscounts("live"),
    systemAccounts.referralExpense("live"),
    systemAccounts.planRevenue,
  ];
  return [
    `SELECT asset, ${splitSum("balance", "total")} FROM ledger_balances
     WHERE book = 'live' AND account LIKE 'user:%' GROUP BY asset`,
    {
      sql: `SELECT asset, ${splitSum("balance", "total")} FROM ledger_balances
            WHERE account IN (${own.map(() => "?").join(", ")}) GROUP BY asset`,
      args: own,
    },
    {
      sql: `SELECT venue_commission_asset AS asset, ${splitSum("venue_commission", "total")} FROM orders
            WHERE venue = ? AND venue_commission_asset IS NOT NULL GROUP BY venue_commission_asset`,
      args: [venue],
    },
    {
      sql: `SELECT h.asset, ${splitSum("h.remaining", "total")}, COUNT(*) AS orders FROM ledger_holds h
            JOIN orders o ON o.user_id = h.user_id AND o.id = h.id
            WHERE h.status = 'open' AND h.kind = 'order' AND h.book = 'live' AND o.venue = ?
            GROUP BY h.asset`,
      args: [venue],
    },
  ];
}

function exchangeCheck(
  input: ExchangeBalances,
  rows: Record<string, unknown>[][],
  dustMinor: Partial<Record<AssetCode, bigint>>,
): ReconcileCheck {
  const name = EXCHANGE_CHECK;
  if (input.balances === null) {
    return {
      name,
      ok: false,
      detail: `could not read the ${input.venue} account: ${(input.error ?? "no answer").slice(0, 200)}`,
    };
  }
  const byAsset = (index: number) => {
    const totals = new Map<AssetCode, bigint>();
    for (const row of rows[index] ?? []) {
      if (isAssetCode(row.asset)) totals.set(row.asset, joinSplit(row, "total"));
    }
    return totals;
  };
  const users = byAsset(0);
  const platform = byAsset(1);
  const commissions = byAsset(2);
  const inFlight = byAsset(3);
  const failures: string[] = [];
  const lines: string[] = [];
  for (const asset of venueAssets()) {
    const exchange = input.balances[asset] ?? 0n;
    const userTotal = users.get(asset) ?? 0n;
    const platformTotal = platform.get(asset) ?? 0n;
    const commission = commissions.get(asset) ?? 0n;
    const expected = userTotal + platformTotal - commission;
    const difference = exchange - expected;
    const dust = dustMinor[asset] ?? VENUE_DUST_MINOR[asset];
    const held = inFlight.get(asset) ?? 0n;
    const show = (minor: bigint) => formatAmount(asset, minor);
    const sums = `exchange ${show(exchange)}, ledger ${show(expected)} (users ${show(userTotal)}, platform ${show(platformTotal)}, commissions paid ${show(commission)})`;
    if (difference >= -dust && difference <= dust) {
      lines.push(`${asset}: ${sums}; ${difference === 0n ? "equal" : `dust ${show(difference)}`}`);
    } else if (difference > dust) {
      lines.push(
        `${asset}: ${sums}; surplus ${show(difference)} (not in the ledger: the account's own float)`,
      );
    } else if (-difference <= dust + held) {
      lines.push(
        `${asset}: ${sums}; short ${show(-difference)}, within ${show(held)} held by open LIVE orders (fills in flight)`,
      );
    } else {
      failures.push(`${asset}: ${sums}; the exchange holds ${show(-difference)} less than the ledger owes`);
    }
  }
  if (failures.length > 0) return { name, ok: false, detail: failures.join("; ") };
  return { name, ok: true, detail: `${input.venue} account per asset: ${lines.join("; ")}` };
}

export async function reconcileLedger(
  client: Client,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const nowMs = options.nowMs ?? Date.now();
  const stuckAfterMs = options.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS;
  const stuckBeforeMs = BigInt(nowMs - stuckAfterMs);
  const names = Object.keys(QUERIES) as QueryName[];
  const statements: InStatement[] = names.map((name) => {
    if (name === "stuckSteps") {
      return { sql: QUERIES[name], args: [...OWNER_KINDS, ...STEP_ONLY_FLOWS].map(() => stuckBeforeMs) };
    }
    if (name === "stuckRewards" || name === "stuckPlanChanges")
      return { sql: QUERIES[name], args: [stuckBeforeMs] };
    return QUERIES[name];
  });
  // The exchange check's sums come from the same snapshot as every other check.
  const exchangeInput = options.exchangeBalances;
  if (exchangeInput) statements.push(...exchangeQueries(exchangeInput.venue));
  const results = await client.batch(statements, "read");
  const rows = (name: QueryName) =>
    (results[names.indexOf(name)]?.rows ?? []) as unknown as Record<string, unknown>[];
  const checks: ReconcileCheck[] = [];
  const add = (name: string, offenders: string[], okDetail: string) =>
    checks.push({
      name,
      ok: offenders.length === 0,
      detail: offenders.length === 0 ? okDetail : offenders.slice(0, OFFENDERS_SHOWN).join("; "),
    });

  const counts = rows("counts")[0] ?? {};
  const entries = Number(counts.entries ?? 0);
  const postings = Number(counts.postings ?? 0);
  const balances = Number(counts.balances ?? 0);
  const holds = Number(counts.holds ?? 0);

  add(
    "entries_balance",
    [
      ...rows("unbalanced").map((row) => `entry ${row.entry_id}: ${row.asset} postings sum to ${row.total}`),
      ...rows("withoutPostings").map((row) => `entry ${row.id} has no postings`),
      ...rows("orphanPostings").map((row) => `postings of missing entry ${row.entry_id}`),
    ],
    `${entries} entries with ${postings} postings, each summing to zero per asset`,
  );
  add(
    "books_never_mix",
    [
      ...rows("crossBook").map(
        (row) => `entry ${row.entry_id} posts to ${row.account} outside its book or user`,
      ),
      ...rows("typeBooks").map((row) => `entry ${row.id} of type ${row.type} in the ${row.book} book`),
    ],
    "every posting is in its entry's book and user; live-only and paper-only types stay in their book",
  );
  add(
    "balances_match_journal",
    [
      ...rows("balanceVsFold").map(
        (row) =>
          `${row.account} ${row.asset}: stored ${row.balance}, postings fold to ${row.total_high === null ? 0n : joinSplit(row, "total")}`,
      ),
      ...rows("foldWithoutBalance").map(
        (row) =>
          `${row.account} ${row.asset}: postings fold to ${joinSplit(row, "total")} but no balance is stored`,
      ),
    ],
    `${balances} stored balances equal the fold of their postings`,
  );
  add(
    "user_balances_non_negative",
    rows("negativeUsers").map((row) => `${row.account} ${row.asset} is ${row.balance}`),
    "no user account is negative",
  );
  const sums = rows("sumsPerAsset");
  add(
    "accounts_sum_to_zero",
    sums
      .filter((row) => joinSplit(row, "total") !== 0n)
      .map((row) => `${row.book} ${row.asset}: accounts sum to ${joinSplit(row, "total")}`),
    sums.length === 0
      ? "no balances yet"
      : `per book and asset, system and user accounts sum to zero (${sums.map((row) => `${row.book} ${row.asset}`).join(", ")})`,
  );
  add(
    "holds_consistent",
    [
      ...rows("holdShape").map(
        (row) =>
          `hold ${row.user_id}/${row.id}: ${row.status} with ${row.remaining} of ${row.amount} remaining`,
      ),
      ...rows("holdFold").map(
        (row) =>
          `hold ${row.user_id}/${row.id}: remaining ${row.remaining}, its entries leave ${row.folded} locked`,
      ),
      ...rows("holdResolvedTwice").map(
        (row) => `hold ${row.user_id}/${row.hold_id} resolved ${row.resolutions} times`,
      ),
      ...rows("holdAfterResolution").map(
        (row) => `hold ${row.user_id}/${row.hold_id} moved again by entry ${row.id} after it was resolved`,
      ),
      ...rows("entriesForMissingHold").map((row) => `entry ${row.id} refers to missing hold ${row.hold_id}`),
      ...rows("lockedVsHolds").map(
        (row) => `${row.user_id} ${row.book} ${row.asset}: locked ${row.balance}, open holds ${row.held}`,
      ),
    ],
    `${holds} holds: each resolved at most once, remaining equals what its entries locked, locked balances equal open holds`,
  );
  const presentTriggers = new Set(rows("triggers").map((row) => String(row.name)));
  add(
    "journal_append_only",
    APPEND_ONLY_TRIGGERS.filter((name) => !presentTriggers.has(name)).map(
      (name) => `trigger ${name} is missing`,
    ),
    "entries and postings refuse UPDATE and DELETE; resolved holds refuse changes",
  );

  const flowCounts = rows("flowCounts")[0] ?? {};
  const flowsDescribed = OWNER_KINDS.map(
    (kind) => `${Number(flowCounts[`${kind}_flows`] ?? 0)} ${kind}s`,
  ).join(" and ");
  const pendingSteps = OWNER_KINDS.reduce(
    (total, kind) => total + Number(flowCounts[`${kind}_pending`] ?? 0),
    0,
  );
  add(
    "holds_owned",
    rows("holdsWithoutLiveOwner").map((row) => {
      const hold = `open ${row.kind} hold ${row.user_id}/${row.id}`;
      if (!Object.hasOwn(HOLD_OWNERS, String(row.kind))) return `${hold}: no flow owns holds of this kind`;
      const owners = Number(row.owners);
      if (owners === 0) return `${hold} has no ${row.kind} of that user`;
      if (owners > 1) return `${hold} is claimed by ${owners} ${row.kind}s (${row.described})`;
      return `${hold} belongs to ${row.kind} ${row.described}, which is finished`;
    }),
    `${Number(flowCounts.open_holds ?? 0)} open holds, each owned by exactly one live ${OWNER_KINDS.join(" or ")}`,
  );
  add(
    "finished_flows_released",
    rows("finishedWithOpenHold").map(
      (row) =>
        `${row.flow} ${row.user_id}/${row.id} is ${row.status} but its hold ${row.hold_id} is open with ${toBigInt(row.remaining)} ${row.asset} minor units`,
    ),
    `${flowsDescribed}: none finished still holds money`,
  );
  add(
    "bot_allocations_owned",
    rows("botAllocations").map((row) =>
      row.bot_id === null
        ? `${row.account} holds ${toBigInt(row.balance)} ${row.asset} minor units but no such bot exists`
        : `bot ${row.user_id}/${row.bot_id} is ${row.status} but its allocation holds ${toBigInt(row.balance)} ${row.asset} minor units`,
    ),
    `${Number(rows("botAllocationCount")[0]?.n ?? 0)} non-zero bot allocations, each of a running or paused bot or one being stopped`,
  );
  add(
    "no_stuck_steps",
    rows("stuckSteps").map((row) => {
      const flow = `${row.flow} ${row.user_id}/${row.id}`;
      if (row.halted !== null) return `${flow} halted: ${row.halted}`;
      const ageSeconds = (BigInt(nowMs) - toBigInt(row.updated_at_ms)) / 1_000n;
      const step = row.stage === null ? `'${row.pending_start}'` : `'${row.stage}'`;
      return `${flow}: step ${step} pending for ${ageSeconds} s`;
    }),
    `${pendingSteps} steps in flight, none older than ${stuckAfterMs / 1000} s; nothing halted`,
  );

  const rewardCounts = rows("rewardCounts")[0] ?? {};
  add(
    "referral_rewards_paid",
    [
      ...rows("rewardsVsExpense").map(
        (row) =>
          `${row.book} ${row.asset}: referral expense is ${toBigInt(row.balance)} but paid rewards total ${row.total_high === null ? 0n : joinSplit(row, "total")}`,
      ),
      ...rows("rewardEntries").map(
        (row) => `reward ${row.id} is marked paid to ${row.referrer_id} without its entry (${row.entry_id})`,
      ),
      ...rows("stuckRewards").map(
        (row) =>
          `reward ${row.id} to ${row.referrer_id} unpaid for ${(BigInt(nowMs) - toBigInt(row.created_at_ms)) / 1_000n} s (${row.attempts} attempts)`,
      ),
    ],
    `${Number(rewardCounts.rewards ?? 0)} referral rewards (${Number(rewardCounts.pending ?? 0)} being paid): the referral expense accounts paid exactly the paid ones, each with its entry`,
  );
  const plans = rows("planVsRevenue")[0] ?? {};
  const charged =
    plans.charged_high === null || plans.charged_high === undefined ? 0n : joinSplit(plans, "charged");
  add(
    "plan_charges_recorded",
    [
      ...(toBigInt(plans.revenue ?? 0) !== charged
        ? [
            `plan revenue is ${toBigInt(plans.revenue ?? 0)} GBP minor units but plan changes charged ${charged}`,
          ]
        : []),
      ...rows("planEntries").map(
        (row) => `plan change ${row.user_id}/${row.id} is done without its charge entry (${row.entry_id})`,
      ),
      ...rows("stuckPlanChanges").map(
        (row) =>
          `plan ${row.kind} ${row.user_id}/${row.id} in flight for ${(BigInt(nowMs) - toBigInt(row.updated_at_ms)) / 1_000n} s`,
      ),
    ],
    `${Number(plans.charges ?? 0)} plan charges, together equal to the plan revenue account; none in flight past the cut-off`,
  );

  if (exchangeInput) {
    const exchangeRows = results
      .slice(names.length)
      .map((result) => (result?.rows ?? []) as unknown as Record<string, unknown>[]);
    checks.push(exchangeCheck(exchangeInput, exchangeRows, options.venueDustMinor ?? {}));
  }

  try {
    const audit = await verifyAuditChain(client, options.auditPageSize);
    checks.push({
      name: "audit_chain_intact",
      ok: audit.ok,
      detail: audit.ok
        ? `${audit.rows} audit rows chain to head ${audit.head.slice(0, 16)}`
        : `chain breaks at sequence ${audit.firstBrokenSequence} after ${audit.rows} good rows`,
    });
  } catch (error) {
    checks.push({
      name: "audit_chain_intact",
      ok: false,
      detail: `could not read the audit log: ${(error as Error).message}`,
    });
  }

  return { ok: checks.every((check) => check.ok), checks };
}
