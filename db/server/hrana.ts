// Hrana (v2/v3, JSON encoding) stream and request handling for the local libSQL server.
// HTTP framing lives in server.ts; this module only sees decoded JSON bodies and returns JSON-ready objects.
//
// Concurrency design (why no blocking busy_timeout on stream connections):
// libsql's better-sqlite3-style API is synchronous, so a statement that waits on SQLite's busy handler
// blocks the whole event loop. If stream A holds the write lock inside an interactive transaction and
// stream B's write waited synchronously, A's COMMIT (a later HTTP request) could never be processed:
// a self-deadlock that only ends when B's busy timeout fires. So every stream connection runs with
// `busy_timeout = 0`, and a statement failing with SQLITE_BUSY is retried asynchronously with capped
// exponential backoff until `busyTimeoutMs` has passed. While B sleeps, the loop keeps serving A.
// Retrying the same prepared statement mirrors what SQLite's busy handler does internally (a BUSY
// statement is resumable, and nothing it did has taken effect), so it is equally safe inside explicit
// transactions. The same path covers locks held by other processes (e.g. a CLI on the same file).
// SQLITE_BUSY_SNAPSHOT is not retried: a stale read snapshot cannot be fixed by waiting, and SQLite's
// own busy handler does not retry it either.
// A batch arrives in one HTTP request and runs synchronously, so batches from different streams never
// interleave; contention only comes from interactive transactions and external processes.

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "libsql";

type Db = Database.Database;
type Statement = Database.Statement;

export type HranaVersion = 2 | 3;

interface HranaServerOptions {
  databasePath: string;
  streamIdleTimeoutMs?: number;
  busyTimeoutMs?: number;
  maxStreams?: number;
}

/** An error that aborts the whole HTTP request (and the stream it referred to). */
export class HranaHttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, message: string, code: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** An error reported inside a pipeline result or batch step; the stream stays usable. */
class StmtError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.code = code;
  }
}

function protocolError(message: string): HranaHttpError {
  return new HranaHttpError(400, message, "PROTOCOL_ERROR");
}

// ---------------------------------------------------------------------------------------------
// Wire types (JSON encoding)

interface WireError {
  message: string;
  code: string;
}

type WireValue =
  | { type: "null" }
  | { type: "integer"; value: string }
  | { type: "float"; value: number }
  | { type: "text"; value: string }
  | { type: "blob"; base64: string };

interface WireCol {
  name: string | null;
  decltype: string | null;
}

interface WireStmtResult {
  cols: WireCol[];
  rows: WireValue[][];
  affected_row_count: number;
  last_insert_rowid: string | null;
  rows_written: number;
  query_duration_ms: number;
}

interface WireBatchResult {
  step_results: (WireStmtResult | null)[];
  step_errors: (WireError | null)[];
}

type WireStreamResponse =
  | { type: "close" }
  | { type: "execute"; result: WireStmtResult }
  | { type: "batch"; result: WireBatchResult }
  | { type: "sequence" }
  | {
      type: "describe";
      result: {
        params: { name: string | null }[];
        cols: { name: string; decltype: string | null }[];
        is_explain: boolean;
        is_readonly: boolean;
      };
    }
  | { type: "store_sql" }
  | { type: "close_sql" }
  | { type: "get_autocommit"; is_autocommit: boolean };

type WireStreamResult = { type: "ok"; response: WireStreamResponse } | { type: "error"; error: WireError };

interface WirePipelineResponse {
  baton: string | null;
  base_url: string | null;
  results: WireStreamResult[];
}

type WireCursorEntry =
  | { type: "step_begin"; step: number; cols: WireCol[] }
  | { type: "step_end"; affected_row_count: number; last_insert_rowid: string | null }
  | { type: "step_error"; step: number; error: WireError }
  | { type: "row"; row: WireValue[] }
  | { type: "error"; error: WireError };

interface CursorResponse {
  head: { baton: string | null; base_url: string | null };
  entries: WireCursorEntry[];
}

// ---------------------------------------------------------------------------------------------
// Decoding helpers

type Obj = Record<string, unknown>;
type SqlValue = null | bigint | number | string | Buffer;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function expectObj(v: unknown, what: string): Obj {
  if (!isObj(v)) throw protocolError(`${what} must be an object`);
  return v;
}

function optInt32(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
    throw protocolError(`${what} must be a 32-bit integer`);
  }
  return v;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function decodeValue(v: unknown): SqlValue {
  const o = expectObj(v, "Value");
  switch (o.type) {
    case "null":
      return null;
    case "integer": {
      const raw = o.value;
      let n: bigint;
      if (typeof raw === "string" && /^-?\d{1,20}$/.test(raw)) n = BigInt(raw);
      else if (typeof raw === "number" && Number.isSafeInteger(raw)) n = BigInt(raw);
      else throw protocolError("Integer value must be a decimal string");
      if (n < INT64_MIN || n > INT64_MAX) throw protocolError("Integer value out of 64-bit range");
      // libsql binds JS numbers as REAL, so integers must stay BigInt all the way to the engine.
      return n;
    }
    case "float":
      if (typeof o.value !== "number") throw protocolError("Float value must be a number");
      return o.value;
    case "text":
      if (typeof o.value !== "string") throw protocolError("Text value must be a string");
      return o.value;
    case "blob":
      if (typeof o.base64 !== "string") throw protocolError("Blob value must carry base64");
      return Buffer.from(o.base64, "base64");
    default:
      throw protocolError("Value type not recognized");
  }
}

