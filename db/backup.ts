import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "./client.ts";
import { expectedMigrationHead, MIGRATIONS_TABLE } from "./migrations.ts";

/**
 * Backups as an export through the libSQL client — the same code against the local server
 * and Turso. Everything is read inside ONE read transaction, so the snapshot is consistent
 * while the platform keeps writing. The manifest carries what a restore must reproduce:
 * schema version, row counts, ledger totals per asset and book, the audit-chain head, and
 * the snapshot's SHA-256 (a corrupted file is caught before anything is restored).
 */
const SNAPSHOT_FORMAT = "coinhubx-snapshot-v1";
const PAGE_ROWS = 1_000;
const MAX_PAGES_PER_TABLE = 100_000;

type EncodedValue = null | string | { i: string } | { f: number } | { b: string };

interface SchemaObject {
  type: "table" | "index" | "trigger" | "view";
  name: string;
  sql: string;
}

export interface Manifest {
  format: typeof SNAPSHOT_FORMAT;
  createdAt: string;
  schemaVersion: { tag: string; createdAtMs: number } | null;
  rowCounts: Record<string, number>;
  ledgerTotals: { asset: string; book: string; total: string }[];
  auditHead: { sequence: number; hash: string } | null;
  sha256: string;
  bytes: number;
}

function encode(value: unknown): EncodedValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return { i: value.toString() };
  if (typeof value === "number") return Number.isInteger(value) ? { i: String(value) } : { f: value };
  if (typeof value === "string") return value;
  if (value instanceof ArrayBuffer) return { b: Buffer.from(value).toString("base64") };
  if (ArrayBuffer.isView(value))
    return { b: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
  throw new Error(`cannot encode a ${typeof value} value`);
}

export function decode(value: EncodedValue): null | string | bigint | number | Uint8Array {
  if (value === null || typeof value === "string") return value;
  if ("i" in value) return BigInt(value.i);
  if ("f" in value) return value.f;
  return new Uint8Array(Buffer.from(value.b, "base64"));
}

/**
 * Tables that others reference come first, so rows restore in an order that satisfies
 * foreign keys without switching enforcement off.
 */
