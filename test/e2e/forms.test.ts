import { generate } from "otplib";
import type { Browser, Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { createDatabaseClient } from "../../db/client.ts";
import { STRONG_PASSWORD, uniqueEmail } from "../support/api-client.ts";
import { browserForThisFile, screenshot } from "../support/browser.ts";

const baseUrl = inject("baseUrl");
const browser = browserForThisFile();

/** A new trader signed up through the page, in a browser context of their own. */
async function signUp(
  from: Browser,
  prefix: string,
): Promise<{ page: Page; email: string; errors: string[] }> {
  const context = await from.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const email = uniqueEmail(prefix);
  await page.goto(`${baseUrl}/signup`);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', STRONG_PASSWORD);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${baseUrl}/security`);
  return { page, email, errors };
}

async function codeFor(secret: string, offsetSteps = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });
}

/** Six digits that are no valid code for `secret` around now. */
async function wrongCodeFor(secret: string): Promise<string> {
  const valid = new Set(await Promise.all([-1, 0, 1, 2].map((offset) => codeFor(secret, offset))));
  for (let candidate = 123456; ; candidate++) {
    if (!valid.has(String(candidate))) return String(candidate);
  }
}

describe("forms that say what is wrong, at the field (Chromium)", () => {
  it("paper deposit: field errors as the trader types, thousands separators accepted, success clears the form", async () => {
    const { page, errors } = await signUp(browser(), "forms-wallet");
    await page.goto(`${baseUrl}/wallet`);
    // The first-steps checklist is there for a new account, nothing ticked yet but what is done.
    await page.getByTestId("onboarding").waitFor();
    expect(await page.getByTestId("onboarding-paper_funds").getAttribute("data-done")).toBe("false");

    const form = page.getByTestId("paper-deposit-form");
    const amount = form.getByRole("textbox", { name: "Amount" });
    await amount.fill("10,5");
    await amount.blur();
    const error = form.getByTestId("paper-amount-error");
    await expect
      .poll(() => error.textContent())
      .toBe("Use a point for decimals (250.50); commas only between thousands (10,000.50)");
    expect(await amount.getAttribute("aria-invalid")).toBe("true");
    expect(await amount.getAttribute("aria-describedby")).toBe("paper-amount-error");
    // Checked as typed: the message changes with the text.
    await amount.fill("12.345");
    await expect.poll(() => error.textContent()).toBe("At most 2 decimals for GBP");
    await screenshot(page, "forms-field-error");
    // Submitting a bad amount is stopped in the page, the message stays at the field.
    await form.getByRole("button", { name: "Add paper funds" }).click();
    expect(await error.textContent()).toBe("At most 2 decimals for GBP");

    await amount.fill("10,000.50");
    await expect.poll(() => error.count()).toBe(0);
    expect(await amount.getAttribute("aria-invalid")).toBeNull();
    await form.getByRole("button", { name: "Add paper funds" }).click();
    await page.getByTestId("deposit-done").waitFor();
    expect(await page.getByTestId("deposit-done").textContent()).toContain("10,000.50 GBP");
    await expect.poll(() => amount.inputValue()).toBe("");
    await page
      .locator('[data-testid=wallets-paper] tr[data-asset="GBP"]')
      .filter({ hasText: "10,000.50" })
      .waitFor();
    // Valued in GBP, with the book's total; the checklist ticked the step off by itself.
    await expect.poll(() => page.getByTestId("total-paper").textContent()).toContain("10,000.50");
    expect(await page.getByTestId("onboarding-paper_funds").getAttribute("data-done")).toBe("true");
    // Hide zero balances leaves only what is held.
    await page.getByTestId("hide-zero").locator("input").check();
    await expect.poll(() => page.locator("[data-testid=wallets-paper] tbody tr").count()).toBe(1);
    await screenshot(page, "forms-wallet");

    // The order ticket: every field has an accessible name; its errors are at the field.
    await page.goto(`${baseUrl}/trade?symbol=BTC-GBP`);
    const ticket = page.getByTestId("order-form");
    const ticketAmount = ticket.getByRole("textbox", { name: "Amount (GBP)" });
    await ticketAmount.fill("1.00");
    await ticketAmount.blur();
    await expect
      .poll(() => ticket.getByTestId("order-amount-error").textContent())
      .toMatch(/^Minimum order \d+\.\d{2} GBP$/);
    await ticketAmount.fill("20,000.00");
    await expect
      .poll(() => ticket.getByTestId("order-amount-error").textContent())
      .toBe("More than you have: 10,000.50 GBP available");
    expect(await ticketAmount.getAttribute("aria-invalid")).toBe("true");
    await screenshot(page, "forms-trade-field-error");
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("2FA set-up survives a wrong code: the same secret stays, and then turns 2FA on", async () => {
    const { page, errors } = await signUp(browser(), "forms-2fa");
    await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
    const secret = (await page.getByTestId("totp-secret").textContent()) ?? "";
    expect(secret).toMatch(/^[A-Z2-7]{16,}/);

    const code = page.getByRole("textbox", { name: "6-digit code" });
    await code.fill(await wrongCodeFor(secret));
    await page.getByRole("button", { name: "Turn on" }).click();
    const codeError = page.getByTestId("two-factor-enable-code-error");
    await codeError.waitFor();
    expect(await codeError.textContent()).toContain("not valid");
    // The QR code and the key are still there, and they are the same.
    expect(await page.getByTestId("totp-secret").textContent()).toBe(secret);
    await page
      .getByTestId("two-factor-setup")
      .getByRole("img", { name: "QR code for your authenticator app" })
      .waitFor();
    await screenshot(page, "forms-2fa-wrong-code");

    // A reload keeps the pending set-up too.
    await page.reload();
    expect(await page.getByTestId("totp-secret").textContent()).toBe(secret);

    // A 5-digit typo is a typo of the code.
    await code.fill("12345");
    await code.blur();
    await expect.poll(() => codeError.textContent()).toBe("Enter the 6-digit code");

    await code.fill(await codeFor(secret));
    await page.getByRole("button", { name: "Turn on" }).click();
    await page.getByTestId("recovery-codes").waitFor();
    const download = page.getByTestId("download-codes");
    expect(await download.getAttribute("download")).toBe("coinhubx-recovery-codes.txt");
    expect(decodeURIComponent((await download.getAttribute("href")) ?? "")).toMatch(
      /^data:text\/plain;charset=utf-8,CoinHubX recovery codes/,
    );
    await page.getByTestId("copy-codes").waitFor();
    await screenshot(page, "forms-2fa-recovery-codes");

    // Devices are named readably.
    await page.reload();
    expect(await page.getByTestId("sessions-table").textContent()).toMatch(/Chrome on Linux/);

    // The withdraw page shows the fee and the limits left.
    await page.goto(`${baseUrl}/withdraw`);
    await page.getByTestId("withdraw-limits").waitFor();
    expect(await page.getByTestId("withdraw-fee").textContent()).toContain("No withdrawal fee");
    await screenshot(page, "forms-withdraw-limits");
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("places a stop-limit order from the Trade page, shows its stop on the chart and in open orders, and cancels it", async () => {
    const { page, errors } = await signUp(browser(), "forms-stop");
    const deposit = await page.request.post(`${baseUrl}/api/v1/wallets/paper-deposit`, {
      headers: { Origin: baseUrl, "Idempotency-Key": `e2e-${crypto.randomUUID()}` },
      data: { asset: "GBP", amount: "10000.00" },
    });
    expect(deposit.status()).toBe(201);
    const ticker = (await (await page.request.get(`${baseUrl}/api/v1/markets/BTC-GBP/ticker`)).json()) as {
      ticker: { last: string };
    };
    // A buy stop well above the market: it waits (and holds its funds) until the market gets there.
    const lastPence = BigInt(ticker.ticker.last.replace(".", ""));
    const stopPence = (lastPence * 3n) / 2n;
    const stop = `${stopPence / 100n}.${(stopPence % 100n).toString().padStart(2, "0")}`;

    await page.goto(`${baseUrl}/trade?symbol=BTC-GBP`);
    await page.locator("[data-testid=price-chart][data-state=ready]").waitFor({ timeout: 15_000 });
    await page.getByTestId("type-stop_limit").click();
    const ticket = page.getByTestId("order-form");
    await ticket.getByRole("textbox", { name: "Stop price (GBP)" }).fill(stop);
    await ticket.getByRole("textbox", { name: "Limit price (GBP)" }).fill(stop);
    await ticket.getByRole("textbox", { name: "Amount (BTC)" }).fill("0.001");
    await page.getByTestId("submit-order").click();
    await page.getByTestId("order-result").waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("order-result").textContent()).toMatch(
      /^Stop-limit order placed: buy 0\.001/,
    );
    // The form is ready for the next order: amount and stop cleared.
    expect(await ticket.getByRole("textbox", { name: "Amount (BTC)" }).inputValue()).toBe("");

    const row = page.locator("[data-testid=open-orders] tbody tr").first();
    await row.waitFor();
    expect(await row.textContent()).toContain("stop-limit");
    expect(await row.getByTestId("order-waiting").textContent()).toBe("waiting for stop");
    const [whole = "", fraction = ""] = stop.split(".");
    expect(await row.textContent()).toContain(`${Number(whole).toLocaleString("en-GB")}.${fraction}`);
    // Its limit price and its stop are drawn on the chart.
    await page.locator("[data-testid=price-chart][data-order-lines='2']").waitFor();
    await screenshot(page, "forms-stop-limit");

    await row.getByTestId("cancel-order").click();
    await page.locator("[data-testid=open-orders]").waitFor({ state: "detached" });
    await page.getByText("No open orders.").waitFor();
    await page.locator("[data-testid=price-chart][data-order-lines='0']").waitFor();
    await page.getByTestId("tab-orders").click();
    expect(await page.locator("[data-testid=order-history] tbody tr").first().textContent()).toContain(
      "cancelled",
    );
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("a trader's deposit reference is credited by an operator through the Ops page form", async () => {
    const trader = await signUp(browser(), "forms-deposit");
    await trader.page.goto(`${baseUrl}/deposit`);
    const reference = (await trader.page.getByTestId("deposit-reference").textContent()) ?? "";
    expect(reference).toMatch(/^CHX[0-9A-Z]{8}$/);
    const api = (await (await trader.page.request.get(`${baseUrl}/api/v1/deposits/reference`)).json()) as {
      reference: string;
    };
    expect(api.reference).toBe(reference);
    expect(await trader.page.getByTestId("deposit-available").textContent()).toBe("0.00 GBP");
    await screenshot(trader.page, "forms-deposit");

    // An operator: an account given the role as `npm run ops:grant` does.
    const operator = await signUp(browser(), "forms-operator");
    const database = createDatabaseClient({
      url: inject("stackLibsqlUrl"),
      authToken: inject("stackLibsqlAuthToken"),
      timeoutMs: 30_000,
    });
    try {
      await database.execute({
        sql: "UPDATE users SET role = 'operator' WHERE email = ?",
        args: [operator.email.toLowerCase()],
      });
    } finally {
      database.close();
    }
    await operator.page.goto(`${baseUrl}/ops`);
    const form = operator.page.getByTestId("ops-deposit-form");
    await form.getByRole("textbox", { name: "Deposit reference" }).fill("CHX00000000");
    await form.getByRole("textbox", { name: "Amount" }).fill("1,250.00");
    await form.getByRole("textbox", { name: "Bank transaction id" }).fill(`FPS-${crypto.randomUUID()}`);
    await form.getByRole("button", { name: "Credit deposit" }).click();
    // An unknown reference is refused at its field.
    await form.getByTestId("ops-deposit-depositReference-error").waitFor();
    expect(await form.getByTestId("ops-deposit-depositReference-error").textContent()).toBe(
      "No user has this deposit reference",
    );

    await form.getByRole("textbox", { name: "Deposit reference" }).fill(reference.toLowerCase());
    await form.getByRole("textbox", { name: "Amount" }).fill("1,250.00");
    await form.getByRole("button", { name: "Credit deposit" }).click();
    await operator.page.getByTestId("ops-deposit-done").waitFor();
    expect(await operator.page.getByTestId("ops-deposit-done").textContent()).toContain("1,250.00 GBP");
    await screenshot(operator.page, "forms-ops-deposit");

    // The trader's Deposit page shows it without a reload.
    await expect
      .poll(() => trader.page.getByTestId("deposit-available").textContent(), { timeout: 15_000 })
      .toBe("1,250.00 GBP");
    expect(trader.errors).toEqual([]);
    expect(operator.errors).toEqual([]);
    await trader.page.context().close();
    await operator.page.context().close();
  });
});