function encodeValue(v: unknown): WireValue {
  if (v === null || v === undefined) return { type: "null" };
  if (typeof v === "bigint") return { type: "integer", value: v.toString() };
  if (typeof v === "number") return { type: "float", value: v };
  if (typeof v === "string") return { type: "text", value: v };
  if (v instanceof Uint8Array) {
    return { type: "blob", base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") };
  }
  return { type: "text", value: String(v) };
}

// ---------------------------------------------------------------------------------------------
// SQL text scanning. The engine's prepare() silently ignores everything after the first statement,
// so statement boundaries are found here, following the state machine of SQLite's sqlite3_complete()
// (which knows that semicolons inside CREATE TRIGGER ... END do not end the statement).

type TokKind = "semi" | "ws" | "word" | "param" | "other";
interface Token {
  kind: TokKind;
  start: number;
  end: number;
}

const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const SQL_SPACE = /[ \t\n\v\f\r]/;
/** Prefixes of named parameters. `#name` is rarely used, but SQLite accepts it like the others. */
const PARAM_PREFIXES = new Set([":", "@", "$", "#"]);
/** Highest `?NNN` SQLite accepts (SQLITE_MAX_VARIABLE_NUMBER); prepare() rejects anything else. */
const MAX_VARIABLE_NUMBER = 32766;

/**
 * End of the named parameter starting at `start` (which holds its prefix), or -1 if the text there is
 * not a valid parameter. Follows SQLite's tokenizer, including TCL-style names (`$ns::var`, `$arr(key)`).
 */
function paramEnd(sql: string, start: number): number {
  const n = sql.length;
  let i = start + 1;
  let idChars = 0;
  while (i < n) {
    const c = sql[i]!;
    if (WORD_CHAR.test(c)) {
      idChars++;
      i++;
    } else if (c === "(" && idChars > 0) {
      i++;
      while (i < n && !SQL_SPACE.test(sql[i]!) && sql[i] !== ")") i++;
      if (sql[i] !== ")") return -1;
      return i + 1;
    } else if (c === ":" && sql[i + 1] === ":") {
      i += 2;
    } else {
      break;
    }
  }
  return idChars > 0 ? i : -1;
}

function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const start = i;
    const c = sql[i]!;
    let kind: TokKind;
    if (c === ";") {
      kind = "semi";
      i++;
    } else if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") {
      kind = "ws";
      i++;
    } else if (c === "-" && sql[i + 1] === "-") {
      kind = "ws";
      const nl = sql.indexOf("\n", i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === "/" && sql[i + 1] === "*") {
      kind = "ws";
      const close = sql.indexOf("*/", i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === "'" || c === '"' || c === "`" || c === "[") {
      kind = "other";
      const q = c === "[" ? "]" : c;
      i++;
      for (;;) {
        const j = sql.indexOf(q, i);
        if (j < 0) {
          i = n;
          break;
        }
        // A doubled quote is an escaped quote inside the literal.
        if (q !== "]" && sql[j + 1] === q) {
          i = j + 2;
          continue;
        }
        i = j + 1;
        break;
      }
    } else if (c === "?") {
      kind = "param";
      i++;
      while (i < n && /[0-9]/.test(sql[i]!)) i++;
    } else if (PARAM_PREFIXES.has(c) && paramEnd(sql, i) > 0) {
      kind = "param";
      i = paramEnd(sql, start);
    } else if (WORD_CHAR.test(c)) {
      kind = "word";
      while (i < n && WORD_CHAR.test(sql[i]!)) i++;
    } else {
      kind = "other";
      i++;
    }
    out.push({ kind, start, end: i });
  }
  return out;
}

// Token classes for the sqlite3_complete() state machine.
const T_SEMI = 0;
const T_WS = 1;
const T_OTHER = 2;
const T_EXPLAIN = 3;
const T_CREATE = 4;
const T_TEMP = 5;
const T_TRIGGER = 6;
const T_END = 7;
// Rows: states INVALID, START, NORMAL, EXPLAIN, CREATE, TRIGGER, SEMI, END.
const TRANSITIONS: readonly (readonly number[])[] = [
  [1, 0, 2, 3, 4, 2, 2, 2],
  [1, 1, 2, 3, 4, 2, 2, 2],
  [1, 2, 2, 2, 2, 2, 2, 2],
  [1, 3, 3, 2, 4, 2, 2, 2],
  [1, 4, 2, 2, 2, 4, 5, 2],
  [6, 5, 5, 5, 5, 5, 5, 5],
  [6, 6, 5, 5, 5, 5, 5, 7],
  [1, 7, 5, 5, 5, 5, 5, 5],
];

