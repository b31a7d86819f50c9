import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../../worker/env.ts";
import { createLogger, redact } from "../../../worker/logger.ts";
import { binanceSpotFromConfig, ExchangeError } from "../../../worker/services/exchange/index.ts";
import { createSentry } from "../../../worker/services/sentry.ts";
import { type BinanceStandin, startBinanceStandin } from "../../support/binance-standin/server.ts";
import { adapterOn, dropBeforeSending } from "./support.ts";

/**
 * The exchange account's key and secret never leave the adapter except in the X-MBX-APIKEY
 * header (the key) and as HMAC signatures: not in logs, not in the exchange transcript, not in
 * errors, not in Sentry, not in configuration errors.
 */

const BASE_CONFIG = {
  OPS_TOKEN: "o".repeat(40),
  SESSION_SECRET: "s".repeat(40),
  DATA_ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
  TURSO_DATABASE_URL: "http://127.0.0.1:8080",
};

let standin: BinanceStandin;
let apiKey: string;
let secretKey: string;

beforeAll(async () => {
  standin = await startBinanceStandin({ port: 0 });
  ({ apiKey, secretKey } = standin.addAccount());
});

afterAll(async () => {
  await standin.close();
});

function assertNoCredentials(text: string): void {
  expect(text).not.toContain(secretKey);
  expect(text).not.toContain(apiKey);
  expect(text).not.toMatch(/signature=[0-9a-f]{64}/);
}

/** Errors of every kind the adapter can raise on a bad day, with the real credentials in play. */
async function collectErrors(): Promise<unknown[]> {
  const errors: unknown[] = [];
  const capture = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => errors.push(error),
    );
  const wrongSecret = adapterOn(standin, { apiKey, secretKey: `${secretKey}0` }).adapter;
  await capture(wrongSecret.account());
  const good = adapterOn(standin, { apiKey, secretKey }).adapter;
  await capture(good.cancelOrder("BTC-USDT", crypto.randomUUID()));
  await capture(
    good.placeOrder({
      orderId: crypto.randomUUID(),
      symbol: "BTC-USDT",
      side: "buy",
      type: "limit",
      quantityMinor: 7n,
      priceMinor: 1n,
    }),
  );
  const unreachable = adapterOn(
    standin,
    { apiKey, secretKey },
    { fetch: dropBeforeSending("GET", "/api/v3/account", 5) },
  );
  await capture(unreachable.adapter.account());
  await capture(Promise.reject(binanceSpotFromConfigOrError()));
  return errors;
}

function binanceSpotFromConfigOrError(): unknown {
  try {
    binanceSpotFromConfig({
      BINANCE_API_KEY: apiKey,
      BINANCE_API_SECRET: undefined,
      BINANCE_BASE_URL: standin.url,
    });
  } catch (error) {
    return error;
  }
  return new Error("expected not_configured");
}

