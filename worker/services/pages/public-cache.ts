/**
 * Pages that every signed-out visitor sees alike (the home page and Markets: market rows that
 * change once a second, the signed-out shell) are rendered once per isolate per second and
 * served from memory in between. What differs per response
 * is the CSP nonce: the stored HTML's nonce is replaced by the request's own fresh one, so
 * every response still carries a nonce no one has seen before (the Content-Security-Policy
 * header is written afterwards from the same value). Anything personal is never stored: a
 * request with a session cookie or a query string, an answer that is not a 200 HTML page or
 * that sets a cookie. README decision record 043.
 */
export const PUBLIC_PAGES: ReadonlySet<string> = new Set(["/", "/markets"]);
export const PUBLIC_PAGE_TTL_MS = 1_000;

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
 * that client goes away); it renders for itself instead.
 */
const pages = new Map<string, StoredPage>();

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

/**
 * Serves `request` (already known cacheable) from the stored page when it is fresh, else renders
 * it with `render` and stores the answer. `nonce` is this request's CSP nonce.
 */
export async function servePublicPage(
  request: Request,
  nonce: string,
  render: () => Promise<Response>,
  nowMs = Date.now(),
): Promise<{ response: Response; hit: boolean }> {
  const key = new URL(request.url).pathname;
  const cached = pages.get(key);
  if (cached && nowMs - cached.atMs < PUBLIC_PAGE_TTL_MS)
    return { response: fromStored(cached, nonce), hit: true };
  const rendered = await render();
  const stored = await store(rendered, nonce, nowMs);
  if (!stored) return { response: rendered, hit: false };
  const newest = pages.get(key);
  if (!newest || newest.atMs <= stored.atMs) pages.set(key, stored);
  return { response: fromStored(stored, nonce), hit: false };
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
}
