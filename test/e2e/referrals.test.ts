import type { Browser, Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { STRONG_PASSWORD, uniqueEmail } from "../support/api-client.ts";
import { browserForThisFile, screenshot } from "../support/browser.ts";

const baseUrl = inject("baseUrl");
const opsToken = inject("opsToken");
const browser = browserForThisFile();

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

/** A page in its own browser context (its own cookies), collecting script errors. */
async function freshPage(
  from: Browser,
  options: { extraHTTPHeaders?: Record<string, string>; clipboard?: boolean } = {},
) {
  const context = await from.newContext({
    viewport: DESKTOP,
    ...(options.extraHTTPHeaders ? { extraHTTPHeaders: options.extraHTTPHeaders } : {}),
  });
  if (options.clipboard) {
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl });
  }
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  return { context, page, errors };
}

async function signUpOnPage(page: Page, email: string): Promise<void> {
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', STRONG_PASSWORD);
  await page.click('[data-testid=signup-form] button[type="submit"]');
  await page.waitForURL(`${baseUrl}/security`);
}

/** The page is no wider than the window: nothing overflows sideways. */
async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const { scrollWidth, width } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  expect(scrollWidth).toBeLessThanOrEqual(width);
}

async function liveGbpAvailable(page: Page): Promise<string | undefined> {
  const response = await page.request.get(`${baseUrl}/api/v1/wallets`, { headers: { Origin: baseUrl } });
  expect(response.status()).toBe(200);
  const { wallets } = (await response.json()) as {
    wallets: { mode: string; asset: string; available: string }[];
  };
  return wallets.find((wallet) => wallet.mode === "live" && wallet.asset === "GBP")?.available;
}