describe("the exchange credentials", () => {
  it("are redacted by the logger under every key name they travel with", () => {
    const fields = {
      BINANCE_API_KEY: apiKey,
      BINANCE_API_SECRET: secretKey,
      apiKey,
      apiSecret: secretKey,
      headers: { "X-MBX-APIKEY": apiKey },
      config: { binanceApiKey: apiKey, binanceApiSecret: secretKey },
    };
    const lines: string[] = [];
    createLogger({ sink: (line) => lines.push(line) }).error("exchange failure", fields);
    expect(lines).toHaveLength(1);
    assertNoCredentials(lines[0] ?? "");
    expect(redact(fields)).toEqual({
      BINANCE_API_KEY: "[redacted]",
      BINANCE_API_SECRET: "[redacted]",
      apiKey: "[redacted]",
      apiSecret: "[redacted]",
      headers: { "X-MBX-APIKEY": "[redacted]" },
      config: { binanceApiKey: "[redacted]", binanceApiSecret: "[redacted]" },
    });
  });

  it("never appear in the adapter's log lines or its exchange transcript", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "debug", sink: (line) => lines.push(line) });
    const { adapter, records } = adapterOn(standin, { apiKey, secretKey }, { logger });
    await adapter.account();
    await adapter.placeOrder({
      orderId: crypto.randomUUID(),
      symbol: "BTC-USDT",
      side: "buy",
      type: "market",
      quantityMinor: 10_000n,
    });
    await adapter.queryOrder("BTC-USDT", crypto.randomUUID());
    expect(lines.length).toBeGreaterThan(0);
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) expect(Object.keys(record.params)).not.toContain("signature");
    assertNoCredentials(lines.join("\n"));
    assertNoCredentials(JSON.stringify(records));
  });

  it("never appear in an adapter error: message, stack, fields or JSON", async () => {
    const errors = await collectErrors();
    expect(errors.map((error) => (error as ExchangeError).kind)).toEqual([
      "signature",
      "unknown_order",
      "filter_failure",
      "status_unknown",
      "not_configured",
    ]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(ExchangeError);
      const exchangeError = error as ExchangeError;
      assertNoCredentials(
        [
          exchangeError.message,
          exchangeError.stack ?? "",
          JSON.stringify(exchangeError),
          JSON.stringify(redact(error)),
        ].join("\n"),
      );
    }
  });

  describe("in Sentry", () => {
    let collector: Server;
    const envelopes: string[] = [];
    let dsn: string;

    beforeAll(async () => {
      collector = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
          envelopes.push(Buffer.concat(chunks).toString("utf8"));
          response.writeHead(200, { "Content-Type": "application/json" });
          response.end("{}");
        });
      });
      await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
      dsn = `http://publickey@127.0.0.1:${(collector.address() as AddressInfo).port}/7`;
    });

    afterAll(async () => {
      await new Promise((resolve) => collector.close(resolve));
    });

    it("reports adapter errors without them, and scrubs them when a message names them", async () => {
      const pending: Promise<unknown>[] = [];
      const sentry = createSentry({
        dsn,
        release: "test",
        environment: "test",
        waitUntil: (promise) => pending.push(promise),
      });
      expect(sentry).not.toBeNull();
      for (const error of await collectErrors()) sentry?.captureException(error);
      // A careless message elsewhere that quotes them with their names is scrubbed by beforeSend.
      sentry?.captureException(
        new Error(
          `request failed: X-MBX-APIKEY: ${apiKey} BINANCE_API_SECRET="${secretKey}" apiKey=${apiKey}`,
        ),
      );
      await Promise.allSettled(pending);
      const deadline = Date.now() + 10_000;
      while (envelopes.length < 6 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(envelopes).toHaveLength(6);
      const all = envelopes.join("\n");
      expect(all).toContain("Signature for this request is not valid.");
      expect(all).toContain("[redacted]");
      assertNoCredentials(all);
    });
  });

  it("are validated as configuration without echoing them", () => {
    const config = parseConfig({
      ...BASE_CONFIG,
      BINANCE_API_KEY: apiKey,
      BINANCE_API_SECRET: secretKey,
      BINANCE_BASE_URL: "https://testnet.binance.vision",
    });
    expect(config.BINANCE_BASE_URL).toBe("https://testnet.binance.vision");
    expect(parseConfig(BASE_CONFIG).BINANCE_API_KEY).toBeUndefined();
    expect(parseConfig({ ...BASE_CONFIG, BINANCE_BASE_URL: "http://127.0.0.1:8790" }).BINANCE_BASE_URL).toBe(
      "http://127.0.0.1:8790",
    );

    const badKey = `${secretKey.slice(0, 20)}!${secretKey.slice(21)}`;
    const refused = (() => {
      try {
        parseConfig({
          ...BASE_CONFIG,
          BINANCE_API_KEY: "short",
          BINANCE_API_SECRET: badKey,
          BINANCE_BASE_URL: "http://api.binance.com",
        });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(ConfigError);
    const problems = (refused as ConfigError).problems;
    expect(problems.map((problem) => problem.split(":")[0])).toEqual([
      "BINANCE_API_KEY",
      "BINANCE_API_SECRET",
      "BINANCE_BASE_URL",
    ]);
    expect(problems.join("\n")).not.toContain(badKey);
    for (const url of [
      "https://api.binance.com/api",
      "https://api.binance.com?x=1",
      "https://user:pw@api.binance.com",
    ]) {
      expect(() => parseConfig({ ...BASE_CONFIG, BINANCE_BASE_URL: url })).toThrow(ConfigError);
    }
  });
});
