/**
 * Pages that every signed-out visitor sees alike (the home page and Markets: market rows that
 * change once a second, the signed-out shell) are rendered once per isolate per second and
 * served from memory in between. What differs per response
 * is the CSP nonce: the stored HTML's nonce is replaced by the request's own fresh one, so
 * every response still carries a nonce no one has seen before (the Content-Security-Policy
 * header is written afterwards from the same value). Anything personal is never stored: a
 * request with a session cookie or a query string, an answer that is not a 200 HTML page or
 * that sets a cookie. README decision record 043.
 *
 * Once a stored page is older than the TTL, the next request renders its successor; requests
 * arriving while that render runs get the stored page (stale while revalidate, at most
 * PUBLIC_PAGE_MAX_STALE_MS old) instead of each rendering the same page again. Measured here
 * the saving is small (a render takes ~40 ms: 29 → 25 renders in a 3,000-request run); it is
 * kept because it bounds the stampede when rendering is slow (README decision record 045).
 */
export const PUBLIC_PAGES: ReadonlySet<string> = new Set(["/", "/markets"]);
export const PUBLIC_PAGE_TTL_MS = 1_000;
/** The oldest stored page still served while a request renders its successor. */
export const PUBLIC_PAGE_MAX_STALE_MS = 5_000;
/**
 * A successor render not finished after this long is presumed lost (its client went away and
 * the runtime dropped the request): the next request renders instead.
 */
export const PUBLIC_PAGE_RENDER_GIVE_UP_MS = 2_000;

interface StoredPage {
  atMs: number;
  status: number;
  headers: [string, string][];
  /**
   * The HTML as UTF-8, cut at each occurrence of the render's nonce: a response is these parts
   * joined by its own nonce's bytes, with no string replace and no re-encoding of the page.
   */
  parts: Uint8Array[];
}

const utf8 = new TextEncoder();

/**
 * Only finished renders are served. A request never waits on another request's render in
 * progress: in Workers that would tie it to the other request's I/O context (and its fate, if
 * that client goes away); it gets the stored page while that is recent enough, and otherwise
 * renders for itself.
 */
const pages = new Map<string, StoredPage>();
/** A request rendering the stored page's successor, and when it started. */
interface RenderClaim {
  sinceMs: number;
}
/** Per path: the newest claim to be rendering its stored page's successor. */
const renderingSince = new Map<string, RenderClaim>();

export function isCacheablePublicRequest(request: Request, hasSession: boolean): boolean {
  if (request.method !== "GET" || hasSession) return false;
  const url = new URL(request.url);
  return url.search === "" && PUBLIC_PAGES.has(url.pathname);
}

async function store(response: Response, nonce: string, atMs: number): Promise<StoredPage | null> {
  const type = response.headers.get("Content-Type") ?? "";
  if (
    response.status !== 200 ||
    !type.toLowerCase().startsWith("text/html") ||
    response.headers.has("Set-Cookie")
  )
    return null;
  return {
    atMs,
    status: response.status,
    headers: [...response.headers],
    parts: (await response.text()).split(nonce).map((part) => utf8.encode(part)),
  };
}

/** How a public page was answered: from a fresh stored render, a stale one, or rendered now. */
export type PublicPageSource = "hit" | "stale" | "miss";

/**
 * Serves `request` (already known cacheable) from the stored page while it is fresh (under
 * PUBLIC_PAGE_TTL_MS); once it is older, the first request renders its successor and, while
 * that render runs, others get the stored page if it is under PUBLIC_PAGE_MAX_STALE_MS old.
 * Limits: a render taking longer than PUBLIC_PAGE_RENDER_GIVE_UP_MS is presumed lost and the
 * next request starts another; with nothing stored, or only a page older than the stale limit
 * (an isolate that was quiet for 5 s), every request renders for itself, as before. `nonce` is
 * this request's CSP nonce.
 */
export async function servePublicPage(
  request: Request,
  nonce: string,
  render: () => Promise<Response>,
  nowMs = Date.now(),
): Promise<{ response: Response; source: PublicPageSource }> {
  const key = new URL(request.url).pathname;
  const cached = pages.get(key);
  if (cached) {
    const ageMs = nowMs - cached.atMs;
    if (ageMs < PUBLIC_PAGE_TTL_MS) return { response: fromStored(cached, nonce), source: "hit" };
    const rendering = renderingSince.get(key);
    const successorRendering =
      rendering !== undefined && nowMs - rendering.sinceMs < PUBLIC_PAGE_RENDER_GIVE_UP_MS;
    if (successorRendering && ageMs < PUBLIC_PAGE_MAX_STALE_MS)
      return { response: fromStored(cached, nonce), source: "stale" };
  }
  // This request's claim, compared by identity: Date.now() only moves with I/O in Workers, so
  // two renders can start at the same millisecond, and only the newest claim may be cleared.
  const claim: RenderClaim = { sinceMs: nowMs };
  renderingSince.set(key, claim);
  try {
    const rendered = await render();
    const stored = await store(rendered, nonce, nowMs);
    if (!stored) return { response: rendered, source: "miss" };
    const newest = pages.get(key);
    if (!newest || newest.atMs <= stored.atMs) pages.set(key, stored);
    return { response: fromStored(stored, nonce), source: "miss" };
  } finally {
    if (renderingSince.get(key) === claim) renderingSince.delete(key);
  }
}

function fromStored(page: StoredPage, nonce: string): Response {
  const nonceBytes = utf8.encode(nonce);
  let length = nonceBytes.length * (page.parts.length - 1);
  for (const part of page.parts) length += part.length;
  const body = new Uint8Array(length);
  let offset = 0;
  page.parts.forEach((part, index) => {
    if (index > 0) {
      body.set(nonceBytes, offset);
      offset += nonceBytes.length;
    }
    body.set(part, offset);
    offset += part.length;
  });
  return new Response(body, { status: page.status, headers: page.headers });
}

/** Tests: forget every stored page. */
export function clearPublicPages(): void {
  pages.clear();
  renderingSince.clear();
}
