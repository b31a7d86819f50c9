import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { errorCode } from "../support/api-client.ts";
import { OPS, ORIGIN, signUp } from "./flows/support.ts";
import { walletIn, walletsOf } from "./ledger/support.ts";

/** API.md: GET /deposits/reference, and POST /ops/deposits by that reference. */

async function opsDeposit(body: Record<string, unknown>) {
  const response = await SELF.fetch(`${ORIGIN}/api/v1/ops/deposits`, {
    method: "POST",
    headers: { ...OPS, "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID() },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
}

describe("a trader's deposit reference", () => {
  it("is the trader's own, stable, and credits their live book when an operator books a transfer by it", async () => {
    const trader = await signUp("deposit-ref");
    const other = await signUp("deposit-ref-other");
    const first = await trader.client.get<{ reference: string }>("/api/v1/deposits/reference");
    expect(first.status).toBe(200);
    expect(first.body.reference).toMatch(/^CHX[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(
      (await trader.client.get<{ reference: string }>("/api/v1/deposits/reference")).body.reference,
    ).toBe(first.body.reference);
    const theirs = await other.client.get<{ reference: string }>("/api/v1/deposits/reference");
    expect(theirs.body.reference).not.toBe(first.body.reference);

    // Typed as a banking app might send it on: lower case, with a dash and a space.
    const typed = `${first.body.reference.slice(0, 3).toLowerCase()}-${first.body.reference.slice(3, 7)} ${first.body.reference.slice(7)}`;
    const credited = await opsDeposit({
      depositReference: typed,
      asset: "GBP",
      amount: "250.00",
      reference: `bank-${crypto.randomUUID()}`,
    });
    expect(credited.status).toBe(201);
    expect(walletIn(await walletsOf(trader.client), "live", "GBP").available).toBe("250.00");
    expect(walletIn(await walletsOf(other.client), "live", "GBP").available).toBe("0.00");
  });

  it("refuses an unknown reference, both an email and a reference, and anonymous callers", async () => {
    const unknown = await opsDeposit({
      depositReference: "CHX00000000",
      asset: "GBP",
      amount: "1.00",
      reference: "bank-x",
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.code).toBe("user_not_found");
    const trader = await signUp("deposit-both");
    const { reference } = (await trader.client.get<{ reference: string }>("/api/v1/deposits/reference")).body;
    const both = await opsDeposit({
      email: trader.email,
      depositReference: reference,
      asset: "GBP",
      amount: "1.00",
      reference: "bank-y",
    });
    expect(both.status).toBe(400);
    expect(both.body.error?.code).toBe("invalid_request");
    const anonymous = await SELF.fetch(`${ORIGIN}/api/v1/deposits/reference`);
    expect(anonymous.status).toBe(401);
    expect(errorCode({ body: await anonymous.json() } as never)).toBe("unauthenticated");
  });
});
