import { generate } from "otplib";
import { describe, expect, inject, it } from "vitest";
import { STRONG_PASSWORD, uniqueEmail } from "../support/api-client.ts";
import { browserForThisFile, screenshot } from "../support/browser.ts";

const baseUrl = inject("baseUrl");
const browser = browserForThisFile();

const codeAt = (secret: string, offsetSteps: number) =>
  generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });

describe("account journey in Chromium", () => {
  it("signs up, turns on 2FA from the QR page, logs out, and logs back in with a code", async () => {
    const page = await browser().newPage();
    const failures: string[] = [];
    page.on("pageerror", (error) => failures.push(error.message));
    page.on("response", (response) => {
      if (response.status() >= 400 && response.url().startsWith(baseUrl))
        failures.push(`${response.status()} ${response.url()}`);
    });
    const email = uniqueEmail("browser");

    await page.goto(`${baseUrl}/signup`);
    await page.fill('input[name="email"]', email);
    await page.fill('input[name="password"]', STRONG_PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${baseUrl}/security`);
    await expect(page.getByTestId("account-email").textContent()).resolves.toBe(email);
    await page.getByTestId("two-factor-off").waitFor();

    await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
    await page.getByTestId("two-factor-setup").waitFor();
    expect(await page.locator(".qr svg").count()).toBe(1);
    await screenshot(page, "security-2fa-setup");
    const secret = (await page.getByTestId("totp-secret").textContent()) ?? "";
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.fill('input[name="code"]', await codeAt(secret, 0));
    await page.getByRole("button", { name: "Turn on" }).click();
    await page.getByTestId("recovery-codes").waitFor();
    expect(await page.locator("[data-testid=recovery-codes] li").count()).toBe(10);
    await screenshot(page, "security-recovery-codes");

    await page.locator(".account").getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(`${baseUrl}/`);
    await page.goto(`${baseUrl}/security`);
    await page.waitForURL(/\/login\?redirectTo=%2Fsecurity/);

    await page.fill('input[name="email"]', email);
    await page.fill('input[name="password"]', STRONG_PASSWORD);
    await page.click('button[type="submit"]');
    await page.getByTestId("login-code-form").waitFor();
    // A wrong code is refused on the page, and the form stays.
    await page.fill('input[name="code"]', "000000");
    await page.click('button[type="submit"]');
    await page.locator(".form-error").waitFor();
    await screenshot(page, "login-code-refused");
    await page.fill('input[name="code"]', await codeAt(secret, 1));
    await page.click('button[type="submit"]');
    await page.waitForURL(`${baseUrl}/security`);
    await page.getByTestId("two-factor-on").waitFor();
    expect(await page.locator("[data-testid=security-events] tbody tr").count()).toBeGreaterThan(3);
    await screenshot(page, "security-2fa-on");

    // The only 4xx seen is the wrong code's page answer (an action result, status 200 in Remix).
    expect(failures).toEqual([]);
    await page.close();
  });
});