function tokenClass(sql: string, t: Token): number {
  switch (t.kind) {
    case "semi":
      return T_SEMI;
    case "ws":
      return T_WS;
    case "word":
      switch (sql.slice(t.start, t.end).toUpperCase()) {
        case "EXPLAIN":
          return T_EXPLAIN;
        case "CREATE":
          return T_CREATE;
        case "TEMP":
        case "TEMPORARY":
          return T_TEMP;
        case "TRIGGER":
          return T_TRIGGER;
        case "END":
          return T_END;
        default:
          return T_OTHER;
      }
    default:
      return T_OTHER;
  }
}

/** Splits SQL text into statements, dropping empty ones (bare semicolons, comments). */
function splitStatements(sql: string): string[] {
  const tokens = tokenize(sql);
  const out: string[] = [];
  let state = 0;
  let start = 0;
  let meaningful = false;
  for (const t of tokens) {
    const cls = tokenClass(sql, t);
    if (cls !== T_SEMI && cls !== T_WS) meaningful = true;
    state = TRANSITIONS[state]![cls]!;
    if (cls === T_SEMI && state === 1) {
      if (meaningful) out.push(sql.slice(start, t.end).trim());
      start = t.end;
      meaningful = false;
    }
  }
  if (meaningful) out.push(sql.slice(start).trim());
  return out;
}

/**
 * Places named arguments at the parameter indexes SQLite assigns (see describeParams()), on top of the
 * positional arguments: named arguments win. A name matches the parameter with exactly that name or,
 * given without its prefix, the parameter with any prefix (`a` binds `:a`, `@a`, `$a` and `#a`).
 * Every use of a parameter refers to its one index, so a value bound once appears at all of them.
 */
function bindNamed(sql: string, positional: SqlValue[], named: Map<string, SqlValue>): SqlValue[] {
  const params = describeParams(sql);
  const out: SqlValue[] = positional.slice();
  while (out.length < params.length) out.push(null);
  params.forEach(({ name }, i) => {
    if (name === null) return;
    if (named.has(name)) out[i] = named.get(name) ?? null;
    else if (PARAM_PREFIXES.has(name[0]!) && named.has(name.slice(1)))
      out[i] = named.get(name.slice(1)) ?? null;
  });
  return out;
}

/**
 * The statement's parameters by index (entry i is parameter i + 1), named as sqlite3_bind_parameter_name()
 * names them. Mirrors sqlite3ExprAssignVarNumber(): `?` takes the next index; `?NNN` is index NNN and
 * raises the count to NNN; a named parameter reuses the index of its earlier use or takes the next index
 * after the highest so far. An index keeps the first name given to it, so in `SELECT :a, ?1` index 1 is
 * `:a` (both read the same value), while `?NNN` names an index only when nothing named it before.
 */
function describeParams(sql: string): { name: string | null }[] {
  const names: (string | null)[] = [];
  const seen = new Set<string>();
  for (const t of tokenize(sql)) {
    if (t.kind !== "param") continue;
    const text = sql.slice(t.start, t.end);
    if (text === "?") {
      names.push(null);
    } else if (text.startsWith("?")) {
      const idx = Number(text.slice(1));
      // Out of range: prepare() fails with SQLite's own message; do not build a huge array first.
      if (!Number.isInteger(idx) || idx < 1 || idx > MAX_VARIABLE_NUMBER) continue;
      while (names.length < idx) names.push(null);
      if (names[idx - 1] === null) names[idx - 1] = text;
    } else if (!seen.has(text)) {
      seen.add(text);
      names.push(text);
    }
  }
  return names.map((name) => ({ name }));
}

const READONLY_FIRST_WORDS = new Set(["SELECT", "VALUES", "EXPLAIN", "BEGIN", "COMMIT", "END", "ROLLBACK"]);
const WRITE_WORDS = new Set(["INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER"]);

// The engine does not expose sqlite3_stmt_readonly(), so this is a keyword-level approximation.
function isReadonlySql(sql: string): boolean {
  const words = tokenize(sql)
    .filter((t) => t.kind === "word")
    .map((t) => sql.slice(t.start, t.end).toUpperCase());
  const first = words[0];
  if (first === undefined) return true;
  if (first === "WITH") return !words.some((w) => WRITE_WORDS.has(w));
  if (first === "PRAGMA") return !sql.includes("=");
  return READONLY_FIRST_WORDS.has(first);
}

// ---------------------------------------------------------------------------------------------
// SQLite errors

interface EngineError extends Error {
  code: string;
  rawCode?: number;
}

function isEngineError(e: unknown): e is EngineError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === "string";
}

const PRIMARY_CODES: Record<number, string> = {
  1: "SQLITE_ERROR",
  2: "SQLITE_INTERNAL",
  3: "SQLITE_PERM",
  4: "SQLITE_ABORT",
  5: "SQLITE_BUSY",
  6: "SQLITE_LOCKED",
  7: "SQLITE_NOMEM",
  8: "SQLITE_READONLY",
  9: "SQLITE_INTERRUPT",
  10: "SQLITE_IOERR",
  11: "SQLITE_CORRUPT",
  12: "SQLITE_NOTFOUND",
  13: "SQLITE_FULL",
  14: "SQLITE_CANTOPEN",
  15: "SQLITE_PROTOCOL",
  17: "SQLITE_SCHEMA",
  18: "SQLITE_TOOBIG",
  19: "SQLITE_CONSTRAINT",
  20: "SQLITE_MISMATCH",
  21: "SQLITE_MISUSE",
  22: "SQLITE_NOLFS",
  23: "SQLITE_AUTH",
  25: "SQLITE_RANGE",
  26: "SQLITE_NOTADB",
};

