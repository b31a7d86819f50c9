import { fileURLToPath } from "node:url";
import { vitePlugin as remix } from "@remix-run/dev";
import { defineConfig } from "vite";

// Remix builds with Vite; the server build runs inside workerd behind the Hono entry
// (worker/index.ts), so it resolves packages as a Worker does.
export default defineConfig({
  publicDir: "app/public",
  plugins: [
    remix({
      appDirectory: "app",
      buildDirectory: "build",
      serverModuleFormat: "esm",
      // A page's server code sits beside it (routes/ops.server.ts): a module, not a route.
      ignoredRouteFiles: ["**/*.server.ts"],
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_lazyRouteDiscovery: true,
        v3_singleFetch: true,
      },
    }),
  ],
  resolve: {
    alias: { "~": fileURLToPath(new URL("./app", import.meta.url)) },
    mainFields: ["browser", "module", "main"],
  },
  ssr: {
    resolve: { conditions: ["workerd", "worker", "browser"], externalConditions: ["workerd", "worker"] },
  },
  build: {
    minify: true,
    sourcemap: false,
    // Coin icons are files under /assets (fingerprinted, cached for a year, served without the
    // Worker), never data: URLs: a table repeats an icon on every row, and inlined it made a
    // third of the home page's HTML (12 KB of 38 KB), rendered and sent on every request
    // (README decision record 045).
    assetsInlineLimit: (filePath) => (filePath.endsWith(".svg") ? false : undefined),
  },
});
