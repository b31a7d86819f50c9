import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  FIELD_MESSAGES,
  minimumOrder,
  moreThanAvailable,
  normaliseAmountText,
  tooManyDecimals,
} from "../../../worker/services/forms/messages.ts";
import { ORIGIN, postPageForm, signedUpClient } from "../security/support.ts";

type ErrorBody = { error: { code: string; message: string; fields?: Record<string, string> } };

/** The page's HTML (entities as React writes them) contains this field message at its field. */
function pageSays(html: string, message: string): boolean {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  const escaped = text.replaceAll("&", "&amp;").replaceAll("'", "&#x27;").replaceAll('"', "&quot;");
  return html.includes(escaped);
}

describe("field messages, on the server, in a trader's words", () => {
  it("the JSON API names the field and says what is wrong with it", async () => {
    const { client } = await signedUpClient("fields-api");
    const decimals = await client.post<ErrorBody>(
      "/api/v1/wallets/paper-deposit",
      { asset: "GBP", amount: "10.001" },
      { "Idempotency-Key": crypto.randomUUID() },
    );
    expect(decimals.status).toBe(400);
    expect(decimals.body.error.fields?.amount).toBe(tooManyDecimals("GBP", 2));
    expect(decimals.body.error.fields?.amount).toBe("at most 2 decimals for GBP");

    // The API takes plain decimal strings only: no thousands separators, no decimal comma.
    for (const amount of ["10,000.50", "10,5"]) {
      const refused = await client.post<ErrorBody>(
        "/api/v1/wallets/paper-deposit",
        { asset: "GBP", amount },
        { "Idempotency-Key": crypto.randomUUID() },
      );
      expect(refused.status, amount).toBe(400);
      expect(refused.body.error.fields?.amount, amount).toBe(FIELD_MESSAGES.notAPlainNumber);
    }

    const missing = await client.post<ErrorBody>(
      "/api/v1/wallets/paper-deposit",
      { asset: "GBP" },
      { "Idempotency-Key": crypto.randomUUID() },
    );
    expect(missing.body.error.fields?.amount).toBe(FIELD_MESSAGES.required);

    const tooSmall = await client.post<ErrorBody>(
      "/api/v1/orders",
      { symbol: "BTC-GBP", side: "buy", type: "market", quoteAmount: "1.00" },
      { "Idempotency-Key": crypto.randomUUID() },
    );
    expect(tooSmall.status).toBe(400);
    expect(tooSmall.body.error.code).toBe("filter_failure");
    expect(tooSmall.body.error.fields?.quoteAmount).toMatch(/^min_notional: minimum order \d+\.\d{2} GBP$/);
  });

  it("page forms accept en-GB thousands separators, never guess a decimal comma, and answer at the field", async () => {
    const { client } = await signedUpClient("fields-page");
    const cookie = { Cookie: client.cookie ?? "" };
    const deposit = (amount: string) =>
      postPageForm("/wallet", { asset: "GBP", amount, idempotencyKey: crypto.randomUUID() }, cookie);

    const grouped = await deposit("10,000.50");
    expect(grouped.status).toBe(200);
    const done = await grouped.text();
    expect(done).toContain('data-testid="deposit-done"');
    expect(done).toContain("10,000.50");

    const comma = await (await deposit("10,5")).text();
    expect(pageSays(comma, FIELD_MESSAGES.decimalComma)).toBe(true);
    expect(comma).toContain('aria-invalid="true"');
    expect(comma).toContain('aria-describedby="paper-amount-error"');

    const decimals = await (await deposit("1.234")).text();
    expect(pageSays(decimals, tooManyDecimals("GBP", 2))).toBe(true);

    const wallets = await client.get<{ wallets: { asset: string; mode: string; available: string }[] }>(
      "/api/v1/wallets",
    );
    const paperGbp = wallets.body.wallets.find((wallet) => wallet.asset === "GBP" && wallet.mode === "paper");
    expect(paperGbp?.available).toBe("10000.50");
  });

  it("the Trade page's action gives the ticket's words: minimum order, and more than you have", async () => {
    const { client } = await signedUpClient("fields-trade");
    const cookie = { Cookie: client.cookie ?? "" };
    const place = (fields: Record<string, string>) =>
      SELF.fetch(`${ORIGIN}/trade.data?symbol=BTC-GBP`, {
        method: "POST",
        headers: {
          Origin: ORIGIN,
          Host: new URL(ORIGIN).host,
          "Content-Type": "application/x-www-form-urlencoded",
          ...cookie,
        },
        body: new URLSearchParams({
          intent: "place",
          key: crypto.randomUUID(),
          symbol: "BTC-GBP",
          mode: "paper",
          ...fields,
        }).toString(),
      });
    const small = await (await place({ side: "buy", type: "market", quoteAmount: "1.00" })).text();
    expect(small).toMatch(/min_notional: minimum order \d+\.\d{2} GBP/);

    const broke = await (await place({ side: "buy", type: "market", quoteAmount: "1,000.00" })).text();
    expect(broke).toContain(moreThanAvailable("0.00", "GBP"));

    const comma = await (
      await place({ side: "buy", type: "limit", quantity: "0,5", price: "60000.00" })
    ).text();
    expect(comma).toContain(FIELD_MESSAGES.decimalComma);
  });

  it("normalises only valid thousands groupings", () => {
    expect(normaliseAmountText(" 10,000.50 ")).toBe("10000.50");
    expect(normaliseAmountText("1,234,567")).toBe("1234567");
    expect(normaliseAmountText("10,5")).toBe("10,5");
    expect(normaliseAmountText("1,00,000")).toBe("1,00,000");
    expect(normaliseAmountText("10000,50")).toBe("10000,50");
    expect(minimumOrder("10.00", "GBP")).toBe("minimum order 10.00 GBP");
    expect(moreThanAvailable("4990.00", "GBP")).toBe("more than you have: 4,990.00 GBP available");
  });
});