const SQLITE_BUSY = 5;
const SQLITE_BUSY_SNAPSHOT = 517;

function primaryCode(e: EngineError): number | undefined {
  return typeof e.rawCode === "number" ? e.rawCode & 0xff : undefined;
}

function isRetryableBusy(e: unknown): boolean {
  return isEngineError(e) && primaryCode(e) === SQLITE_BUSY && e.rawCode !== SQLITE_BUSY_SNAPSHOT;
}

function isBusyFamily(e: unknown): boolean {
  return isEngineError(e) && primaryCode(e) === SQLITE_BUSY;
}

/**
 * sqld reports the *primary* SQLite code (e.g. SQLITE_CONSTRAINT, not SQLITE_CONSTRAINT_UNIQUE) and
 * SQL_PARSE_ERROR for syntax errors; matching it keeps error handling identical against Turso.
 * The extended code is kept in the message for debugging.
 */
function stmtErrorFrom(e: unknown): StmtError {
  if (e instanceof StmtError) return e;
  if (isEngineError(e)) {
    const primary = primaryCode(e);
    const isParse =
      primary === 1 && /syntax error|incomplete input|unrecognized token|unterminated/i.test(e.message);
    const code = isParse
      ? "SQL_PARSE_ERROR"
      : ((primary !== undefined ? PRIMARY_CODES[primary] : undefined) ??
        (/^SQLITE_[A-Z]+/.exec(e.code)?.[0] || "SQLITE_UNKNOWN"));
    const extended = e.code !== code ? ` (${e.code})` : "";
    return new StmtError(`SQLite error: ${e.message}${extended}`, code);
  }
  const message = e instanceof Error ? e.message : String(e);
  return new StmtError(message, "SQLITE_UNKNOWN");
}

// ---------------------------------------------------------------------------------------------
// Connections and streams

interface Prepared {
  stmt: Statement;
  reader: boolean;
  /** How many parameters SQLite numbers in it: shorter argument lists are padded with NULL. */
  params: number;
}

const STMT_CACHE_SIZE = 128;
/**
 * Connections of closed streams kept for the next streams (with their prepared statements).
 * The web client opens a stream per request, and opening a connection (file open, schema read,
 * pragmas) was the largest single cost of a request here (README decision record 043).
 */
const MAX_IDLE_CONNECTIONS = 32;
/**
 * SQL that may change a connection's own state (pragmas, attached databases, temporary tables,
 * views and triggers however they are named: `TEMP TABLE`, `temp.x`, `"temp".x`). Matched
 * anywhere in the text, comments and quotes included: a false alarm only costs one connection
 * its reuse, a miss would hand one stream's state to the next.
 */
const CONNECTION_STATE_SQL = /\b(pragma|attach|detach|temp|temporary)\b/i;
const MAX_STORED_SQLS = 150;
const EXPIRED_MEMORY = 10_000;

class Connection {
  readonly db: Db;
  /**
   * Ran SQL that may change this connection's state (pragmas, attached or temporary objects), or
   * a statement that failed: never handed to another stream.
   */
  tainted = false;
  /** last_insert_rowid() when the current stream got this connection: a previous stream's row. */
  private rowidAtHandOut: bigint | null = null;
  private readonly cache = new Map<string, Prepared>();
  private readonly stats: Statement;
  private totalChanges: bigint;

  constructor(path: string) {
    this.db = new Database(path);
    // busy_timeout = 0: see the module comment; waiting happens asynchronously in retryBusy().
    // synchronous = NORMAL is the usual WAL setting: durable across process crashes, and only an OS
    // crash can lose the last commits, which is the right trade-off for a local development server.
    this.db.exec("PRAGMA busy_timeout = 0; PRAGMA synchronous = NORMAL;");
    this.stats = this.db.prepare("SELECT changes(), last_insert_rowid(), total_changes()");
    this.stats.raw(true).safeIntegers(true);
    this.totalChanges = this.readStats()[2];
  }

  get autocommit(): boolean {
    return !this.db.inTransaction;
  }

  private readStats(): [bigint, bigint, bigint] {
    const row = (this.stats.all([]) as unknown[][])[0] ?? [];
    return [BigInt(row[0] as bigint), BigInt(row[1] as bigint), BigInt(row[2] as bigint)];
  }

  /** A reused connection starts its new stream as a fresh one would: no last insert of its own. */
  handOut(): void {
    const [, rowid, total] = this.readStats();
    this.totalChanges = total;
    this.rowidAtHandOut = rowid;
  }

  /** changes() still reports the last *write* after a SELECT, so gate it on total_changes() moving. */
  afterStatement(): { affected: number; lastInsertRowid: string } {
    const [changes, rowid, total] = this.readStats();
    const affected = total !== this.totalChanges ? Number(changes) : 0;
    this.totalChanges = total;
    if (this.rowidAtHandOut !== null) {
      if (rowid === this.rowidAtHandOut) return { affected, lastInsertRowid: "0" };
      this.rowidAtHandOut = null;
    }
    return { affected, lastInsertRowid: rowid.toString() };
  }

