import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, signupsPerAddressPerDay } from "../../../worker/env.ts";
import { signupAddress } from "../../../worker/services/auth/signup-limits.ts";

const SECRETS = {
  OPS_TOKEN: "o".repeat(32),
  SESSION_SECRET: "s".repeat(32),
  DATA_ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
  TURSO_DATABASE_URL: "http://127.0.0.1:8080",
};

/** Findings 7 and 8 (issue #15): the site's origin and the sign-up limit are configuration. */
describe("SITE_ORIGIN", () => {
  it("defaults to wrangler dev's address locally", () => {
    expect(parseConfig(SECRETS).SITE_ORIGIN).toBe("http://127.0.0.1:8787");
  });

  it("is an origin, normalised; a path, query or credentials are refused", () => {
    expect(parseConfig({ ...SECRETS, SITE_ORIGIN: "https://CoinHubX.example/" }).SITE_ORIGIN).toBe(
      "https://coinhubx.example",
    );
    for (const bad of [
      "coinhubx.example",
      "https://coinhubx.example/app",
      "https://coinhubx.example/?x=1",
      "https://user:pw@coinhubx.example",
      "ftp://coinhubx.example",
    ]) {
      expect(() => parseConfig({ ...SECRETS, SITE_ORIGIN: bad }), bad).toThrow(ConfigError);
    }
  });

  it("must be set in production", () => {
    expect(() => parseConfig({ ...SECRETS, ENVIRONMENT: "production" })).toThrow(/SITE_ORIGIN/);
    expect(
      parseConfig({ ...SECRETS, ENVIRONMENT: "production", SITE_ORIGIN: "https://coinhubx.example" })
        .SITE_ORIGIN,
    ).toBe("https://coinhubx.example");
  });
});

describe("sign-ups per address", () => {
  it("10 a day in production, 10,000 elsewhere, or what SIGNUPS_PER_ADDRESS_PER_DAY says", () => {
    const production = { ...SECRETS, ENVIRONMENT: "production", SITE_ORIGIN: "https://coinhubx.example" };
    expect(signupsPerAddressPerDay(parseConfig(production))).toBe(10);
    expect(signupsPerAddressPerDay(parseConfig(SECRETS))).toBe(10_000);
    expect(signupsPerAddressPerDay(parseConfig({ ...SECRETS, ENVIRONMENT: "test" }))).toBe(10_000);
    expect(signupsPerAddressPerDay(parseConfig({ ...production, SIGNUPS_PER_ADDRESS_PER_DAY: "25" }))).toBe(
      25,
    );
    expect(() => parseConfig({ ...SECRETS, SIGNUPS_PER_ADDRESS_PER_DAY: "0" })).toThrow(ConfigError);
  });

  it("counts an IPv4 address on its own and an IPv6 /64 as one household", () => {
    expect(signupAddress("198.51.100.7")).toBe("198.51.100.7");
    expect(signupAddress("::ffff:198.51.100.7")).toBe("198.51.100.7");
    const household = "2001:db8:1:2::/64";
    for (const address of [
      "2001:db8:1:2::1",
      "2001:DB8:1:2:aaaa:bbbb:cccc:dddd",
      "2001:0db8:0001:0002::9%eth0",
    ]) {
      expect(signupAddress(address), address).toBe(household);
    }
    expect(signupAddress("2001:db8:1:3::1")).not.toBe(household);
    expect(signupAddress("2001:db8::1")).toBe("2001:db8:0:0::/64");
  });
});
