import type { Client, InStatement } from "../../../db/client.ts";
import { auditStatement, type ChainHead, GENESIS_HASH } from "../audit/append.ts";
import { type Book, isBook, parseAccount, userAccount } from "./accounts.ts";
import { formatAmount } from "./amount.ts";
import { type AssetCode, assert, isAssetCode } from "./assets.ts";
import type { EntryType } from "./commands.ts";
import {
  allWallets,
  emptyState,
  type HoldKind,
  type HoldState,
  type HoldStatus,
  type LedgerReceipt,
  type LedgerState,
  type Movement,
  type WalletView,
} from "./movements.ts";
import { balanceKey, netDeltas, type Posting } from "./postings.ts";

/**
 * The ledger's SQL: one read batch to load what a group of commands needs, one write batch to
 * commit their movements. Every INTEGER travels as bigint (the client runs with intMode
 * "bigint"; a JavaScript number would be bound as REAL).
 */

export type LedgerDatabase = Pick<Client, "batch">;

export interface StoredEntry {
  id: string;
  userId: string;
  requestHash: string;
  receipt: LedgerReceipt;
}

interface LoadRequest {
  userId: string;
  entryIds: readonly string[];
  holdIds: readonly string[];
  /** Start of the UTC day when a paper deposit is among the commands; null otherwise. */
  paperDaySinceMs: number | null;
  /** Whether an audited movement (ops deposit) is among the commands. */
  needsAuditHead: boolean;
}

interface Loaded {
  state: LedgerState;
  entries: Map<string, StoredEntry>;
  auditHead: ChainHead | null;
}

/** SQLite's bound-parameter limit is far above this; the group size keeps us well inside it. */
const MAX_IDS_PER_QUERY = 256;

export async function loadState(database: LedgerDatabase, request: LoadRequest): Promise<Loaded> {
  assert(request.entryIds.length <= MAX_IDS_PER_QUERY, "too many entry ids in one load");
  assert(request.holdIds.length <= MAX_IDS_PER_QUERY, "too many hold ids in one load");
  const statements: InStatement[] = [
    { sql: "SELECT account, asset, balance FROM ledger_balances WHERE user_id = ?", args: [request.userId] },
  ];
  const entriesAt = statements.length;
  if (request.entryIds.length > 0) {
    statements.push({
      sql: `SELECT id, user_id, request_hash, result FROM ledger_entries WHERE id IN (${placeholders(request.entryIds.length)})`,
      args: [...request.entryIds],
    });
  }
  const holdsAt = statements.length;
  if (request.holdIds.length > 0) {
    statements.push({
      sql: `SELECT id, book, asset, kind, source_account, amount, remaining, status FROM ledger_holds
            WHERE user_id = ? AND id IN (${placeholders(request.holdIds.length)})`,
      args: [request.userId, ...request.holdIds],
    });
  }
  const paperAt = statements.length;
  if (request.paperDaySinceMs !== null) {
    statements.push({
      sql: `SELECT p.asset AS asset, SUM(p.amount) AS total
            FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id
            WHERE e.user_id = ? AND e.type = 'paper_deposit' AND e.created_at_ms >= ? AND p.account LIKE 'user:%'
            GROUP BY p.asset`,
      args: [request.userId, BigInt(request.paperDaySinceMs)],
    });
  }
  const auditAt = statements.length;
  if (request.needsAuditHead) {
    statements.push("SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1");
  }

  const results = await database.batch(statements, "read");
  const state = emptyState(request.userId);
  for (const row of results[0]?.rows ?? []) {
    const asset = String(row.asset);
    assert(isAssetCode(asset), `stored balance in unknown asset ${asset}`);
    state.balances.set(balanceKey(String(row.account), asset), toBigInt(row.balance));
  }
  const entries = new Map<string, StoredEntry>();
  if (request.entryIds.length > 0) {
    for (const row of results[entriesAt]?.rows ?? []) {
      const id = String(row.id);
      entries.set(id, {
        id,
        userId: String(row.user_id),
        requestHash: String(row.request_hash),
        receipt: JSON.parse(String(row.result)) as LedgerReceipt,
      });
    }
  }
  if (request.holdIds.length > 0) {
    for (const row of results[holdsAt]?.rows ?? []) {
      const hold = holdFromRow(row);
      state.holds.set(hold.id, hold);
    }
  }
  if (request.paperDaySinceMs !== null) {
    const today = new Map<AssetCode, bigint>();
    for (const row of results[paperAt]?.rows ?? []) {
      const asset = String(row.asset);
      assert(isAssetCode(asset), `paper deposit in unknown asset ${asset}`);
      today.set(asset, toBigInt(row.total));
    }
    state.paperDepositedTodayMinor = today;
  }
  let auditHead: ChainHead | null = null;
  if (request.needsAuditHead) {
    const row = results[auditAt]?.rows[0];
    auditHead = row
      ? { sequence: Number(row.sequence), hash: String(row.hash) }
      : { sequence: 0, hash: GENESIS_HASH };
  }
  return { state, entries, auditHead };
}