  prepare(sql: string, cache = true): Prepared {
    const hit = this.cache.get(sql);
    if (hit) {
      // Refresh LRU position.
      this.cache.delete(sql);
      this.cache.set(sql, hit);
      return hit;
    }
    if (CONNECTION_STATE_SQL.test(sql)) this.tainted = true;
    const stmt = this.db.prepare(sql);
    const reader = stmt.reader;
    if (reader) stmt.raw(true);
    stmt.safeIntegers(true);
    const prepared = { stmt, reader, params: describeParams(sql).length };
    if (cache) {
      this.cache.set(sql, prepared);
      if (this.cache.size > STMT_CACHE_SIZE) {
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
    }
    return prepared;
  }

  close(): void {
    this.cache.clear();
    try {
      // Explicit ROLLBACK: close() only marks the connection as a zombie while prepared statements are
      // still reachable (until GC finalizes them), and a zombie keeps holding the write lock.
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
    } catch {
      // Nothing to roll back any more.
    }
    try {
      this.db.close();
    } catch {
      // Already closed; nothing useful to do.
    }
  }
}

class Stream {
  readonly id: string;
  seq: number;
  conn: Connection | undefined;
  readonly sqls = new Map<number, string>();
  inUse = false;
  closed = false;
  timer: NodeJS.Timeout | undefined;

  constructor(id: string, seq: number) {
    this.id = id;
    this.seq = seq;
  }

  get autocommit(): boolean {
    return this.conn === undefined || this.conn.autocommit;
  }

