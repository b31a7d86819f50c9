import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("Remix inside workerd", () => {
  it("renders the home page in the app shell", async () => {
    const response = await SELF.fetch("http://example.com/");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("text/html");
    const html = await response.text();
    expect(html).toContain("<h1>Markets</h1>");
    for (const label of ["Markets", "Trade", "Bots", "Wallet", "Security"]) {
      expect(html).toContain(`>${label}</a>`);
    }
    expect(html).toContain('data-testid="markets-table"');
    expect(html).toContain('data-symbol="BTC-GBP"');
    expect(html).toContain("<footer");
  });

  it("answers an unknown page with a 404 inside the shell", async () => {
    const response = await SELF.fetch("http://example.com/no/such/page");
    expect(response.status).toBe(404);
    const html = await response.text();
    expect(html).toContain('data-testid="not-found"');
    expect(html).toContain('class="shell-header"');
  });
});
