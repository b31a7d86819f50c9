import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { encodeStep } from "../../../worker/services/flows/flow.ts";
import { errorCode } from "../../support/api-client.ts";
import { database } from "../ledger/support.ts";
import { faultyClient, freshCode, readyToWithdraw, rows, withdrawalDesk } from "./support.ts";

const AUDIT = { requestId: "test", ipAddress: "127.0.0.1" };
const TENTH_BTC = 10_000_000n;

async function openHolds(userId: string) {
  return rows(database(), "SELECT id, remaining FROM ledger_holds WHERE user_id = ? AND status = 'open'", [
    userId,
  ]);
}

async function withdrawalRows(userId: string) {
  return rows(
    database(),
    "SELECT id, status, reason, pending, attempts, retry_at_ms, halted, hold_id FROM withdrawals WHERE user_id = ?",
    [userId],
  );
}

describe("withdrawal flow: record, act, resume", () => {
  it("defect 1: a row write failing after the hold leaves no orphan: the row is there first and resuming finishes it once", async () => {
    const { trader, addressId } = await readyToWithdraw("orphan");
    // The write that finishes the request (after the ledger hold) fails: committed or not.
    for (const fault of ["before", "after"] as const) {
      let updates = 0;
      const client = faultyClient(database(), (sql) =>
        /^update "withdrawals"/i.test(sql) && ++updates === 2 ? fault : null,
      );
      const key = `orphan-${fault}-${crypto.randomUUID()}`;
      const request = { asset: "BTC" as const, amountMinor: TENTH_BTC, addressId, idempotencyKey: key };
      const failed = await withdrawalDesk(trader.id, client).request(request, AUDIT);
      expect(failed.ok).toBe(false);
      if (!failed.ok) expect(failed.error.status).toBe(503);

      // Every open hold belongs to a withdrawal row; this one is recorded with its step.
      const holds = await openHolds(trader.id);
      const recorded = await withdrawalRows(trader.id);
      for (const hold of holds) {
        expect(recorded.map((row) => row.hold_id)).toContain(hold.id);
      }
      // A restarted object (a fresh desk, healthy database) finishes it from the record alone.
      // Later than any backoff: the alarm that comes after the failure.
      const later = () => Date.now() + 10 * 60_000;
      const resumed = await withdrawalDesk(trader.id, database(), undefined, later).resumePending();
      expect(resumed).toMatchObject({ pending: 0, halted: 0, nextWakeMs: null });
      // A retry with the same key returns the same withdrawal and holds nothing more.
      const retried = await withdrawalDesk(trader.id, database()).request(request, AUDIT);
      expect(retried.ok).toBe(true);
      if (retried.ok) expect(retried.value.status).toBe("approved");
    }
    const finished = await withdrawalRows(trader.id);
    expect(finished).toHaveLength(2);
    expect(finished.every((row) => row.status === "approved" && row.pending === null)).toBe(true);
    const holds = await openHolds(trader.id);
    expect(holds.map((hold) => BigInt(String(hold.remaining)))).toEqual([TENTH_BTC, TENTH_BTC]);
  });

  it("a failed step backs off for that withdrawal alone and the API answers 503, then the same key finishes it", async () => {
    const { trader, addressId } = await readyToWithdraw("backoff");
    let updates = 0;
    const client = faultyClient(database(), (sql) =>
      /^update "withdrawals"/i.test(sql) && ++updates === 2 ? "before" : null,
    );
    const key = `backoff-${crypto.randomUUID()}`;
    const request = { asset: "BTC" as const, amountMinor: TENTH_BTC, addressId, idempotencyKey: key };
    const failed = await withdrawalDesk(trader.id, client).request(request, AUDIT);
    expect(failed.ok).toBe(false);
    const [row] = await withdrawalRows(trader.id);
    expect(row?.pending).not.toBeNull();
    expect(Number(row?.attempts)).toBe(1);
    expect(Number(row?.retry_at_ms)).toBeGreaterThan(Date.now());
    // Not due yet: the alarm leaves it and says when to come back.
    const early = await withdrawalDesk(trader.id, database()).resumePending();
    expect(early.pending).toBe(1);
    expect(early.nextWakeMs).toBe(Number(row?.retry_at_ms));

    // Through the API the same key answers the first result without a new code.
    const response = await trader.client.post(
      "/api/v1/withdrawals",
      { asset: "BTC", amount: "0.10000000", addressId },
      { "Idempotency-Key": key },
    );
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ status: "approved" });
    expect(await openHolds(trader.id)).toHaveLength(1);
  });

  it("a refused request is recorded and answers the same refusal on every retry, holding nothing", async () => {
    const { trader, addressId } = await readyToWithdraw("refused", "0.01000000");
    const key = crypto.randomUUID();
    const body = { asset: "BTC", amount: "0.02000000", addressId };
    const first = await trader.client.post(
      "/api/v1/withdrawals",
      { ...body, totp: await freshCode(trader) },
      { "Idempotency-Key": key },
    );
    expect(first.status).toBe(409);
    expect(errorCode(first)).toBe("insufficient_funds");
    const again = await trader.client.post("/api/v1/withdrawals", body, { "Idempotency-Key": key });
    expect(again.status).toBe(409);
    expect(errorCode(again)).toBe("insufficient_funds");
    expect(await openHolds(trader.id)).toHaveLength(0);
    const [row] = await withdrawalRows(trader.id);
    expect(row).toMatchObject({ status: "rejected", reason: "insufficient_funds", pending: null });
  });

  it("a step that breaks an invariant halts that withdrawal, is reported once and is never retried", async () => {
    const { trader, addressId } = await readyToWithdraw("halt");
    const ok = await withdrawalDesk(trader.id, database()).request(
      { asset: "BTC", amountMinor: TENTH_BTC, addressId, idempotencyKey: crypto.randomUUID() },
      AUDIT,
    );
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    // Damage: a recorded "complete" for an approved withdrawal (only a processing one can).
    await database().execute({
      sql: "UPDATE withdrawals SET pending = ? WHERE id = ?",
      args: [
        encodeStep({
          stage: "transition",
          transition: "complete",
          from: "processing",
          actor: "test",
          audit: AUDIT,
        }),
        ok.value.id,
      ],
    });
    const reports: string[] = [];
    const desk = withdrawalDesk(trader.id, database(), async (halt) => {
      reports.push(`${halt.flow}:${halt.id}`);
    });
    expect(await desk.resumePending()).toMatchObject({ pending: 0, halted: 1, nextWakeMs: null });
    expect(await desk.resumePending()).toMatchObject({ pending: 0, halted: 1, nextWakeMs: null });
    expect(reports).toEqual([`withdrawal:${ok.value.id}`]);
    const [row] = await withdrawalRows(trader.id);
    expect(String(row?.halted)).toMatch(/^invariant: /);
    // The hold was neither settled nor released: the money waits for an operator.
    expect(await openHolds(trader.id)).toHaveLength(1);
    // The owner cannot move it either; the answer is final, not "retry".
    const cancel = await trader.client.post(`/api/v1/withdrawals/${ok.value.id}/cancel`);
    expect(cancel.status).toBe(500);
    expect(errorCode(cancel)).toBe("withdrawal_halted");
  });

  it("the user's object resumes a recorded step from its alarm, with no client involved", async () => {
    const { trader, addressId } = await readyToWithdraw("alarm");
    // A crash right after recording: the row and its first step, nothing else.
    const id = `wd_${crypto.randomUUID().replaceAll("-", "")}`;
    await database().execute({
      sql: `INSERT INTO withdrawals (id, user_id, idempotency_key, request_hash, asset, amount, amount_gbp, address_id, address,
              status, requires_approval, hold_id, reviewed_by, pending, attempts, created_at_ms, updated_at_ms)
            VALUES (?, ?, ?, 'h', 'BTC', ?, 0, ?, 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'requested', 0, ?, 'auto', ?, 0, ?, ?)`,
      args: [
        id,
        trader.id,
        `crash-${id}`,
        TENTH_BTC,
        addressId,
        `hold_${id}`,
        encodeStep({ stage: "reserve", audit: AUDIT }),
        BigInt(Date.now()),
        BigInt(Date.now()),
      ],
    });
    const stub = env.USER_ORDERS.get(env.USER_ORDERS.idFromName(trader.id));
    // Any call that may leave work arms the alarm before acting (here one that fails at once);
    // the alarm then finishes what was recorded.
    const cancel = await stub.transitionWithdrawal(
      trader.id,
      "no-such-withdrawal",
      "cancel",
      { actor: "test" },
      AUDIT,
    );
    expect(cancel.ok).toBe(false);
    expect((await withdrawalRows(trader.id))[0]).toMatchObject({ status: "requested" });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const [row] = await withdrawalRows(trader.id);
    expect(row).toMatchObject({ id, status: "approved", pending: null });
    expect(await openHolds(trader.id)).toHaveLength(1);
  });
});
