import type { Context } from "hono";

/**
 * Applies `edit` to the headers of the response a middleware is finishing. On the response
 * itself when its headers are mutable (ours: JSON, pages, stored pages): copying it, and Hono
 * copying the copy again on `c.res =`, cost two Response constructions per request (README
 * decision records 043 and 046). A response with immutable headers (a fetched one, such as a
 * static file) throws TypeError on its first `set`; that one is copied, edited and handed to Hono.
 */
export function editResponseHeaders(c: Context, edit: (headers: Headers) => void): void {
  try {
    edit(c.res.headers);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    const copy = new Response(c.res.body, c.res);
    edit(copy.headers);
    c.res = copy;
  }
}
