import { describe, expect, inject, it } from "vitest";
import { STRONG_PASSWORD, uniqueEmail } from "../support/api-client.ts";
import { browserForThisFile, screenshot } from "../support/browser.ts";

const baseUrl = inject("baseUrl");
const browser = browserForThisFile();

describe("the Trade page in Chromium", () => {
  it("signs up, funds paper GBP, clicks 50 %, buys, and sees the fill and the wallet change", async () => {
    const page = await browser().newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));

    await page.goto(`${baseUrl}/signup`);
    await page.fill('input[name="email"]', uniqueEmail("trade"));
    await page.fill('input[name="password"]', STRONG_PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${baseUrl}/security`);
    // Paper funds through the public API, with the browser's own session.
    const deposit = await page.request.post(`${baseUrl}/api/v1/wallets/paper-deposit`, {
      headers: { Origin: baseUrl, "Idempotency-Key": `e2e-${crypto.randomUUID()}` },
      data: { asset: "GBP", amount: "10000.00" },
    });
    expect(deposit.status()).toBe(201);

    const response = await page.goto(`${baseUrl}/trade?symbol=BTC-GBP`);
    expect(response?.status()).toBe(200);
    await page.locator("[data-testid=price-chart][data-state=ready]").waitFor({ timeout: 15_000 });
    expect(await page.locator("[data-testid=pair-selector] a").count()).toBe(7);
    expect(await page.locator("[data-testid=pair-selector] img.coin-icon").count()).toBeGreaterThanOrEqual(
      14,
    );
    expect(await page.locator("[data-testid=order-book] tbody tr").count()).toBeGreaterThan(10);
    await expect.poll(() => page.locator("[data-testid=available]").textContent()).toBe("10,000.00 GBP");
    await page.locator("[data-testid=mode-banner]").getByText("PAPER").waitFor();
    await screenshot(page, "trade");

    // Prices move without a reload: the book polls the public endpoints.
    const firstBook = await page.locator("[data-testid=order-book] tbody").textContent();
    await expect
      .poll(() => page.locator("[data-testid=order-book] tbody").textContent(), { timeout: 10_000 })
      .not.toBe(firstBook);

    // 50 % of 10,000.00 GBP, fee included: 4,990.01 + 9.99 fee = 5,000.00.
    await page.click("[data-testid=percent-50]");
    expect(await page.inputValue("[data-testid=amount-input]")).toBe("4990.01");
    await page.locator("[data-testid=estimate]").getByText("4,990.01 GBP").waitFor();
    await page.click("[data-testid=submit-order]");
    await page.locator("[data-testid=order-result]").waitFor({ timeout: 15_000 });
    expect(await page.locator("[data-testid=order-result]").textContent()).toMatch(
      /^Bought 0\.\d+ BTC at an average of [\d,]+\.\d{2} GBP, fee 9\.99 GBP\.$/,
    );
    await expect.poll(() => page.locator("[data-testid=available]").textContent()).toBe("5,000.00 GBP");

    await page.click("[data-testid=tab-trades]");
    const fills = page.locator("[data-testid=trade-history] tbody tr");
    expect(await fills.count()).toBeGreaterThan(0);
    expect(await fills.first().textContent()).toContain("BTC/GBP");
    await page.click("[data-testid=tab-orders]");
    expect(await page.locator("[data-testid=order-history] tbody tr").first().textContent()).toContain(
      "filled",
    );
    await screenshot(page, "trade-filled");

    // Selling shows the BTC now held.
    await page.click("[data-testid=side-sell]");
    expect(await page.locator("[data-testid=available]").textContent()).toMatch(/^0\.\d{8} BTC$/);

    // LIVE is unmistakable, and refused plainly.
    await page.click("[data-testid=mode-live]");
    await page.locator("[data-testid=mode-banner]").getByText("two-factor authentication").waitFor();
    expect(await page.locator("[data-testid=submit-order]").isDisabled()).toBe(true);
    await screenshot(page, "trade-live");

    // The wallet page agrees.
    await page.goto(`${baseUrl}/wallet`);
    expect(await page.locator("body").textContent()).toContain("5,000.00");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("answers signed-out visitors with market data and a prompt to log in", async () => {
    const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
    const response = await page.goto(`${baseUrl}/trade?symbol=ETH-USDT`);
    expect(response?.status()).toBe(200);
    await page.locator("[data-testid=order-form]").getByText("Log in").waitFor();
    expect(await page.locator("[data-testid=last-price]").textContent()).toMatch(/USDT/);
    await page.close();
  });
});