function holdFromRow(row: Record<string, unknown>): HoldState {
  const book = String(row.book);
  const asset = String(row.asset);
  assert(isBook(book) && isAssetCode(asset), "malformed hold row");
  return {
    id: String(row.id),
    book,
    asset,
    kind: String(row.kind) as HoldKind,
    sourceAccount: String(row.source_account),
    amountMinor: toBigInt(row.amount),
    remainingMinor: toBigInt(row.remaining),
    status: String(row.status) as HoldStatus,
  };
}

/**
 * The write batch for a group of movements (one user's, planned in order): per movement its
 * entry, its postings, its hold change and its audit row; then every balance change of the
 * group as one upsert of net deltas. The batch is one transaction: all of it or none.
 */
export async function movementStatements(
  movements: readonly Movement[],
  auditHead: ChainHead | null,
): Promise<InStatement[]> {
  assert(movements.length > 0, "a write batch needs movements");
  const statements: InStatement[] = [];
  const allPostings: Posting[] = [];
  let head = auditHead;
  for (const movement of movements) {
    statements.push({
      sql: `INSERT INTO ledger_entries (id, user_id, book, type, reference, hold_id, request_hash, result, created_at_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      args: [
        movement.entryId,
        movement.userId,
        movement.book,
        movement.type,
        movement.reference,
        movement.holdId,
        movement.requestHash,
        JSON.stringify(movement.receipt),
        BigInt(movement.createdAtMs),
      ],
    });
    const args: (string | bigint)[] = [];
    movement.postings.forEach((posting, index) => {
      args.push(
        movement.entryId,
        BigInt(index),
        posting.account,
        movement.book,
        posting.asset,
        posting.amountMinor,
      );
    });
    statements.push({
      sql: `INSERT INTO ledger_postings (entry_id, posting_index, account, book, asset, amount)
            VALUES ${rows(movement.postings.length, 6)}`,
      args,
    });
    allPostings.push(...movement.postings);
    if (movement.holdCreate) {
      const hold = movement.holdCreate;
      statements.push({
        sql: `INSERT INTO ledger_holds (user_id, id, book, asset, kind, source_account, amount, remaining, status, created_entry_id, created_at_ms)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`,
        args: [
          movement.userId,
          hold.id,
          hold.book,
          hold.asset,
          hold.kind,
          hold.sourceAccount,
          hold.amountMinor,
          hold.remainingMinor,
          hold.createdEntryId,
          BigInt(movement.createdAtMs),
        ],
      });
    }
    if (movement.holdConsume) {
      // Relative update: even a stale planner cannot resolve a hold twice or below zero; the
      // CHECKs (remaining within amount, open iff remaining) and the resolve-once trigger refuse it.
      const consume = movement.holdConsume;
      statements.push({
        sql: `UPDATE ledger_holds SET remaining = remaining - ?, status = ?,
                resolved_at_ms = CASE WHEN ? = 'open' THEN NULL ELSE ? END
              WHERE user_id = ? AND id = ?`,
        args: [
          consume.amountMinor,
          consume.statusAfter,
          consume.statusAfter,
          BigInt(movement.createdAtMs),
          movement.userId,
          consume.holdId,
        ],
      });
    }
    if (movement.audit) {
      assert(head !== null, "an audited movement needs the audit chain head");
      const statement = await auditStatement(head, movement.audit);
      statements.push(statement);
      head = nextHead(head, statement);
    }
  }
  const deltas = [...netDeltas(allPostings).values()];
  if (deltas.length > 0) statements.push(...balanceStatements(deltas, movements.at(-1)?.createdAtMs ?? 0));
  return statements;
}

/**
 * Two statements, not one upsert: SQLite checks CHECK constraints on an upsert's candidate row
 * before it detects the conflict, so `INSERT … VALUES (…, -5) ON CONFLICT DO UPDATE` on a user
 * account fails "balance >= 0" even when the stored balance covers it. So: make sure every row
 * exists (at zero, which passes every CHECK; `DO NOTHING` only swallows the uniqueness conflict,
 * never a CHECK), then add all deltas in one UPDATE, whose CHECKs see the true new balances.
 */
function balanceStatements(
  deltas: readonly { account: string; asset: string; deltaMinor: bigint }[],
  nowMs: number,
): InStatement[] {
  const ensureArgs: (string | bigint | null)[] = [];
  const deltaArgs: (string | bigint)[] = [];
  for (const { account, asset, deltaMinor } of deltas) {
    const parsed = parseAccount(account);
    assert(parsed !== undefined, `malformed account ${account}`);
    ensureArgs.push(
      account,
      asset,
      parsed.owner === "user" ? parsed.userId : null,
      parsed.book,
      BigInt(nowMs),
    );
    deltaArgs.push(account, asset, deltaMinor);
  }
  return [
    {
      sql: `INSERT INTO ledger_balances (account, asset, user_id, book, balance, updated_at_ms)
            VALUES ${Array.from({ length: deltas.length }, () => "(?, ?, ?, ?, 0, ?)").join(", ")}
            ON CONFLICT (account, asset) DO NOTHING`,
      args: ensureArgs,
    },
    {
      sql: `WITH delta(account, asset, amount) AS (VALUES ${rows(deltas.length, 3)})
            UPDATE ledger_balances
            SET balance = balance + (SELECT amount FROM delta
                                     WHERE delta.account = ledger_balances.account AND delta.asset = ledger_balances.asset),
                updated_at_ms = ?
            WHERE (account, asset) IN (SELECT account, asset FROM delta)`,
      args: [...deltaArgs, BigInt(nowMs)],
    },
  ];
}

/** The chain head after `statement` (the audit INSERT's sequence and hash arguments). */
function nextHead(head: ChainHead, statement: InStatement): ChainHead {
  assert(typeof statement === "object" && Array.isArray(statement.args), "audit statement shape");
  const hash = statement.args[10];
  assert(typeof hash === "string" && hash.length === 64, "audit statement carries its hash");
  return { sequence: head.sequence + 1, hash };
}

// ------------------------------------------------------------------------------------------
// Reads for the API

export async function readWallets(database: LedgerDatabase, userId: string): Promise<WalletView[]> {
  const [result] = await database.batch(
    [{ sql: "SELECT account, asset, balance FROM ledger_balances WHERE user_id = ?", args: [userId] }],
    "read",
  );
  const state = emptyState(userId);
  for (const row of result?.rows ?? []) {
    const asset = String(row.asset);
    if (isAssetCode(asset)) state.balances.set(balanceKey(String(row.account), asset), toBigInt(row.balance));
  }
  return allWallets(state);
}

/** One bot's allocation account in one book: every asset it holds, in minor units. */
export async function readBotBalances(
  database: LedgerDatabase,
  userId: string,
  book: Book,
  botId: string,
): Promise<Partial<Record<AssetCode, bigint>>> {
  const account = userAccount(userId, book, { botId });
  const [result] = await database.batch(
    [
      {
        sql: "SELECT asset, balance FROM ledger_balances WHERE user_id = ? AND account = ?",
        args: [userId, account],
      },
    ],
    "read",
  );
  const balances: Partial<Record<AssetCode, bigint>> = {};
  for (const row of result?.rows ?? []) {
    const asset = String(row.asset);
    if (isAssetCode(asset)) balances[asset] = toBigInt(row.balance);
  }
  return balances;
}

export interface EntryQuery {
  mode: Book | null;
  asset: AssetCode | null;
  /** Entries strictly older than this sequence (exclusive), newest first. */
  beforeSequence: number | null;
  limit: number;
}

export interface EntryView {
  id: string;
  type: EntryType;
  mode: Book;
  createdAt: string;
  reference: string | null;
  postings: { asset: AssetCode; amount: string; account: string }[];
}

export const MAX_ENTRIES_PAGE = 100;

/** One page of a user's entries with all their postings, in one query. */
export async function readEntries(
  database: LedgerDatabase,
  userId: string,
  query: EntryQuery,
): Promise<{ entries: EntryView[]; nextBeforeSequence: number | null }> {
  assert(query.limit >= 1 && query.limit <= MAX_ENTRIES_PAGE, "entry page size out of bounds");
  const conditions = ["e.user_id = ?"];
  const args: (string | bigint)[] = [userId];
  if (query.mode) {
    conditions.push("e.book = ?");
    args.push(query.mode);
  }
  if (query.beforeSequence !== null) {
    conditions.push("e.sequence < ?");
    args.push(BigInt(query.beforeSequence));
  }
  if (query.asset) {
    conditions.push("EXISTS (SELECT 1 FROM ledger_postings q WHERE q.entry_id = e.id AND q.asset = ?)");
    args.push(query.asset);
  }
  // One more than asked: tells whether a next page exists without a second query.
  args.push(BigInt(query.limit + 1));
  const [result] = await database.batch(
    [
      {
        sql: `WITH page AS (
                SELECT e.sequence, e.id, e.type, e.book, e.reference, e.created_at_ms
                FROM ledger_entries e WHERE ${conditions.join(" AND ")}
                ORDER BY e.sequence DESC LIMIT ?)
              SELECT page.*, p.account, p.asset, p.amount
              FROM page JOIN ledger_postings p ON p.entry_id = page.id
              ORDER BY page.sequence DESC, p.posting_index`,
        args,
      },
    ],
    "read",
  );
  const entries: (EntryView & { sequence: number })[] = [];
  for (const row of result?.rows ?? []) {
    const sequence = Number(row.sequence);
    let entry = entries.at(-1);
    if (!entry || entry.sequence !== sequence) {
      const mode = String(row.book);
      assert(isBook(mode), "stored entry in unknown book");
      entry = {
        sequence,
        id: String(row.id),
        type: String(row.type) as EntryType,
        mode,
        createdAt: new Date(Number(row.created_at_ms)).toISOString(),
        reference: row.reference === null ? null : String(row.reference),
        postings: [],
      };
      entries.push(entry);
    }
    const asset = String(row.asset);
    assert(isAssetCode(asset), "stored posting in unknown asset");
    entry.postings.push({
      asset,
      amount: formatAmount(asset, toBigInt(row.amount)),
      account: String(row.account),
    });
  }
  const hasMore = entries.length > query.limit;
  const page = entries.slice(0, query.limit);
  return {
    entries: page.map(({ sequence: _sequence, ...entry }) => entry),
    nextBeforeSequence: hasMore ? (page.at(-1)?.sequence ?? null) : null,
  };
}

// ------------------------------------------------------------------------------------------

export function toBigInt(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^-?[0-9]+$/.test(value)) return BigInt(value);
  throw new TypeError(`not an integer: ${String(value)}`);
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => "?").join(", ");
}

function rows(count: number, columns: number): string {
  const row = `(${Array.from({ length: columns }, () => "?").join(", ")})`;
  return Array.from({ length: count }, () => row).join(", ");
}
