import { describe, expect, it } from "vitest";
import { wranglerEnvironment } from "../../../scripts/wrangler-env.ts";

describe("the environment of every wrangler dev we start", () => {
  it("turns wrangler's local trace store off and its telemetry off, keeping the rest", () => {
    const env = wranglerEnvironment({ PATH: "/usr/bin", WRANGLER_SEND_METRICS: "true" }, { CI: "true" });
    expect(env.X_LOCAL_OBSERVABILITY).toBe("false");
    expect(env.WRANGLER_SEND_METRICS).toBe("false");
    expect(env.PATH).toBe("/usr/bin");
    expect(env.CI).toBe("true");
  });

  it("leaves the trace store on for whoever asks for it", () => {
    expect(wranglerEnvironment({ X_LOCAL_OBSERVABILITY: "true" }).X_LOCAL_OBSERVABILITY).toBe("true");
  });
});
