import { describe, expect, inject, it } from "vitest";
import { browserForThisFile, screenshot } from "../support/browser.ts";

const baseUrl = inject("baseUrl");
const browser = browserForThisFile();

describe("the app shell in Chromium", () => {
  it("renders the home page with navigation, hydrates, and navigates client-side", async () => {
    const page = await browser().newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    // A script without the response's nonce is refused by CSP and logged to the console.
    page.on("console", (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) errors.push(message.text());
    });
    const response = await page.goto(`${baseUrl}/`);
    expect(response?.status()).toBe(200);
    await expect(page.locator("h1").first().textContent()).resolves.toBe("Markets");
    const labels = await page.locator("nav[aria-label=Main] a").allTextContents();
    expect(labels).toEqual(["Markets", "Trade", "Bots", "Wallet", "Security"]);
    await screenshot(page, "home");
    // Hydrated under the nonce-based CSP: clicking a nav link navigates client-side (no new
    // document request), which only works if React's scripts ran.
    let documentRequests = 0;
    page.on("request", (request) => {
      if (request.resourceType() === "document") documentRequests++;
    });
    await page.locator("nav[aria-label=Main] a", { hasText: "Security" }).click();
    await page.waitForURL(/\/login\?redirectTo=%2Fsecurity/);
    expect(documentRequests).toBe(0);
    await page.goto(`${baseUrl}/no-such-page`);
    await page.locator('[data-testid="not-found"]').waitFor();
    await screenshot(page, "not-found");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("serves /healthz and /readyz from the running stack", async () => {
    const health = await fetch(`${baseUrl}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { status: string }).status).toBe("ok");
  });
});