describe("referrals and plans in Chromium", () => {
  it("a referee signs up through the referrer's link, trades on paper, and the referrer sees the paper reward", async () => {
    const referrer = await freshPage(browser(), { clipboard: true });
    await referrer.page.goto(`${baseUrl}/signup`);
    await signUpOnPage(referrer.page, uniqueEmail("referrer"));
    expect(await referrer.page.locator("nav[aria-label=Main] a").allTextContents()).toContain("Account");

    // The referrer's link, and the Copy button puts exactly it on the clipboard.
    await referrer.page.goto(`${baseUrl}/referrals`);
    const code = (await referrer.page.getByTestId("referral-code").textContent()) ?? "";
    expect(code).toMatch(/^[A-Z0-9]{8}$/);
    const link = await referrer.page.getByTestId("referral-link").inputValue();
    expect(link).toBe(`${baseUrl}/signup?ref=${code}`);
    expect(await referrer.page.getByTestId("referees-count").textContent()).toBe("0");
    await referrer.page.getByTestId("copy-link").click();
    await referrer.page.locator("[data-testid=copy-link][data-state=copied]").waitFor();
    expect(await referrer.page.getByTestId("copy-link").textContent()).toBe("Copied ✓");
    expect(await referrer.page.evaluate(() => navigator.clipboard.readText())).toBe(link);

    // The referee, in a browser of their own, from another network.
    const referee = await freshPage(browser(), { extraHTTPHeaders: { "CF-Connecting-IP": "203.0.113.9" } });
    const refereeEmail = uniqueEmail("referee");
    // A code that does not exist is refused at its field, and no account is made.
    await referee.page.goto(`${baseUrl}/signup?ref=no-such-code`);
    await referee.page.fill('input[name="email"]', refereeEmail);
    await referee.page.fill('input[name="password"]', STRONG_PASSWORD);
    await referee.page.click('[data-testid=signup-form] button[type="submit"]');
    await referee.page.locator("#referral-code-error").waitFor();
    expect(await referee.page.locator("#referral-code-error").textContent()).toBe(
      "That referral code does not exist.",
    );
    expect(await referee.page.getAttribute('input[name="referralCode"]', "aria-invalid")).toBe("true");
    expect(referee.page.url()).toBe(`${baseUrl}/signup?ref=no-such-code`);
    expect(await referee.page.getByTestId("referral-welcome").count()).toBe(0);
    await referee.page.getByRole("button", { name: "Create account" }).waitFor();
    await screenshot(referee.page, "signup-referral-refused");

    await referee.page.goto(link);
    expect(await referee.page.getByTestId("referral-welcome").textContent()).toBe(
      "Referred by a friend: 10 % off fees for 30 days.",
    );
    expect(await referee.page.inputValue('input[name="referralCode"]')).toBe(code);
    await signUpOnPage(referee.page, refereeEmail);

    // Paper GBP, then a PAPER market buy on the Trade page at the discounted rate.
    const deposit = await referee.page.request.post(`${baseUrl}/api/v1/wallets/paper-deposit`, {
      headers: { Origin: baseUrl, "Idempotency-Key": `e2e-${crypto.randomUUID()}` },
      data: { asset: "GBP", amount: "5000.00" },
    });
    expect(deposit.status()).toBe(201);
    await referee.page.goto(`${baseUrl}/trade?symbol=BTC-GBP`);
    await referee.page.locator("[data-testid=price-chart][data-state=ready]").waitFor({ timeout: 15_000 });
    await expect
      .poll(() => referee.page.locator("[data-testid=available]").textContent())
      .toBe("5,000.00 GBP");
    // List 0.10 % / 0.20 %, 10 % off for the referee: 0.09 % / 0.18 %, the list rates struck through.
    expect(await referee.page.getByTestId("ticket-fee-maker").textContent()).toBe(
      "maker list rate 0.10 % 0.09 %",
    );
    expect(await referee.page.getByTestId("ticket-fee-taker").textContent()).toBe(
      "taker list rate 0.20 % 0.18 %",
    );
    expect(await referee.page.getByTestId("ticket-fee-note").textContent()).toMatch(
      /^10 % off: referral welcome discount until \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\. Fee tiers$/,
    );
    await referee.page.fill("[data-testid=amount-input]", "1000.00");
    await referee.page.locator("[data-testid=estimate]").getByText("+ up to 1.80 GBP fee").waitFor();
    await referee.page.click("[data-testid=submit-order]");
    await referee.page.locator("[data-testid=order-result]").waitFor({ timeout: 15_000 });
    // 0.20 % of 1,000.00 GBP is 2.00, less 10 %: 1.80.
    expect(await referee.page.locator("[data-testid=order-result]").textContent()).toMatch(
      /^Bought 0\.\d+ BTC at an average of [\d,]+\.\d{2} GBP, fee 1\.80 GBP\.$/,
    );
    await screenshot(referee.page, "trade-referral-discount");

    // The referee's Account page names the discount and its end.
    await referee.page.goto(`${baseUrl}/account`);
    expect(await referee.page.getByTestId("fee-taker").getAttribute("data-rate")).toBe("0.0018");
    expect(await referee.page.getByTestId("fee-discounts").textContent()).toMatch(
      /^10 % off Referral welcome discount · until \d{4}-\d{2}-\d{2} /,
    );
    await screenshot(referee.page, "account-referee");

    // The referrer sees one referee and a paper GBP reward: 20 % of the 1.80 fee.
    await expect
      .poll(
        async () => {
          await referrer.page.reload();
          return referrer.page.locator('[data-testid=reward-history] tbody tr[data-mode="paper"]').count();
        },
        { timeout: 20_000, interval: 1_000 },
      )
      .toBe(1);
    expect(await referrer.page.getByTestId("referees-count").textContent()).toBe("1");
    const row = referrer.page.locator('[data-testid=reward-history] tbody tr[data-mode="paper"]');
    expect(await row.getAttribute("data-asset")).toBe("GBP");
    const cells = await row.locator("td").allTextContents();
    expect(cells[1]).toBe("Referee 1");
    expect(cells[2]?.trim()).toBe("GBP");
    expect(cells[3]).toBe("0.36 GBP");
    expect(cells[4]).toBe("PAPER");
    expect(await row.locator("img.coin-icon").count()).toBe(1);
    expect(
      await referrer.page
        .locator('[data-testid=reward-totals] li[data-mode="paper"][data-asset="GBP"]')
        .textContent(),
    ).toContain("0.36 GBP");
    await referrer.page.locator("[data-testid=reward-history] .badge").getByText("Paid").waitFor();
    await screenshot(referrer.page, "referrals");
    await referrer.page.setViewportSize(PHONE);
    await expectNoHorizontalOverflow(referrer.page);
    await screenshot(referrer.page, "referrals-390");

    expect(referrer.errors).toEqual([]);
    expect(referee.errors).toEqual([]);
    await referrer.context.close();
    await referee.context.close();
  });

  it("upgrades to Pro from the live GBP wallet, is refused Elite without the funds, and schedules a downgrade", async () => {
    const trader = await freshPage(browser());
    const email = uniqueEmail("plans");
    await trader.page.goto(`${baseUrl}/signup`);
    await signUpOnPage(trader.page, email);
    const deposit = await trader.page.request.post(`${baseUrl}/api/v1/ops/deposits`, {
      headers: {
        Origin: baseUrl,
        Authorization: `Bearer ${opsToken}`,
        "Idempotency-Key": `e2e-${crypto.randomUUID()}`,
      },
      data: { email, asset: "GBP", amount: "20.00", reference: `e2e-${crypto.randomUUID()}` },
    });
    expect(deposit.status()).toBe(201);

    await trader.page.goto(`${baseUrl}/account`);
    await trader.page.locator("nav[aria-label=Main] a.active", { hasText: "Account" }).waitFor();
    expect(await trader.page.getByTestId("fee-tier-name").textContent()).toBe("Standard");
    expect(await trader.page.getByTestId("fee-maker").textContent()).toBe("0.10 %");
    expect(await trader.page.getByTestId("fee-taker").textContent()).toBe("0.20 %");
    expect(await trader.page.getByTestId("tier-progress").textContent()).toBe(
      "0.00 GBP of 50,000.00 GBP — 50,000.00 GBP to Silver",
    );
    expect(await trader.page.getByTestId("current-plan").textContent()).toBe("Free plan");
    expect(await trader.page.locator("[data-testid=plan-cards] > section").count()).toBe(3);
    expect(await trader.page.getByTestId("plan-pro").textContent()).toContain("14.99 GBP / 30 days");

    // Upgrade: 14.99 GBP from the live wallet, Pro at once, and its 10 % fee discount.
    await trader.page.getByTestId("plan-choose-pro").click();
    await trader.page.getByTestId("plan-message").waitFor();
    expect(await trader.page.getByTestId("plan-message").textContent()).toMatch(
      /^You are on the Pro plan; it renews on \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\.$/,
    );
    expect(await trader.page.getByTestId("current-plan").textContent()).toBe("Pro plan");
    expect(await trader.page.getByTestId("plan-pro").getAttribute("data-current")).toBe("true");
    expect(await liveGbpAvailable(trader.page)).toBe("5.01");
    await trader.page.getByTestId("bot-plan").getByText("Live GBP available: 5.01 GBP").waitFor();
    expect(await trader.page.getByTestId("fee-taker").getAttribute("data-rate")).toBe("0.0018");
    expect(await trader.page.getByTestId("fee-discounts").textContent()).toBe(
      "10 % off Bot plan · while the plan lasts",
    );

    // Elite costs more than the 5.01 GBP left: refused, with the amount needed, and nothing charged.
    await trader.page.getByTestId("plan-choose-elite").click();
    const refusal = trader.page.locator("[data-error-code=insufficient_funds]");
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(
      /^Not enough GBP available in your live wallet: the elite plan needs \d+\.\d{2} GBP now\.$/,
    );
    expect(await trader.page.getByTestId("current-plan").textContent()).toBe("Pro plan");
    expect(await liveGbpAvailable(trader.page)).toBe("5.01");
    await screenshot(trader.page, "account");
    await trader.page.setViewportSize(PHONE);
    await expectNoHorizontalOverflow(trader.page);
    await screenshot(trader.page, "account-390");
    await trader.page.setViewportSize(DESKTOP);

    // A downgrade waits for the end of the paid period, and can be cancelled until then.
    await trader.page.getByTestId("plan-choose-free").click();
    await trader.page.getByTestId("plan-scheduled").waitFor();
    expect(await trader.page.getByTestId("plan-scheduled").textContent()).toMatch(
      /^Moves to Free on \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC; nothing more is charged\.Cancel, keep Pro$/,
    );
    expect(await trader.page.getByTestId("current-plan").textContent()).toBe("Pro plan");
    await screenshot(trader.page, "account-downgrade-scheduled");
    await trader.page.getByTestId("plan-cancel-downgrade").click();
    await trader.page.getByTestId("plan-scheduled").waitFor({ state: "detached" });
    expect(await trader.page.getByTestId("current-plan").textContent()).toBe("Pro plan");
    expect(await liveGbpAvailable(trader.page)).toBe("5.01");

    expect(trader.errors).toEqual([]);
    await trader.context.close();
  });
});
