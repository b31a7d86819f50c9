import type { Bindings } from "../../worker/env.ts";

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {}
  }
}
