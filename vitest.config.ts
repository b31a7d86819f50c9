import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { TEST_SECRETS } from "./test/support/test-env.ts";

const remixServerBuild = fileURLToPath(new URL("./build/server/index.js", import.meta.url));

function chaosSeeds(): Record<string, string> {
  const seeds: Record<string, string> = {};
  for (const name of ["LEDGER_CHAOS_SEED", "FLOWS_CHAOS_SEED", "MONETISATION_SEED"]) {
    const value = process.env[name];
    if (value) seeds[name] = value;
  }
  return seeds;
}

// Three projects, one `vitest run`:
// - unit: plain Node (the local libSQL server, pure domain code, property tests)
// - worker: inside workerd through @cloudflare/vitest-pool-workers (Hono app, Remix, Durable Objects)
// - e2e: real Chromium against a running `wrangler dev`
export default defineConfig({
  test: {
    reporters: ["default", "./test/support/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
        },
      },
      {
        resolve: { alias: { "remix-server-build": remixServerBuild } },
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ...TEST_SECRETS,
                // Chaos seeds from the shell reach the tests inside workerd as bindings.
                ...chaosSeeds(),
                TURSO_DATABASE_URL: inject("libsqlUrl"),
                TURSO_AUTH_TOKEN: inject("libsqlAuthToken"),
                // The Binance stand-in as the platform's exchange account: LIVE is on in every test.
                BINANCE_BASE_URL: inject("binanceUrl"),
                BINANCE_API_KEY: inject("binanceApiKey"),
                BINANCE_API_SECRET: inject("binanceApiSecret"),
              },
            },
          })),
        ],
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts"],
          globalSetup: ["./test/support/global-setup.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["./test/support/e2e-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
