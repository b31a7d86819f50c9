import { env, runInDurableObject } from "cloudflare:test";
import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { errorCode } from "../../support/api-client.ts";
import { forgetUsedSteps, readyToWithdraw, rows, type Trader } from "../flows/support.ts";
import { database } from "../ledger/support.ts";

/**
 * Finding 6 (issue #15): a client that sends one withdrawal several times at once (same
 * Idempotency-Key, body and code — a double click, a retrying proxy) gets the first answer on
 * every copy. A copy never spends a code or a 2FA attempt: the key is claimed in the user's
 * object before the code is checked, and a copy waits for the first to finish.
 */
const BODY = { asset: "BTC", amount: "0.01000000" };

function withdraw(trader: Trader, body: Record<string, unknown>, key: string) {
  return trader.client.post<{ id: string; status: string }>("/api/v1/withdrawals", body, {
    "Idempotency-Key": key,
  });
}

async function secondFactorFailures(userId: string): Promise<number> {
  return runInDurableObject(
    env.USER_LEDGER.get(env.USER_LEDGER.idFromName(userId)),
    async (_object, state) => {
      const guard = await state.storage.get<{ failuresAtMs: number[] }>("totp");
      return guard?.failuresAtMs.length ?? 0;
    },
  );
}

async function failedStepUps(userId: string): Promise<number> {
  const client = database();
  try {
    return (
      await rows(client, "SELECT event FROM audit_log WHERE user_id = ? AND event = 'step_up.failed'", [
        userId,
      ])
    ).length;
  } finally {
    client.close();
  }
}

describe("concurrent duplicates of one withdrawal", () => {
  it("eight copies at once: one withdrawal, eight identical 201s, no 2FA attempt counted", async () => {
    const { trader, addressId } = await readyToWithdraw("dup");
    await forgetUsedSteps(trader.id);
    const totp = await generate({ secret: trader.secret ?? "" });
    const key = crypto.randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => withdraw(trader, { ...BODY, addressId, totp }, key)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(201));
    const ids = new Set(answers.map((answer) => answer.body.id));
    expect(ids.size).toBe(1);
    for (const answer of answers) expect(answer.body).toEqual(answers[0]?.body);
    expect(await secondFactorFailures(trader.id)).toBe(0);
    expect(await failedStepUps(trader.id)).toBe(0);
    const list = await trader.client.get<{ withdrawals: unknown[] }>("/api/v1/withdrawals");
    expect(list.body.withdrawals).toHaveLength(1);
    // And the user is not locked out: a new withdrawal with a new code goes through.
    await forgetUsedSteps(trader.id);
    const next = await withdraw(
      trader,
      { ...BODY, addressId, totp: await generate({ secret: trader.secret ?? "" }) },
      crypto.randomUUID(),
    );
    expect(next.status).toBe(201);
  });

  it("copies of a request with a wrong code all get its 403, and count as one failed attempt", async () => {
    const { trader, addressId } = await readyToWithdraw("dup-wrong");
    await forgetUsedSteps(trader.id);
    const key = crypto.randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => withdraw(trader, { ...BODY, addressId, totp: "000000" }, key)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(403));
    expect(answers.map((answer) => errorCode(answer))).toEqual(Array(6).fill("totp_invalid"));
    expect(await secondFactorFailures(trader.id)).toBe(1);
    // Not in flight any more: a retry of that key is a new attempt and needs a good code.
    const retry = await withdraw(
      trader,
      { ...BODY, addressId, totp: await generate({ secret: trader.secret ?? "" }) },
      key,
    );
    expect(retry.status).toBe(201);
  });

  it("a copy with a different body while the first is in flight: 409, and no attempt counted", async () => {
    const { trader, addressId } = await readyToWithdraw("dup-conflict");
    await forgetUsedSteps(trader.id);
    const totp = await generate({ secret: trader.secret ?? "" });
    const key = crypto.randomUUID();
    const answers = await Promise.all([
      withdraw(trader, { ...BODY, addressId, totp }, key),
      withdraw(trader, { ...BODY, amount: "0.02000000", addressId, totp }, key),
    ]);
    // Whichever claimed the key first is the request; the other is the conflicting copy.
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([201, 409]);
    const refused = answers.find((answer) => answer.status === 409);
    expect(refused && errorCode(refused)).toBe("idempotency_conflict");
    expect(await secondFactorFailures(trader.id)).toBe(0);
  });
});
