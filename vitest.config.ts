import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Three projects, one `vitest run`:
// - unit: plain Node (the local libSQL server, pure domain code, property tests)
// - worker: inside workerd through @cloudflare/vitest-pool-workers (Hono app, Remix, Durable Objects)
// - e2e: real Chromium against a running `wrangler dev`
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
        },
      },
    ],
  },
});
