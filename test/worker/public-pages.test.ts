import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { clearPublicPages, servePublicPage } from "../../worker/services/pages/public-cache.ts";
import { signUp } from "./flows/support.ts";

/** The nonce a response's CSP allows, and every nonce its HTML carries. */
async function nonces(response: Response): Promise<{ header: string; inHtml: string[]; html: string }> {
  const header = /'nonce-([^']+)'/.exec(response.headers.get("Content-Security-Policy") ?? "")?.[1] ?? "";
  const html = await response.text();
  return { header, inHtml: [...html.matchAll(/nonce="([^"]+)"/g)].map((match) => match[1] as string), html };
}

describe("public pages rendered once a second", () => {
  beforeEach(() => clearPublicPages());

  it("serves a signed-out visitor the stored page with a fresh nonce of its own", async () => {
    const first = await nonces(await SELF.fetch("http://example.com/"));
    const second = await nonces(await SELF.fetch("http://example.com/"));
    for (const page of [first, second]) {
      expect(page.header).toMatch(/^[A-Za-z0-9+/=]{20,}$/);
      expect(page.inHtml.length).toBeGreaterThan(0);
      // Every script the page carries is allowed by this response's own policy, and no other.
      expect(new Set(page.inHtml)).toEqual(new Set([page.header]));
    }
    expect(second.header).not.toBe(first.header);
    expect(second.html).not.toContain(first.header);
    // The same page otherwise: the second came from the stored render.
    expect(second.html.replaceAll(second.header, "N")).toBe(first.html.replaceAll(first.header, "N"));
  });

  it("renders once a second for repeated requests, and never waits on another request's render", async () => {
    let renders = 0;
    const render = async () => {
      renders++;
      return new Response(`<script nonce="first-nonce-0000">1</script>`, {
        headers: { "Content-Type": "text/html; charset=utf-8" },
      });
    };
    const request = new Request("http://example.com/markets");
    const first = await servePublicPage(request, "first-nonce-0000", render, 10_000);
    const answers = await Promise.all(
      ["second-nonce-111", "third-nonce-2222"].map((nonce) =>
        servePublicPage(request, nonce, render, 10_500),
      ),
    );
    expect(renders).toBe(1);
    expect(await Promise.all([first, ...answers].map(({ response }) => response.text()))).toEqual([
      `<script nonce="first-nonce-0000">1</script>`,
      `<script nonce="second-nonce-111">1</script>`,
      `<script nonce="third-nonce-2222">1</script>`,
    ]);
    expect([first, ...answers].map(({ source }) => source)).toEqual(["miss", "hit", "hit"]);
    await servePublicPage(request, "later-nonce-3333", render, 10_999);
    expect(renders).toBe(1);
    await servePublicPage(request, "later-nonce-4444", render, 11_000);
    expect(renders).toBe(2);
    // With nothing stored yet for a path, requests arriving while a render is in progress render
    // for themselves (there is no page to serve them meanwhile).
    const slow = servePublicPage(new Request("http://example.com/"), "slow-nonce-00000", render, 30_000);
    await servePublicPage(new Request("http://example.com/"), "fast-nonce-00000", render, 30_001);
    await slow;
    expect(renders).toBe(4);
    // An answer that sets a cookie or is not a 200 page is never stored.
    const personal = async () => {
      renders++;
      return new Response("<p>x</p>", { headers: { "Content-Type": "text/html", "Set-Cookie": "a=b" } });
    };
    await servePublicPage(new Request("http://example.com/"), "n1-000000000000", personal, 40_000);
    await servePublicPage(new Request("http://example.com/"), "n2-000000000000", personal, 40_001);
    expect(renders).toBe(6);
  });

  it("serves the stored page while one request renders its successor, within limits", async () => {
    let renders = 0;
    const page = (body: string) =>
      new Response(`<p nonce="render-nonce-0000">${body}</p>`, {
        headers: { "Content-Type": "text/html; charset=utf-8" },
      });
    const quick = async () => {
      renders++;
      return page(`render ${renders}`);
    };
    // Slow renders finish when the test says so: finishers[n] ends the n-th slow render.
    const finishers: (() => void)[] = [];
    const slow = async () => {
      renders++;
      const body = `render ${renders}`;
      await new Promise<void>((resolve) => finishers.push(resolve));
      return page(body);
    };
    const text = async (answer: Promise<{ response: Response }>) => (await answer).response.text();
    const request = new Request("http://example.com/markets");
    /** One request answered at once: how, and the HTML it got. */
    const served = async (nonce: string, atMs: number) => {
      const answer = await servePublicPage(request, nonce, quick, atMs);
      return { source: answer.source, html: await answer.response.text() };
    };
    await servePublicPage(request, "render-nonce-0000", quick, 50_000);

    // Expired: this request renders the successor, and keeps rendering for a while.
    const successor = servePublicPage(request, "render-nonce-0000", slow, 51_200);
    expect(renders).toBe(2);
    // Meanwhile others get the stored page at once, with their own nonce, and render nothing.
    expect(await served("waiting-nonce-00", 51_300)).toEqual({
      source: "stale",
      html: `<p nonce="waiting-nonce-00">render 1</p>`,
    });
    expect(renders).toBe(2);
    finishers[0]?.();
    expect(await text(successor)).toBe(`<p nonce="render-nonce-0000">render 2</p>`);
    // The successor is stored and fresh.
    expect(await served("after-nonce-0000", 51_400)).toEqual({
      source: "hit",
      html: `<p nonce="after-nonce-0000">render 2</p>`,
    });
    expect(renders).toBe(2);

    // A successor render that does not finish within the give-up time is presumed lost: the next
    // request takes over. When the lost one finally finishes, it must not clear the newer claim.
    // (Requests that render pass the nonce the test's pages carry, so the stored copy is cut at it.)
    const lost = servePublicPage(request, "render-nonce-0000", slow, 52_500);
    expect(renders).toBe(3);
    expect((await served("stale-nonce-0000", 53_000)).source).toBe("stale");
    expect(renders).toBe(3);
    const takeover = servePublicPage(request, "render-nonce-0000", slow, 54_600);
    expect(renders).toBe(4);
    finishers[1]?.();
    expect(await text(lost)).toBe(`<p nonce="render-nonce-0000">render 3</p>`);
    // The lost render stored its page (at 52_500, now 2.2 s old, expired); the takeover still
    // renders, so this request gets the stored page and renders nothing.
    expect(await served("during-nonce-000", 54_700)).toEqual({
      source: "stale",
      html: `<p nonce="during-nonce-000">render 3</p>`,
    });
    expect(renders).toBe(4);
    finishers[2]?.();
    expect(await text(takeover)).toBe(`<p nonce="render-nonce-0000">render 4</p>`);

    // Too stale to serve even while a successor renders: the request renders for itself.
    const slowAgain = servePublicPage(request, "render-nonce-0000", slow, 60_000);
    expect((await served("too-old-nonce-00", 60_100)).source).toBe("miss");
    expect(renders).toBe(6);
    finishers[3]?.();
    await slowAgain;
  });

  it("never serves a signed-in trader the signed-out page, nor stores theirs", async () => {
    await SELF.fetch("http://example.com/");
    const trader = await signUp("pubcache");
    const signedIn = await SELF.fetch("http://example.com/", {
      headers: { Cookie: trader.client.cookie ?? "" },
    });
    const html = await signedIn.text();
    expect(html).toContain(trader.email);
    expect(signedIn.headers.get("Cache-Control")).toBe("no-store");
    const anonymous = await (await SELF.fetch("http://example.com/")).text();
    expect(anonymous).not.toContain(trader.email);
  });

  it("renders pages with a query string and other paths each time", async () => {
    const response = await SELF.fetch("http://example.com/signup?ref=ABCDEFGH");
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("ABCDEFGH");
  });
});
