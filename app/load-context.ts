import type { RemixLoadContext } from "../worker/remix.ts";

declare module "@remix-run/cloudflare" {
  interface AppLoadContext extends RemixLoadContext {}
}

declare module "@remix-run/server-runtime" {
  interface Future {
    v3_singleFetch: true;
  }
}