function orderByDependencies(schema: SchemaObject[]): SchemaObject[] {
  const tables = schema.filter((object) => object.type === "table");
  const names = new Set(tables.map((table) => table.name));
  const references = new Map(
    tables.map((table) => [
      table.name,
      [...table.sql.matchAll(/REFERENCES\s+[`"[]?([A-Za-z0-9_]+)/gi)]
        .map((match) => match[1] ?? "")
        .filter((name) => names.has(name) && name !== table.name),
    ]),
  );
  const ordered: SchemaObject[] = [];
  const placed = new Set<string>();
  for (let round = 0; ordered.length < tables.length && round <= tables.length; round++) {
    for (const table of tables) {
      if (placed.has(table.name)) continue;
      if ((references.get(table.name) ?? []).every((name) => placed.has(name))) {
        ordered.push(table);
        placed.add(table.name);
      }
    }
  }
  if (ordered.length < tables.length) throw new Error("foreign keys form a cycle; cannot order tables");
  return [...ordered, ...schema.filter((object) => object.type !== "table")];
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export async function createSnapshot(
  client: Client,
): Promise<{ lines: string[]; manifest: Omit<Manifest, "sha256" | "bytes"> }> {
  const transaction = await client.transaction("read");
  try {
    const objects = await transaction.execute(
      "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, name",
    );
    const schema = orderByDependencies(
      objects.rows.map((row) => ({
        type: String(row.type) as SchemaObject["type"],
        name: String(row.name),
        sql: String(row.sql),
      })),
    );
    const lines: string[] = [JSON.stringify({ format: SNAPSHOT_FORMAT, schema })];
    const rowCounts: Record<string, number> = {};
    for (const table of schema.filter((object) => object.type === "table")) {
      let lastRowId: bigint = -(2n ** 63n);
      let count = 0;
      for (let page = 0; page < MAX_PAGES_PER_TABLE; page++) {
        const result = await transaction.execute({
          sql: `SELECT rowid AS __rowid, * FROM ${quoteIdentifier(table.name)} WHERE rowid > ? ORDER BY rowid LIMIT ${PAGE_ROWS}`,
          args: [lastRowId],
        });
        const columns = result.columns.slice(1);
        for (const row of result.rows) {
          lastRowId = BigInt(row.__rowid as bigint);
          lines.push(
            JSON.stringify({
              table: table.name,
              columns,
              values: columns.map((column) => encode(row[column])),
            }),
          );
          count++;
        }
        if (result.rows.length < PAGE_ROWS) break;
      }
      rowCounts[table.name] = count;
    }
    const tables = new Set(schema.filter((object) => object.type === "table").map((object) => object.name));
    const manifest = {
      format: SNAPSHOT_FORMAT,
      createdAt: new Date().toISOString(),
      schemaVersion: tables.has(MIGRATIONS_TABLE) ? await schemaVersionOf(transaction) : null,
      rowCounts,
      ledgerTotals: tables.has("ledger_balances") ? await ledgerTotalsOf(transaction) : [],
      auditHead: tables.has("audit_log") ? await auditHeadOf(transaction) : null,
    } as const;
    await transaction.commit();
    return { lines, manifest };
  } finally {
    transaction.close();
  }
}

type Executor = Pick<Client, "execute">;

async function schemaVersionOf(executor: Executor) {
  const result = await executor.execute(
    `SELECT created_at FROM ${MIGRATIONS_TABLE} ORDER BY created_at DESC LIMIT 1`,
  );
  const applied = Number(result.rows[0]?.created_at ?? 0);
  const head = expectedMigrationHead();
  return { tag: applied === head.createdAtMs ? head.tag : `unknown(${applied})`, createdAtMs: applied };
}

/** Per asset and book, the sum of every balance (user and system): zero when the ledger balances. */
async function ledgerTotalsOf(executor: Executor) {
  const result = await executor.execute(
    "SELECT asset, book, sum(balance) AS total, count(*) AS accounts FROM ledger_balances GROUP BY asset, book ORDER BY asset, book",
  );
  return result.rows.map((row) => ({
    asset: String(row.asset),
    book: String(row.book),
    total: String(row.total),
  }));
}

async function auditHeadOf(executor: Executor) {
  const result = await executor.execute(
    "SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1",
  );
  const row = result.rows[0];
  return row ? { sequence: Number(row.sequence), hash: String(row.hash) } : null;
}

export function writeSnapshot(
  directory: string,
  snapshot: Awaited<ReturnType<typeof createSnapshot>>,
): string {
  const stamp = snapshot.manifest.createdAt.replaceAll(":", "-").replace(/\..*$/, "Z");
  const folder = join(directory, stamp);
  mkdirSync(folder, { recursive: true });
  const body = `${snapshot.lines.join("\n")}\n`;
  writeFileSync(join(folder, "snapshot.jsonl"), body);
  const manifest: Manifest = {
    ...snapshot.manifest,
    sha256: createHash("sha256").update(body).digest("hex"),
    bytes: Buffer.byteLength(body),
  };
  writeFileSync(join(folder, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return folder;
}

export function latestSnapshot(directory: string): string | null {
  let names: string[];
  try {
    names = readdirSync(directory).filter((name) => /^\d{4}-\d{2}-\d{2}T/.test(name));
  } catch {
    return null;
  }
  const latest = names.sort().at(-1);
  return latest ? join(directory, latest) : null;
}

interface RestoreResult {
  manifest: Manifest;
  problems: string[];
}

/** Checks the file against its manifest, then loads schema and rows into an empty database. */
export async function restoreSnapshot(folder: string, target: Client): Promise<RestoreResult> {
  const manifest = JSON.parse(readFileSync(join(folder, "manifest.json"), "utf8")) as Manifest;
  const body = readFileSync(join(folder, "snapshot.jsonl"), "utf8");
  const digest = createHash("sha256").update(body).digest("hex");
  if (digest !== manifest.sha256) {
    return {
      manifest,
      problems: [`snapshot checksum mismatch: manifest ${manifest.sha256}, file ${digest}`],
    };
  }
  const lines = body.split("\n").filter((line) => line.length > 0);
  const header = JSON.parse(lines[0] ?? "{}") as { format?: string; schema?: SchemaObject[] };
  if (header.format !== SNAPSHOT_FORMAT || !header.schema) {
    return { manifest, problems: [`unknown snapshot format ${String(header.format)}`] };
  }
  // Tables and indexes first (a foreign key needs the unique index it points at), triggers
  // and views after the rows.
  const tables = header.schema.filter((object) => object.type === "table" || object.type === "index");
  const later = header.schema.filter((object) => object.type !== "table" && object.type !== "index");
  await target.batch(
    tables.map((object) => object.sql),
    "write",
  );
  // Rows go in before the triggers, in batches of bounded size.
  const BATCH = 500;
  let pending: { sql: string; args: (null | string | bigint | number | Uint8Array)[] }[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    await target.batch(pending, "write");
    pending = [];
  };
  for (const line of lines.slice(1)) {
    const row = JSON.parse(line) as { table: string; columns: string[]; values: EncodedValue[] };
    pending.push({
      sql: `INSERT INTO ${quoteIdentifier(row.table)} (${row.columns.map(quoteIdentifier).join(", ")}) VALUES (${row.columns.map(() => "?").join(", ")})`,
      args: row.values.map(decode),
    });
    if (pending.length >= BATCH) await flush();
  }
  await flush();
  if (later.length > 0)
    await target.batch(
      later.map((object) => object.sql),
      "write",
    );
  return { manifest, problems: [] };
}

/** Compares a restored database with the manifest: row counts, totals, versions, audit head. */
export async function compareWithManifest(target: Client, manifest: Manifest): Promise<string[]> {
  const problems: string[] = [];
  for (const [table, expected] of Object.entries(manifest.rowCounts)) {
    const result = await target.execute(`SELECT count(*) AS n FROM ${quoteIdentifier(table)}`);
    const actual = Number(result.rows[0]?.n ?? -1);
    if (actual !== expected) problems.push(`row count ${table}: manifest ${expected}, restored ${actual}`);
  }
  if (manifest.schemaVersion) {
    const version = await schemaVersionOf(target);
    if (version.createdAtMs !== manifest.schemaVersion.createdAtMs) {
      problems.push(`schema version: manifest ${manifest.schemaVersion.tag}, restored ${version.tag}`);
    }
  }
  if (manifest.rowCounts.ledger_balances !== undefined) {
    const totals = await ledgerTotalsOf(target);
    if (JSON.stringify(totals) !== JSON.stringify(manifest.ledgerTotals)) {
      problems.push(
        `ledger totals differ: manifest ${JSON.stringify(manifest.ledgerTotals)}, restored ${JSON.stringify(totals)}`,
      );
    }
  }
  if (manifest.rowCounts.audit_log !== undefined) {
    const head = await auditHeadOf(target);
    if (JSON.stringify(head) !== JSON.stringify(manifest.auditHead)) {
      problems.push(
        `audit head differs: manifest ${JSON.stringify(manifest.auditHead)}, restored ${JSON.stringify(head)}`,
      );
    }
  }
  return problems;
}
