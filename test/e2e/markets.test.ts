import { describe, expect, inject, it } from "vitest";
import { browserForThisFile, screenshot } from "../support/browser.ts";

const baseUrl = inject("baseUrl");
const browser = browserForThisFile();

describe("the Markets page in Chromium", () => {
  it("lists every market with price, change, volume and a sparkline, and filters by search", async () => {
    const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    const response = await page.goto(`${baseUrl}/markets`);
    expect(response?.status()).toBe(200);
    const rows = page.locator("[data-testid=markets-table] tbody tr");
    expect(await rows.count()).toBe(7);
    expect(await page.locator("svg.sparkline").count()).toBe(7);
    expect(await page.locator("img.coin-icon").count()).toBeGreaterThanOrEqual(14);
    // Icons are files under /assets (not inlined): every one of them loads.
    await expect
      .poll(() =>
        page
          .locator("img.coin-icon")
          .evaluateAll(
            (images) =>
              (images as HTMLImageElement[]).filter((image) => !image.complete || image.naturalWidth === 0)
                .length,
          ),
      )
      .toBe(0);
    expect(
      await page
        .locator("img.coin-icon")
        .evaluateAll((images) =>
          (images as HTMLImageElement[]).every((image) =>
            /^\/assets\/[a-z]+-[\w-]+\.svg$/.test(new URL(image.src).pathname),
          ),
        ),
    ).toBe(true);
    const last = await rows.first().locator(".money").first().textContent();
    expect(last).toMatch(/^[\d,]+\.\d{2} GBP$/);
    await screenshot(page, "markets");
    await page.locator("[data-testid=markets-search]").fill("eth");
    await expect.poll(() => rows.count()).toBe(3);
    await page.locator("[data-testid=markets-search]").fill("sol/usdt");
    await expect.poll(() => rows.count()).toBe(1);
    await screenshot(page, "markets-search");
    expect(errors).toEqual([]);
    await page.close();
  });
});
