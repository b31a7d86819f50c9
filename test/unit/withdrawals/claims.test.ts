import { describe, expect, it } from "vitest";
import { WithdrawalClaims } from "../../../worker/services/withdrawals/claims.ts";

/** Finding 6 (issue #15): the in-flight claim on a withdrawal's Idempotency-Key. */
describe("withdrawal key claims", () => {
  it("the first claims; copies with the same body wait and get its answer; the key is free after", async () => {
    const claims = new WithdrawalClaims();
    const first = await claims.claim("wd_1", "hash-a");
    expect(first.kind).toBe("claimed");
    const copies = [claims.claim("wd_1", "hash-a"), claims.claim("wd_1", "hash-a")];
    const refusal = { status: 403, code: "totp_invalid", message: "That code is not valid." };
    expect(
      claims.settle("wd_1", first.kind === "claimed" ? first.token : "", { kind: "refused", error: refusal }),
    ).toBe(true);
    expect(await Promise.all(copies)).toEqual([
      { kind: "answered", answer: { kind: "refused", error: refusal } },
      { kind: "answered", answer: { kind: "refused", error: refusal } },
    ]);
    expect(claims.size).toBe(0);
    expect((await claims.claim("wd_1", "hash-a")).kind).toBe("claimed");
  });

  it("a copy with another body is a conflict at once", async () => {
    const claims = new WithdrawalClaims();
    await claims.claim("wd_2", "hash-a");
    expect(await claims.claim("wd_2", "hash-b")).toEqual({ kind: "conflict" });
  });

  it("only the holder's token settles", async () => {
    const claims = new WithdrawalClaims();
    await claims.claim("wd_3", "hash-a");
    expect(claims.settle("wd_3", "not-the-token", { kind: "done" })).toBe(false);
    expect(claims.size).toBe(1);
  });

  it("a claim whose holder vanished lapses, and one waiting copy takes it over", async () => {
    let nowMs = 0;
    const claims = new WithdrawalClaims({ ttlMs: 20, now: () => nowMs });
    await claims.claim("wd_4", "hash-a");
    const copy = claims.claim("wd_4", "hash-a");
    nowMs = 25;
    const result = await copy;
    expect(result.kind).toBe("claimed");
  });

  it("bounds the claims in flight", async () => {
    const claims = new WithdrawalClaims({ maxClaims: 2 });
    await claims.claim("a", "h");
    await claims.claim("b", "h");
    expect(await claims.claim("c", "h")).toEqual({ kind: "busy" });
  });
});