  dropConnection(): void {
    this.conn?.close();
    this.conn = undefined;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------

export class HranaServer {
  readonly databasePath: string;
  private readonly idleTimeoutMs: number;
  private readonly busyTimeoutMs: number;
  private readonly maxStreams: number;
  private readonly batonKey = randomBytes(32);
  private readonly streams = new Map<string, Stream>();
  // Remembered briefly so a late client gets "expired" rather than a generic "closed" error.
  private readonly expired = new Set<string>();
  /** Clean connections of closed streams, reused by new streams (see MAX_IDLE_CONNECTIONS). */
  private readonly idleConnections: Connection[] = [];
  private opened = 0;
  private keeper: Db | undefined;
  private closing = false;

  constructor(options: HranaServerOptions) {
    this.databasePath = options.databasePath;
    this.idleTimeoutMs = options.streamIdleTimeoutMs ?? 10_000;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
    this.maxStreams = options.maxStreams ?? 256;
  }

  /** Opens the database (creating it and its folder) and switches it to WAL. */
  open(): void {
    if (this.keeper) return;
    if (this.databasePath !== ":memory:") mkdirSync(dirname(this.databasePath), { recursive: true });
    const db = new Database(this.databasePath);
    // Startup may block here if another process holds the lock; nothing else is running yet.
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(this.busyTimeoutMs))};`);
    const mode = db.prepare("PRAGMA journal_mode = WAL").raw(true).all([]) as unknown[][];
    if (String(mode[0]?.[0]).toLowerCase() !== "wal") {
      db.close();
      throw new Error(`Could not switch ${this.databasePath} to WAL mode`);
    }
    // Kept open for the server's lifetime: when the last connection to a WAL database closes, SQLite
    // checkpoints and deletes the WAL, which would otherwise happen after nearly every request.
    this.keeper = db;
  }

  get openStreams(): number {
    return this.streams.size;
  }

  /** Database connections opened since start (reuse keeps this far below the streams served). */
  get connectionsOpened(): number {
    return this.opened;
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const stream of [...this.streams.values()]) this.destroyStream(stream);
    for (const connection of this.idleConnections.splice(0)) connection.close();
    this.keeper?.close();
    this.keeper = undefined;
  }

  // --- batons ---------------------------------------------------------------------------------

  private sign(payload: string): string {
    return createHmac("sha256", this.batonKey).update(payload).digest("base64url").slice(0, 32);
  }

  private encodeBaton(stream: Stream): string {
    const payload = `${stream.id}.${stream.seq}`;
    return `${payload}.${this.sign(payload)}`;
  }

  private acquire(baton: string | null): Stream {
    if (this.closing) throw new HranaHttpError(503, "Server is shutting down", "SERVER_CLOSING");
    if (baton === null) {
      if (this.streams.size >= this.maxStreams) {
        throw new HranaHttpError(
          503,
          `Too many open streams (limit ${this.maxStreams}); close streams or wait for idle ones to expire`,
          "STREAM_LIMIT_REACHED",
        );
      }
      const random = randomBytes(20);
      const stream = new Stream(random.subarray(0, 16).toString("base64url"), random.readUInt32BE(16));
      this.streams.set(stream.id, stream);
      stream.inUse = true;
      return stream;
    }
    const parts = baton.split(".");
    const [id, seq, mac] = parts;
    if (parts.length !== 3 || id === undefined || seq === undefined || mac === undefined) {
      throw new HranaHttpError(400, "Received an invalid baton", "BATON_INVALID");
    }
    const expected = Buffer.from(this.sign(`${id}.${seq}`));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new HranaHttpError(400, "Received an invalid baton", "BATON_INVALID");
    }
    const stream = this.streams.get(id);
    if (!stream) {
      if (this.expired.has(id)) {
        throw new HranaHttpError(400, "The stream has expired due to inactivity", "STREAM_EXPIRED");
      }
      throw new HranaHttpError(400, "Stream for this baton was closed", "BATON_STREAM_CLOSED");
    }
    if (stream.inUse || String(stream.seq) !== seq) {
      throw new HranaHttpError(400, "Received a baton that has already been used", "BATON_REUSED");
    }
    stream.seq = (stream.seq + 1) >>> 0;
    stream.inUse = true;
    if (stream.timer) clearTimeout(stream.timer);
    stream.timer = undefined;
    return stream;
  }

  private release(stream: Stream): string | null {
    stream.inUse = false;
    if (stream.closed) return null;
    stream.timer = setTimeout(() => this.expire(stream), this.idleTimeoutMs);
    stream.timer.unref();
    return this.encodeBaton(stream);
  }

  private expire(stream: Stream): void {
    if (stream.inUse || stream.closed) return;
    this.destroyStream(stream);
    this.expired.add(stream.id);
    if (this.expired.size > EXPIRED_MEMORY) {
      const oldest = this.expired.values().next().value;
      if (oldest !== undefined) this.expired.delete(oldest);
    }
  }

  private destroyStream(stream: Stream): void {
    if (stream.timer) clearTimeout(stream.timer);
    stream.timer = undefined;
    stream.closed = true;
    const connection = stream.conn;
    stream.conn = undefined;
    // A connection goes back to the idle list only in autocommit mode and with no state of its
    // stream's own; otherwise it is closed, which rolls back any transaction the client left open.
    if (
      connection &&
      !this.closing &&
      connection.autocommit &&
      !connection.tainted &&
      this.idleConnections.length < MAX_IDLE_CONNECTIONS
    ) {
      this.idleConnections.push(connection);
    } else {
      connection?.close();
    }
    stream.sqls.clear();
    this.streams.delete(stream.id);
  }

  private connection(stream: Stream): Connection {
    if (!stream.conn) {
      const idle = this.idleConnections.pop();
      if (idle) {
        idle.handOut();
        stream.conn = idle;
        return idle;
      }
      try {
        stream.conn = new Connection(this.databasePath);
        this.opened++;
      } catch (e) {
        throw stmtErrorFrom(e);
      }
    }
    return stream.conn;
  }

  // --- endpoints ------------------------------------------------------------------------------

  async handlePipeline(version: HranaVersion, body: unknown): Promise<WirePipelineResponse> {
    const req = expectObj(body, "Request body");
    const baton = decodeBatonField(req.baton);
    if (!Array.isArray(req.requests)) throw protocolError("`requests` must be an array");
    const requests = req.requests as unknown[];
    const stream = this.acquire(baton);
    const results: WireStreamResult[] = [];
    try {
      for (const r of requests) results.push(await this.handleStreamRequest(stream, r, version));
    } catch (e) {
      // Like sqld: a protocol violation ends the stream rather than leaving it half-used.
      this.destroyStream(stream);
      throw e;
    }
    return { baton: this.release(stream), base_url: null, results };
  }

  /** v3/cursor: results are computed eagerly; server.ts writes them as JSON lines. */
  async handleCursor(body: unknown): Promise<CursorResponse> {
    const req = expectObj(body, "Request body");
    const baton = decodeBatonField(req.baton);
    const stream = this.acquire(baton);
    const entries: WireCursorEntry[] = [];
    try {
      const result = await this.executeBatch(stream, req.batch, 3);
      result.step_results.forEach((res, step) => {
        const err = result.step_errors[step];
        if (err) {
          entries.push({ type: "step_error", step, error: err });
        } else if (res) {
          entries.push({ type: "step_begin", step, cols: res.cols });
          for (const row of res.rows) entries.push({ type: "row", row });
          entries.push({
            type: "step_end",
            affected_row_count: res.affected_row_count,
            last_insert_rowid: res.last_insert_rowid,
          });
        }
      });
    } catch (e) {
      if (!(e instanceof StmtError)) {
        this.destroyStream(stream);
        throw e;
      }
      entries.push({ type: "error", error: { message: e.message, code: e.code } });
    }
    return { head: { baton: this.release(stream), base_url: null }, entries };
  }

  private async handleStreamRequest(
    stream: Stream,
    raw: unknown,
    version: HranaVersion,
  ): Promise<WireStreamResult> {
    const req = expectObj(raw, "Stream request");
    if (stream.closed) {
      return { type: "error", error: { message: "Stream is closed", code: "STREAM_CLOSED" } };
    }
    try {
      switch (req.type) {
        case "close":
          this.destroyStream(stream);
          return { type: "ok", response: { type: "close" } };
        case "execute":
          return {
            type: "ok",
            response: { type: "execute", result: await this.executeStmt(stream, req.stmt) },
          };
        case "batch":
          return {
            type: "ok",
            response: { type: "batch", result: await this.executeBatch(stream, req.batch, version) },
          };
        case "sequence":
          await this.executeSequence(stream, this.resolveSql(stream, req));
          return { type: "ok", response: { type: "sequence" } };
        case "describe":
          return { type: "ok", response: this.describe(stream, this.resolveSql(stream, req)) };
        case "store_sql": {
          const id = optInt32(req.sql_id, "sql_id");
          if (id === undefined || typeof req.sql !== "string") {
            throw protocolError("store_sql needs `sql_id` and `sql`");
          }
          if (stream.sqls.has(id)) throw protocolError(`SQL text ${id} already exists`);
          if (stream.sqls.size >= MAX_STORED_SQLS) {
            throw new StmtError(`Too many stored SQL texts (limit ${MAX_STORED_SQLS})`, "SQL_STORE_TOO_MANY");
          }
          stream.sqls.set(id, req.sql);
          return { type: "ok", response: { type: "store_sql" } };
        }
        case "close_sql": {
          const id = optInt32(req.sql_id, "sql_id");
          if (id === undefined) throw protocolError("close_sql needs `sql_id`");
          stream.sqls.delete(id);
          return { type: "ok", response: { type: "close_sql" } };
        }
        case "get_autocommit":
          if (version < 3) throw protocolError("get_autocommit is only supported in protocol version 3");
          return { type: "ok", response: { type: "get_autocommit", is_autocommit: stream.autocommit } };
        default:
          throw protocolError("StreamRequest type not recognized");
      }
    } catch (e) {
      if (e instanceof HranaHttpError) throw e;
      const err = stmtErrorFrom(e);
      return { type: "error", error: { message: err.message, code: err.code } };
    }
  }

  private resolveSql(stream: Stream, o: Obj): string {
    const id = optInt32(o.sql_id, "sql_id");
    const hasSql = o.sql !== undefined && o.sql !== null;
    if (hasSql && id !== undefined)
      throw protocolError("Either `sql` or `sql_id` are required, but not both");
    if (hasSql) {
      if (typeof o.sql !== "string") throw protocolError("`sql` must be a string");
      return o.sql;
    }
    if (id === undefined) throw protocolError("Either `sql` or `sql_id` are required");
    const sql = stream.sqls.get(id);
    if (sql === undefined) throw protocolError(`SQL text ${id} not found`);
    return sql;
  }

  /** Runs `fn` (one engine call) and retries it asynchronously while the database is locked. */
  private async retryBusy<T>(stream: Stream, fn: () => T): Promise<T> {
    const deadline = performance.now() + this.busyTimeoutMs;
    let delay = 1;
    for (;;) {
      try {
        return fn();
      } catch (e) {
        if (isRetryableBusy(e) && performance.now() + delay <= deadline && !stream.closed) {
          await sleep(delay);
          delay = Math.min(delay * 2, 25);
          continue;
        }
        if (isBusyFamily(e)) {
          // A statement that returned SQLITE_BUSY stays active inside the engine (it is resumable)
          // and there is no API to reset it; left alone it would pin a read snapshot and make a
          // later COMMIT fail. Replacing the connection is the only clean way out, which also
          // rolls back the stream's transaction, as SQLite recommends after BUSY in a transaction.
          stream.dropConnection();
        }
        throw e;
      }
    }
  }

  private async executeStmt(stream: Stream, raw: unknown): Promise<WireStmtResult> {
    const stmt = expectObj(raw, "Stmt");
    const sql = this.resolveSql(stream, stmt);
    const wantRows = stmt.want_rows !== false;

    const args = stmt.args ?? [];
    const namedArgs = stmt.named_args ?? [];
    if (!Array.isArray(args) || !Array.isArray(namedArgs)) {
      throw protocolError("`args` and `named_args` must be arrays");
    }
    let bind: SqlValue[] = args.map(decodeValue);
    if (namedArgs.length > 0) {
      const named = new Map<string, SqlValue>();
      for (const a of namedArgs) {
        const o = expectObj(a, "NamedArg");
        if (typeof o.name !== "string") throw protocolError("NamedArg name must be a string");
        named.set(o.name, decodeValue(o.value));
      }
      bind = bindNamed(sql, bind, named);
    }

    const statements = splitStatements(sql);
    if (statements.length === 0)
      throw new StmtError("SQL string does not contain any statement", "SQL_NO_STATEMENT");
    if (statements.length > 1) {
      throw new StmtError("SQL string contains more than one statement", "SQL_MANY_STATEMENTS");
    }

    const conn = this.connection(stream);
    const started = performance.now();
    let prepared: Prepared;
    try {
      prepared = await this.retryBusy(stream, () => conn.prepare(sql));
    } catch (e) {
      conn.tainted = true;
      throw stmtErrorFrom(e);
    }
    // SQLite keeps a statement's bindings between runs: a parameter this run leaves out must be
    // NULL, as on a fresh statement, not what the last run (perhaps another stream's) bound.
    if (bind.length < prepared.params)
      bind = [...bind, ...new Array<SqlValue>(prepared.params - bind.length).fill(null)];
    let rows: unknown[][] = [];
    let cols: WireCol[] = [];
    try {
      // Always one array argument: the wrapper treats a single object argument (incl. null or a
      // Buffer) as a name->value map, and the engine panics (killing the process) when a map is bound
      // to a statement that also has anonymous `?` parameters. Named values are mapped to their
      // indexes by bindNamed() instead.
      if (prepared.reader) {
        rows = await this.retryBusy(stream, () => prepared.stmt.all(bind) as unknown[][]);
        cols = prepared.stmt.columns().map((c) => ({ name: c.name, decltype: c.type }));
      } else {
        await this.retryBusy(stream, () => prepared.stmt.run(bind));
      }
    } catch (e) {
      conn.tainted = true;
      throw stmtErrorFrom(e);
    }
    // The connection may have been replaced after a busy give-up; stats come from the live one.
    const { affected, lastInsertRowid } =
      stream.conn === conn ? conn.afterStatement() : { affected: 0, lastInsertRowid: "0" };
    return {
      cols,
      rows: wantRows ? rows.map((r) => r.map(encodeValue)) : [],
      affected_row_count: affected,
      last_insert_rowid: lastInsertRowid,
      rows_written: affected,
      query_duration_ms: performance.now() - started,
    };
  }

  private async executeBatch(stream: Stream, raw: unknown, version: HranaVersion): Promise<WireBatchResult> {
    const batch = expectObj(raw, "Batch");
    if (!Array.isArray(batch.steps)) throw protocolError("Batch steps must be an array");
    const steps = batch.steps as unknown[];
    const results: (WireStmtResult | null)[] = [];
    const errors: (WireError | null)[] = [];
    for (let i = 0; i < steps.length; i++) {
      const step = expectObj(steps[i], "BatchStep");
      const run =
        step.condition === undefined || step.condition === null
          ? true
          : this.evalCond(stream, step.condition, i, results, errors, version);
      if (!run) {
        results.push(null);
        errors.push(null);
        continue;
      }
      try {
        results.push(await this.executeStmt(stream, step.stmt));
        errors.push(null);
      } catch (e) {
        if (e instanceof HranaHttpError) throw e;
        const err = stmtErrorFrom(e);
        results.push(null);
        errors.push({ message: err.message, code: err.code });
      }
    }
    return { step_results: results, step_errors: errors };
  }

  private evalCond(
    stream: Stream,
    raw: unknown,
    current: number,
    results: (WireStmtResult | null)[],
    errors: (WireError | null)[],
    version: HranaVersion,
  ): boolean {
    const c = expectObj(raw, "BatchCond");
    const stepRef = (): number => {
      const s = c.step;
      if (typeof s !== "number" || !Number.isInteger(s) || s < 0 || s >= current) {
        throw protocolError("Invalid reference to step in a batch condition");
      }
      return s;
    };
    const list = (): unknown[] => {
      if (!Array.isArray(c.conds)) throw protocolError("BatchCond `conds` must be an array");
      return c.conds as unknown[];
    };
    switch (c.type) {
      case "ok":
        return results[stepRef()] != null;
      case "error":
        return errors[stepRef()] != null;
      case "not":
        return !this.evalCond(stream, c.cond, current, results, errors, version);
      case "and":
        return list().every((x) => this.evalCond(stream, x, current, results, errors, version));
      case "or":
        return list().some((x) => this.evalCond(stream, x, current, results, errors, version));
      case "is_autocommit":
        if (version < 3)
          throw protocolError("is_autocommit condition is only supported in protocol version 3");
        return stream.autocommit;
      default:
        throw protocolError("BatchCond type not recognized");
    }
  }

  private async executeSequence(stream: Stream, sql: string): Promise<void> {
    // Statements run one at a time (not via exec()) so a busy wait can resume at the statement that
    // hit the lock instead of re-running the ones that already succeeded.
    for (const text of splitStatements(sql)) {
      const conn = this.connection(stream);
      try {
        const prepared = await this.retryBusy(stream, () => conn.prepare(text, false));
        await this.retryBusy(stream, () => (prepared.reader ? prepared.stmt.all([]) : prepared.stmt.run([])));
        conn.afterStatement();
      } catch (e) {
        conn.tainted = true;
        throw stmtErrorFrom(e);
      }
    }
  }

  private describe(stream: Stream, sql: string): WireStreamResponse {
    const conn = this.connection(stream);
    let prepared: Prepared;
    try {
      prepared = conn.prepare(sql);
    } catch (e) {
      throw stmtErrorFrom(e);
    }
    const cols = prepared.reader
      ? prepared.stmt.columns().map((c) => ({ name: c.name, decltype: c.type }))
      : [];
    const firstWord = tokenize(sql).find((t) => t.kind === "word");
    return {
      type: "describe",
      result: {
        params: describeParams(sql),
        cols,
        is_explain:
          firstWord !== undefined && sql.slice(firstWord.start, firstWord.end).toUpperCase() === "EXPLAIN",
        is_readonly: isReadonlySql(sql),
      },
    };
  }
}

function decodeBatonField(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") throw protocolError("`baton` must be a string or null");
  return v;
}
