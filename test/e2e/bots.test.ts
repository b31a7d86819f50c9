import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { STRONG_PASSWORD, uniqueEmail } from "../support/api-client.ts";
import { browserForThisFile, screenshot } from "../support/browser.ts";

const baseUrl = inject("baseUrl");
const browser = browserForThisFile();

/** The page is no wider than the window: nothing overflows sideways. */
async function expectNoHorizontalOverflow(page: Page, width: number): Promise<void> {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth).toBeLessThanOrEqual(width);
}

async function step(page: Page, id: string): Promise<void> {
  await page.locator(`[data-testid=bot-wizard][data-step=${id}]`).waitFor();
}

describe("Bots in Chromium", () => {
  it("funds paper GBP, creates a DCA bot through the wizard, starts it, and sees its card and first fill", async () => {
    const page = await browser().newPage({ viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });

    await page.goto(`${baseUrl}/signup`);
    await page.fill('input[name="email"]', uniqueEmail("bots"));
    await page.fill('input[name="password"]', STRONG_PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${baseUrl}/security`);

    // Paper GBP through the Wallet page.
    await page.goto(`${baseUrl}/wallet`);
    await page.selectOption('[data-testid=paper-deposit-form] select[name="asset"]', "GBP");
    await page.fill('[data-testid=paper-deposit-form] input[name="amount"]', "1000.00");
    await page.click('[data-testid=paper-deposit-form] button[type="submit"]');
    await page.getByTestId("deposit-done").waitFor();

    // No bots yet: the empty state leads to the wizard.
    await page.goto(`${baseUrl}/bots`);
    await page.getByTestId("bots-empty").waitFor();
    await screenshot(page, "bots-empty");
    await page.getByTestId("bots-empty").getByTestId("create-bot").click();
    await step(page, "strategy");
    expect(await page.locator("[data-testid=stepper] li").allTextContents()).toEqual([
      "1Strategy",
      "2Pair & budget",
      "3Parameters",
      "4Risk",
      "5Review & confirm",
    ]);
    expect(await page.locator("[data-testid=stepper] li[aria-current=step]").textContent()).toBe("1Strategy");
    expect(await page.isChecked("[data-testid=choice-type-dca]")).toBe(true);
    await page.getByTestId("wizard-next").click();

    // Pair & budget: BTC-GBP on paper, 300 GBP.
    await step(page, "pair");
    await page.locator("label", { has: page.getByTestId("choice-symbol-BTC-GBP") }).click();
    expect(await page.isChecked("[data-testid=choice-mode-paper]")).toBe(true);
    await page.fill("#field-budget", "300");
    await screenshot(page, "bots-wizard-pair");
    await page.getByTestId("wizard-next").click();

    // Parameters: a base order the budget cannot cover is refused by the server, on the step.
    await step(page, "parameters");
    expect(page.url()).toContain("budget=300");
    await page.fill("#field-baseOrder", "250");
    await page.fill("#field-safetyOrder", "50");
    await page.fill("#field-safetyOrders", "2");
    await page.fill("#field-priceDeviationPercent", "1.5");
    await page.fill("#field-volumeScale", "1.5");
    await page.locator("[data-testid=preview-coverage][data-covered=false]").waitFor();
    await page.getByTestId("wizard-next").click();
    await page.getByTestId("step-error").waitFor();
    expect(await page.getByTestId("step-error").textContent()).toMatch(/does not cover these orders/);
    await step(page, "parameters");

    // A field the server refuses is marked at the field, for assistive technology too.
    await page.fill("#field-baseOrder", "100");
    await page.fill("#field-safetyOrders", "40");
    await page.getByTestId("wizard-next").click();
    await page.locator("#field-safetyOrders[aria-invalid=true]").waitFor();
    expect(await page.getAttribute("#field-safetyOrders", "aria-describedby")).toContain(
      "field-safetyOrders-error",
    );
    expect(await page.locator("#field-safetyOrders-error").textContent()).toMatch(/integer from 0 to 25/);

    // The live ladder: base 100, safety 50 then 75 (x1.5), 1.5 % and 3 % below the entry.
    await page.fill("#field-safetyOrders", "2");
    await page.locator("[data-testid=preview-coverage][data-covered=true]").waitFor();
    const ladder = page.locator("[data-testid=ladder-preview] tbody tr");
    expect(await ladder.count()).toBe(3);
    const cells = async (row: number) =>
      (await ladder.nth(row).locator("td").allTextContents()).map((text) => text.trim());
    expect((await cells(0)).slice(0, 2)).toEqual(["Base", "market"]);
    expect((await cells(0))[3]).toBe("100.00 GBP");
    expect((await cells(1)).slice(0, 2)).toEqual(["Safety 1", "−1.5 %"]);
    expect((await cells(1))[3]).toBe("50.00 GBP");
    expect((await cells(2)).slice(0, 2)).toEqual(["Safety 2", "−3.0 %"]);
    expect((await cells(2))[3]).toBe("75.00 GBP");
    // 225.00 GBP of orders plus the taker fee held on each.
    expect(await page.getByTestId("preview-required").textContent()).toMatch(/^225\.\d\d GBP$/);
    await screenshot(page, "bots-wizard-parameters");
    await page.getByTestId("wizard-next").click();

    // Risk: take profit 2 %.
    await step(page, "risk");
    await page.fill("#field-takeProfitPercent", "2");
    await page.getByTestId("wizard-next").click();

    // Review & confirm, then Create: the server creates it through the use case.
    await step(page, "review");
    const summary = page.getByTestId("draft-summary");
    // Amounts at the asset's display precision (one formatter, #16).
    expect(await summary.locator("[data-field=baseOrder]").textContent()).toBe("100.00 GBP");
    expect(await summary.locator("[data-field=takeProfitPercent]").textContent()).toBe("2 %");
    await screenshot(page, "bots-wizard-review");
    await page.getByTestId("wizard-create").click();
    await page.waitForURL(/\/bots\/bot_[0-9a-f]{32}\?created=1$/);
    await page.getByTestId("bot-created").waitFor();
    await page.locator("[data-testid=bot-detail][data-status=draft]").waitFor();

    // Start: the budget is held and the base order placed; its fill shows within seconds.
    await page.getByTestId("bot-start").click();
    await page.getByTestId("bot-message").waitFor();
    expect(await page.getByTestId("bot-message").textContent()).toMatch(/^Started: 300\.00 GBP is held/);
    await page.locator("[data-testid=bot-detail][data-status=running]").waitFor();
    await expect
      .poll(async () => Number(await page.getByTestId("fill-count").textContent()), {
        timeout: 20_000,
        interval: 500,
      })
      .toBeGreaterThan(0);
    await page.getByTestId("tab-fills").click();
    const firstFill = page.locator("[data-testid=bot-fills] tbody tr").first();
    await firstFill.waitFor();
    expect(await firstFill.textContent()).toMatch(/buy/i);
    expect(await page.locator("[data-testid=bot-events] li[data-kind=filled]").count()).toBeGreaterThan(0);
    await page.locator("[data-testid=pnl-chart][data-state=ready]").waitFor({ timeout: 15_000 });
    await screenshot(page, "bots-detail");

    // Its card on the Bots page.
    await page.goto(`${baseUrl}/bots`);
    const card = page.getByTestId("bot-card");
    expect(await card.count()).toBe(1);
    expect(await card.getByTestId("bot-status").getAttribute("data-status")).toBe("running");
    expect(await card.textContent()).toContain("BTC/GBP");
    expect(await card.textContent()).toContain("DCA bot");
    await screenshot(page, "bots-cards");

    // A phone: nothing overflows sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await card.waitFor();
    await expectNoHorizontalOverflow(page, 390);
    await screenshot(page, "bots-cards-390");
    await card.getByTestId("bot-link").click();
    await page.getByTestId("bot-detail").waitFor();
    await expectNoHorizontalOverflow(page, 390);
    await screenshot(page, "bots-detail-390");
    await page.goto(
      `${baseUrl}/bots/new?type=dca&symbol=BTC-GBP&mode=paper&budget=300&baseOrder=100&safetyOrder=50&safetyOrders=2&step=parameters`,
    );
    await step(page, "parameters");
    await expectNoHorizontalOverflow(page, 390);
    await screenshot(page, "bots-wizard-390");

    // The kill switch asks first, then stops every bot.
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${baseUrl}/bots`);
    await page.getByTestId("kill-switch-ask").click();
    await page.getByTestId("kill-switch").click();
    await page.getByTestId("bot-message").waitFor();
    expect(await page.getByTestId("bot-message").textContent()).toMatch(/^Kill switch: 1 bot stopped/);
    await page.locator("[data-testid=bot-card] [data-testid=bot-status][data-status=stopped]").waitFor();

    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it("previews a grid's levels and sides, and the budget it needs, as the trader types", async () => {
    const page = await browser().newPage({ viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${baseUrl}/signup`);
    await page.fill('input[name="email"]', uniqueEmail("grid"));
    await page.fill('input[name="password"]', STRONG_PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${baseUrl}/security`);

    // Straight to a later step with no budget: the loader sends the trader back to fix it.
    await page.goto(`${baseUrl}/bots/new?type=grid&symbol=BTC-GBP&mode=paper&step=parameters`);
    await step(page, "pair");
    await page.locator("#field-budget[aria-invalid=true]").waitFor();
    expect(await page.locator("#field-budget-error").textContent()).toBe("Enter a budget");

    // A budget beyond the paper book is refused on its step too; funds make it pass.
    await page.goto(`${baseUrl}/bots/new?type=grid&symbol=BTC-GBP&mode=paper&budget=500&step=parameters`);
    await step(page, "pair");
    expect(await page.locator("#field-budget-error").textContent()).toBe(
      "More than you have: 0.00 GBP available",
    );
    const deposit = await page.request.post(`${baseUrl}/api/v1/wallets/paper-deposit`, {
      headers: { Origin: baseUrl, "Idempotency-Key": `e2e-${crypto.randomUUID()}` },
      data: { asset: "GBP", amount: "500.00" },
    });
    expect(deposit.status()).toBe(201);
    await page.reload();
    await step(page, "parameters");
    await page.fill("#field-lowerPrice", "60000.00");
    await page.fill("#field-upperPrice", "100000.00");
    await page.fill("#field-gridLevels", "5");
    const levels = page.locator("[data-testid=grid-preview] tbody tr");
    await expect.poll(() => levels.count()).toBe(5);
    // Highest first; the simulated BTC-GBP price sits between 60,000 and 100,000.
    expect(await levels.first().textContent()).toMatch(/^100,000\.00/);
    expect(await levels.first().getAttribute("data-side")).toBe("sell");
    expect(await levels.last().textContent()).toMatch(/^60,000\.00/);
    expect(await levels.last().getAttribute("data-side")).toBe("buy");
    expect(await page.getByTestId("preview-required").textContent()).toMatch(/^[\d,]+\.\d\d GBP$/);
    await screenshot(page, "bots-wizard-grid");
    expect(errors).toEqual([]);
    await page.close();
  });
});
