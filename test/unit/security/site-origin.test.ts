import { describe, expect, it } from "vitest";
import { isSiteOrigin } from "../../../worker/middleware/session/index.ts";

describe("the site's origin for CSRF", () => {
  it("is exactly the configured origin for a deployed site", () => {
    expect(isSiteOrigin("https://coinhubx.example", "https://coinhubx.example")).toBe(true);
    expect(isSiteOrigin("https://evil.example", "https://coinhubx.example")).toBe(false);
    expect(isSiteOrigin("http://coinhubx.example", "https://coinhubx.example")).toBe(false);
    expect(isSiteOrigin("https://localhost", "https://coinhubx.example")).toBe(false);
    expect(isSiteOrigin("null", "https://coinhubx.example")).toBe(false);
  });

  it("locally, accepts the same port under another loopback name, and nothing else", () => {
    const local = "http://127.0.0.1:8787";
    expect(isSiteOrigin("http://localhost:8787", local)).toBe(true);
    expect(isSiteOrigin("http://[::1]:8787", local)).toBe(true);
    expect(isSiteOrigin("http://localhost:8788", local)).toBe(false);
    expect(isSiteOrigin("https://localhost:8787", local)).toBe(false);
    expect(isSiteOrigin("http://localhost.evil.example:8787", local)).toBe(false);
    expect(isSiteOrigin("http://localhost:8787/path", local)).toBe(false);
  });
});
