import { describe, expect, it } from "vitest";
import { keyAfter } from "../../../app/components/withdraw/withdrawal-key.ts";

// Defect 1 (the page half): the Withdraw page made a new Idempotency-Key on every render, so
// resending after an uncertain failure could hold the money a second time.
describe("the Withdraw page's Idempotency-Key", () => {
  it("is kept while the outcome is uncertain, so a resend finds the same withdrawal", () => {
    expect(keyAfter({ intent: "withdraw", error: { code: "service_unavailable" } })).toBe("keep");
  });

  it("is kept when the result is about another form on the page", () => {
    expect(keyAfter(undefined)).toBe("keep");
    expect(keyAfter({ intent: "add-address" })).toBe("keep");
    expect(keyAfter({ intent: "cancel", error: { code: "invalid_state" } })).toBe("keep");
  });

  it("is renewed once the server answered for sure: success or a definite refusal", () => {
    expect(keyAfter({ intent: "withdraw" })).toBe("renew");
    for (const code of [
      "insufficient_funds",
      "velocity_limit_exceeded",
      "totp_invalid",
      "too_many_requests",
    ]) {
      expect(keyAfter({ intent: "withdraw", error: { code } })).toBe("renew");
    }
  });
});
