import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ensureDevVars, parseDevVars } from "../../../scripts/dev-vars.ts";
import { parseConfig } from "../../../worker/env.ts";
import { BinanceSpot, binanceSpotFromConfig } from "../../../worker/services/exchange/index.ts";
import { startBinanceStandin, TESTNET_FUNDING } from "../../support/binance-standin/server.ts";

/** `npm start`'s local exchange account: generated into .dev.vars, valid config, funded on the stand-in. */

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function scratchPath(): string {
  const directory = mkdtempSync(join(tmpdir(), "coinhubx-devvars-"));
  directories.push(directory);
  return join(directory, ".dev.vars");
}

describe(".dev.vars and the local exchange account", () => {
  it("adds the stand-in's key, secret and URL to an existing file, keeping what is there", () => {
    const path = scratchPath();
    writeFileSync(path, 'OPS_TOKEN="kept-token-0000000000000000000000000000"\n');
    const vars = ensureDevVars({ libsqlPort: 8080, binanceStandinPort: 8790, path });
    expect(vars.OPS_TOKEN).toBe("kept-token-0000000000000000000000000000");
    expect(vars.BINANCE_BASE_URL).toBe("http://127.0.0.1:8790");
    expect(vars.BINANCE_API_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(vars.BINANCE_API_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(vars.BINANCE_API_KEY).not.toBe(vars.BINANCE_API_SECRET);
    expect(parseDevVars(readFileSync(path, "utf8"))).toEqual(vars);
    // A second start keeps the same account.
    expect(ensureDevVars({ libsqlPort: 8080, path })).toEqual(vars);
    const config = parseConfig(vars);
    expect(config.BINANCE_BASE_URL).toBe("http://127.0.0.1:8790");
  });

  it("gives an account that the stand-in funds like a testnet account and the adapter can use", async () => {
    const vars = ensureDevVars({ libsqlPort: 8080, path: scratchPath() });
    const standin = await startBinanceStandin({
      port: 0,
      accounts: [
        {
          apiKey: vars.BINANCE_API_KEY,
          secretKey: vars.BINANCE_API_SECRET,
          balances: { ...TESTNET_FUNDING },
        },
      ],
    });
    try {
      const config = parseConfig({ ...vars, BINANCE_BASE_URL: standin.url });
      const adapter = binanceSpotFromConfig(config);
      expect(adapter).toBeInstanceOf(BinanceSpot);
      const account = await adapter.account();
      expect(account.balances.map((balance) => [balance.asset, balance.freeText])).toEqual([
        ["USDT", "10000.00000000"],
        ["BTC", "1.00000000"],
        ["ETH", "10.00000000"],
        ["SOL", "100.00000000"],
        ["BNB", "1000.00000000"],
      ]);
    } finally {
      await standin.close();
    }
  });

  it("refuses to build the adapter without both secrets", () => {
    expect(() =>
      binanceSpotFromConfig({
        BINANCE_API_KEY: undefined,
        BINANCE_API_SECRET: undefined,
        BINANCE_BASE_URL: undefined,
      }),
    ).toThrow(
      expect.objectContaining({ kind: "not_configured", code: "exchange_not_configured", status: 503 }),
    );
  });
});
