import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../worker/env.ts";

const valid = {
  OPS_TOKEN: "o".repeat(40),
  SESSION_SECRET: "s".repeat(40),
  DATA_ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
  TURSO_DATABASE_URL: "http://127.0.0.1:8080",
};

describe("config", () => {
  it("parses a valid environment and applies defaults", () => {
    const config = parseConfig(valid);
    expect(config.ENVIRONMENT).toBe("development");
    expect(config.MARKET_SOURCE).toBe("sim");
    expect(config.DATABASE_TIMEOUT_MS).toBe(3000);
  });

  it("names every missing or malformed variable at once", () => {
    try {
      parseConfig({ DATA_ENCRYPTION_KEY: "short", TURSO_DATABASE_URL: "ftp://nope", MARKET_SOURCE: "x" });
      expect.unreachable("parseConfig accepted a broken environment");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join("\n");
      for (const name of [
        "OPS_TOKEN",
        "SESSION_SECRET",
        "DATA_ENCRYPTION_KEY",
        "TURSO_DATABASE_URL",
        "MARKET_SOURCE",
      ]) {
        expect(problems).toContain(name);
      }
      // Values are never echoed: a secret in a broken variable must not reach the logs.
      expect(problems).not.toContain("short");
    }
  });

  it("treats empty strings as unset", () => {
    expect(() => parseConfig({ ...valid, OPS_TOKEN: "" })).toThrow(/OPS_TOKEN/);
  });
});
