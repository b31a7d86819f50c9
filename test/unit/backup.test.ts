import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSnapshot, type Manifest, writeSnapshot } from "../../db/backup.ts";
import { type Client, createDatabaseClient } from "../../db/client.ts";
import { migrateDatabase } from "../../db/migrate.ts";
import { startLibsqlServer } from "../../db/server/server.ts";
import { verifyBackup } from "../../scripts/backup-verify.ts";
import { appendAudit } from "../../worker/services/audit/append.ts";
import { UserLedgerEngine } from "../../worker/services/ledger/engine.ts";

let directory: string;
let server: Awaited<ReturnType<typeof startLibsqlServer>>;
let client: Client;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "coinhubx-backup-test-"));
  server = await startLibsqlServer({ host: "127.0.0.1", port: 0, databasePath: join(directory, "live.db") });
  client = createDatabaseClient({ url: server.url, timeoutMs: 30_000 });
  await migrateDatabase(client);
  const engine = new UserLedgerEngine({
    database: client,
    config: { paperDepositDailyCapGbpMinor: 10n ** 12n },
  });
  for (let index = 0; index < 3; index++) {
    const userId = `user-${index}`;
    await client.execute({
      sql: "INSERT INTO users (id, email, password_hash, referral_code, created_at_ms) VALUES (?, ?, 'x', ?, ?)",
      args: [userId, `backup-${index}@example.com`, `REF0000${index}`, BigInt(Date.now())],
    });
    await appendAudit(client, {
      event: "account.signup",
      outcome: "success",
      actor: `user:${userId}`,
      userId,
    });
    const paper = await engine.submit({
      kind: "paper_deposit",
      userId,
      idempotencyKey: `paper-${index}`,
      asset: "GBP",
      amountMinor: 1_000_000n + BigInt(index),
    });
    expect(paper.ok).toBe(true);
    const live = await engine.submit({
      kind: "ops_deposit",
      userId,
      idempotencyKey: `live-${index}`,
      asset: "BTC",
      amountMinor: 12_345_678n,
      reference: `bank-${index}`,
      audit: { actor: "ops-token", requestId: null, ipAddress: null },
    });
    expect(live.ok).toBe(true);
  }
}, 60_000);

afterAll(async () => {
  client?.close();
  await server?.close();
  rmSync(directory, { recursive: true, force: true });
});

describe("backup and restore proof", () => {
  it("a snapshot of a live database restores into a fresh one and passes every check", async () => {
    const snapshot = await createSnapshot(client);
    expect(snapshot.manifest.rowCounts.users).toBe(3);
    expect(snapshot.manifest.rowCounts.ledger_entries).toBe(6);
    expect(snapshot.manifest.auditHead?.sequence).toBeGreaterThanOrEqual(3);
    expect(snapshot.manifest.ledgerTotals.every((total) => total.total === "0")).toBe(true);
    const folder = writeSnapshot(join(directory, "backups"), snapshot);
    const result = await verifyBackup(folder);
    expect(result.report.join("\n")).not.toContain("FAIL");
    expect(result.ok).toBe(true);
    expect(result.report.some((line) => line.includes("audit_chain_intact"))).toBe(true);
  }, 60_000);

  it("a corrupted snapshot file is detected before anything is restored", async () => {
    const folder = writeSnapshot(join(directory, "corrupt"), await createSnapshot(client));
    const path = join(folder, "snapshot.jsonl");
    const bytes = readFileSync(path);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = (bytes[middle] ?? 0) ^ 0x01;
    writeFileSync(path, bytes);
    const result = await verifyBackup(folder);
    expect(result.ok).toBe(false);
    expect(result.report.join("\n")).toMatch(/checksum mismatch/);
  }, 60_000);

  it("a tampered snapshot with a matching checksum still fails reconciliation and the manifest", async () => {
    const folder = writeSnapshot(join(directory, "tampered"), await createSnapshot(client));
    const path = join(folder, "snapshot.jsonl");
    // Inflate one user balance and re-sign the file: the ledger no longer folds to it.
    const lines = readFileSync(path, "utf8").split("\n");
    const index = lines.findIndex(
      (line) => line.includes('"table":"ledger_balances"') && line.includes("user:"),
    );
    expect(index).toBeGreaterThan(0);
    lines[index] = (lines[index] ?? "").replace(
      /\{"i":"(\d+)"\}/,
      (_match, digits: string) => `{"i":"${BigInt(digits) + 1n}"}`,
    );
    const body = lines.join("\n");
    writeFileSync(path, body);
    const manifestPath = join(folder, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
    const { createHash } = await import("node:crypto");
    manifest.sha256 = createHash("sha256").update(body).digest("hex");
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const result = await verifyBackup(folder);
    expect(result.ok).toBe(false);
    const failures = result.report.filter((line) => line.startsWith("FAIL")).join("\n");
    expect(failures).toMatch(/ledger totals differ/);
    expect(failures).toMatch(/reconcile /);
  }, 60_000);
});
