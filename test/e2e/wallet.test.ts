import { describe, expect, inject, it } from "vitest";
import { STRONG_PASSWORD, uniqueEmail } from "../support/api-client.ts";
import { browserForThisFile, screenshot } from "../support/browser.ts";

const baseUrl = inject("baseUrl");
const browser = browserForThisFile();

describe("Wallet page in Chromium", () => {
  it("shows both books for every asset, funds the paper book once per submit, and exports the history", async () => {
    const page = await browser().newPage();
    const failures: string[] = [];
    page.on("pageerror", (error) => failures.push(error.message));
    await page.goto(`${baseUrl}/signup`);
    await page.fill('input[name="email"]', uniqueEmail("wallet"));
    await page.fill('input[name="password"]', STRONG_PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${baseUrl}/security`);

    await page.goto(`${baseUrl}/wallet`);
    for (const mode of ["live", "paper"]) {
      const assets = await page
        .locator(`[data-testid=wallets-${mode}] tbody tr`)
        .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-asset")));
      expect(assets).toEqual(["GBP", "USDT", "BTC", "ETH", "SOL"]);
    }
    await page.selectOption('[data-testid=paper-deposit-form] select[name="asset"]', "GBP");
    await page.fill('[data-testid=paper-deposit-form] input[name="amount"]', "10000.00");
    await page.click('[data-testid=paper-deposit-form] button[type="submit"]');
    await page.getByTestId("deposit-done").waitFor();
    // The action's answer can render a moment before the revalidated balances: wait for them.
    const paperGbp = page.locator('[data-testid=wallets-paper] tr[data-asset="GBP"] td').nth(1);
    await paperGbp.filter({ hasText: "10,000.00" }).waitFor({ timeout: 10_000 });
    await expect(paperGbp.textContent()).resolves.toBe("10,000.00");
    const liveGbp = page.locator('[data-testid=wallets-live] tr[data-asset="GBP"] td').nth(1);
    await expect(liveGbp.textContent()).resolves.toBe("0.00");
    await page.locator("[data-testid=wallet-history] tbody tr").first().waitFor();
    await expect(page.locator("[data-testid=wallet-history] tbody tr").count()).resolves.toBe(1);
    await screenshot(page, "wallet");

    const csv = await page.evaluate(async () => (await fetch("/wallet/history.csv")).text());
    expect(csv.split("\r\n")[0]).toBe('"time","entry","type","book","asset","amount","balance","reference"');
    expect(csv).toContain('"paper_deposit","paper","GBP","10000.00","available"');
    expect(failures).toEqual([]);
    await page.close();
  });
});
