import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ORIGIN, signedUpClient } from "../security/support.ts";

/** The attribute of the onboarding step's list item, as the page renders it. */
function stepDone(html: string, step: string): string | undefined {
  return new RegExp(`data-testid="onboarding-${step}" data-done="(true|false)"`).exec(html)?.[1];
}

describe("the Wallet and Deposit pages", () => {
  it("value the books in GBP, show a trade's fee as its own line, and tick the first steps off from the data", async () => {
    const { client } = await signedUpClient("wallet-page");
    const cookie = { Cookie: client.cookie ?? "" };
    // Sign-up lands on the Security page: the first steps are there from the start.
    const landing = await (await SELF.fetch(`${ORIGIN}/security`, { headers: cookie })).text();
    expect(stepDone(landing, "two_factor")).toBe("false");
    const before = await (await SELF.fetch(`${ORIGIN}/wallet`, { headers: cookie })).text();
    expect(stepDone(before, "paper_funds")).toBe("false");
    expect(stepDone(before, "first_trade")).toBe("false");

    const deposit = await client.post(
      "/api/v1/wallets/paper-deposit",
      { asset: "GBP", amount: "1000.00" },
      { "Idempotency-Key": crypto.randomUUID() },
    );
    expect(deposit.status).toBe(201);
    const order = await client.post<{ order: { status: string; fee: string } }>(
      "/api/v1/orders",
      { symbol: "BTC-GBP", side: "buy", type: "market", quoteAmount: "100.00" },
      { "Idempotency-Key": crypto.randomUUID() },
    );
    expect(order.status).toBe(201);
    expect(order.body.order.status).toBe("filled");

    const html = await (await SELF.fetch(`${ORIGIN}/wallet`, { headers: cookie })).text();
    expect(stepDone(html, "paper_funds")).toBe("true");
    expect(stepDone(html, "first_trade")).toBe("true");
    expect(stepDone(html, "two_factor")).toBe("false");
    // The fill's fee is a line of its own, and the paper book has a GBP total.
    expect(html).toContain('data-testid="history-fee"');
    const total = /data-testid="total-paper".*?data-value="(\d+\.\d{2})"/s.exec(html)?.[1];
    expect(Number(total)).toBeGreaterThan(990);
    expect(Number(total)).toBeLessThan(1010);

    // Dismissed, the checklist stays away for this user in this browser.
    const dismissed = await SELF.fetch(`${ORIGIN}/wallet`, {
      method: "POST",
      redirect: "manual",
      headers: {
        ...cookie,
        Origin: ORIGIN,
        Host: new URL(ORIGIN).host,
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ intent: "dismiss-onboarding" }).toString(),
    });
    const setCookie = dismissed.headers.get("Set-Cookie") ?? "";
    expect(setCookie).toMatch(/^chx_onboarding_dismissed=/);
    const later = await (
      await SELF.fetch(`${ORIGIN}/wallet`, {
        headers: { Cookie: `${cookie.Cookie}; ${setCookie.split(";")[0]}` },
      })
    ).text();
    expect(later).not.toContain('data-testid="onboarding"');
    const securityLater = await (
      await SELF.fetch(`${ORIGIN}/security`, {
        headers: { Cookie: `${cookie.Cookie}; ${setCookie.split(";")[0]}` },
      })
    ).text();
    expect(securityLater).not.toContain('data-testid="onboarding"');
  });

  it("the Deposit page shows the trader's own reference, the one the API gives", async () => {
    const { client } = await signedUpClient("deposit-page");
    const api = await client.get<{ reference: string }>("/api/v1/deposits/reference");
    const html = await (
      await SELF.fetch(`${ORIGIN}/deposit`, { headers: { Cookie: client.cookie ?? "" } })
    ).text();
    expect(html).toContain(api.body.reference);
    expect(html).toContain('data-testid="deposit-available"');
  });
});
