import { generate } from "otplib";
import { describe, expect, inject, it } from "vitest";
import { STRONG_PASSWORD, uniqueEmail } from "../support/api-client.ts";
import { browserForThisFile, screenshot } from "../support/browser.ts";

const baseUrl = inject("baseUrl");
const opsToken = inject("opsToken");
const browser = browserForThisFile();

describe("a LIVE order from the Trade page, on the exchange stand-in", () => {
  it("with 2FA on and USDT in the live book, a LIVE market buy fills at the exchange and shows in the live book", async () => {
    const page = await browser().newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    const email = uniqueEmail("live-trade");
    await page.goto(`${baseUrl}/signup`);
    await page.fill('input[name="email"]', email);
    await page.fill('input[name="password"]', STRONG_PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${baseUrl}/security`);

    // 2FA on, through the API with the browser's own session; USDT into the live book by an operator.
    const setup = await page.request.post(`${baseUrl}/api/v1/2fa/setup`, { headers: { Origin: baseUrl } });
    expect(setup.status()).toBe(200);
    const { secret } = (await setup.json()) as { secret: string };
    const enable = await page.request.post(`${baseUrl}/api/v1/2fa/enable`, {
      headers: { Origin: baseUrl },
      data: { code: await generate({ secret }) },
    });
    expect(enable.status()).toBe(200);
    const deposit = await page.request.post(`${baseUrl}/api/v1/ops/deposits`, {
      headers: {
        Origin: baseUrl,
        Authorization: `Bearer ${opsToken}`,
        "Idempotency-Key": `e2e-${crypto.randomUUID()}`,
      },
      data: { email, asset: "USDT", amount: "1000.000000", reference: `e2e-${crypto.randomUUID()}` },
    });
    expect(deposit.status()).toBe(201);

    await page.goto(`${baseUrl}/trade?symbol=BTC-USDT`);
    await page.click("[data-testid=mode-live]");
    await page.locator("[data-testid=mode-banner]").getByText("LIVE").first().waitFor();
    await expect.poll(() => page.locator("[data-testid=available]").textContent()).toBe("1,000.00 USDT");
    await page.click("[data-testid=percent-25]");
    expect(await page.locator("[data-testid=submit-order]").isDisabled()).toBe(false);
    await page.click("[data-testid=submit-order]");
    await page.locator("[data-testid=order-result]").waitFor({ timeout: 20_000 });
    expect(await page.locator("[data-testid=order-result]").textContent()).toMatch(
      /^Bought 0\.\d+ BTC at an average of/,
    );
    await screenshot(page, "trade-live-filled");

    // The live book shows the BTC bought, and the order is a LIVE one settled from the exchange.
    const orders = await page.request.get(`${baseUrl}/api/v1/orders?status=all`, {
      headers: { Origin: baseUrl },
    });
    const body = (await orders.json()) as {
      orders: { mode: string; status: string; filledQuantity: string }[];
    };
    expect(body.orders[0]).toMatchObject({ mode: "live", status: "filled" });
    const wallets = await page.request.get(`${baseUrl}/api/v1/wallets`, { headers: { Origin: baseUrl } });
    const { wallets: list } = (await wallets.json()) as {
      wallets: { mode: string; asset: string; available: string }[];
    };
    const liveBtc = list.find((wallet) => wallet.mode === "live" && wallet.asset === "BTC");
    expect(Number(liveBtc?.available)).toBeGreaterThan(0);
    expect(liveBtc?.available).toBe(body.orders[0]?.filledQuantity);
    expect(errors).toEqual([]);
    await page.close();
  });
});
