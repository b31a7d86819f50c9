import { generate } from "otplib";
import { describe, expect, inject, it } from "vitest";
import { STRONG_PASSWORD, uniqueEmail } from "../support/api-client.ts";
import { browserForThisFile, screenshot } from "../support/browser.ts";

const baseUrl = inject("baseUrl");
const browser = browserForThisFile();

describe("Withdraw page in Chromium", () => {
  it("whitelists an address with a code (pending for 24 h) and refuses a bad checksum", async () => {
    const page = await browser().newPage();
    const failures: string[] = [];
    page.on("pageerror", (error) => failures.push(error.message));
    page.on("response", (response) => {
      if (response.status() === 403 && response.url().startsWith(baseUrl))
        failures.push(`403 ${response.url()}`);
    });
    await page.goto(`${baseUrl}/signup`);
    await page.fill('input[name="email"]', uniqueEmail("withdraw-page"));
    await page.fill('input[name="password"]', STRONG_PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${baseUrl}/security`);
    await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
    const secret = (await page.getByTestId("totp-secret").textContent()) ?? "";
    await page.fill('input[name="code"]', await generate({ secret }));
    await page.getByRole("button", { name: "Turn on" }).click();
    await page.getByTestId("recovery-codes").waitFor();

    await page.goto(`${baseUrl}/withdraw`);
    const form = page.getByTestId("address-form");
    await form.locator('select[name="asset"]').selectOption("BTC");
    await form.locator('input[name="address"]').fill("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5");
    await form.locator('input[name="label"]').fill('Ledger\'s "cold" <wallet> & co');
    await form.locator('input[name="totp"]').fill("000000");
    await form.locator('button[type="submit"]').click();
    // The refusal is at the address field, in words, and the field is flagged invalid.
    await form.getByTestId("address-address-error").waitFor();
    await expect(form.locator('input[name="address"]').getAttribute("aria-invalid")).resolves.toBe("true");

    await form.locator('input[name="address"]').fill("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
    await form
      .locator('input[name="totp"]')
      .fill(await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
    await form.locator('button[type="submit"]').click();
    await page.getByTestId("addresses").waitFor();
    await page.getByTestId("addresses").getByTestId("countdown").waitFor();
    await expect(page.getByTestId("addresses").textContent()).resolves.toMatch(/pending, usable in \d+ h/);
    await screenshot(page, "withdraw");
    expect(failures).toEqual([]);
    await page.close();
  });
});
