// CLI entry: `npm run standin:binance` (or `npx tsx test/support/binance-standin/main.ts`) starts the
// local Binance stand-in on 127.0.0.1:8790 with the account from .dev.vars (or the environment).
import { existsSync, readFileSync } from "node:fs";
import { parseDevVars } from "../../../scripts/dev-vars.ts";
import { DEFAULT_STANDIN_PORT, startBinanceStandin, TESTNET_FUNDING } from "./server.ts";

function log(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
}

async function main(): Promise<void> {
  const fromFile = existsSync(".dev.vars") ? parseDevVars(readFileSync(".dev.vars", "utf8")) : {};
  const apiKey = process.env.BINANCE_API_KEY || fromFile.BINANCE_API_KEY;
  const secretKey = process.env.BINANCE_API_SECRET || fromFile.BINANCE_API_SECRET;
  const portText = process.env.BINANCE_STANDIN_PORT || String(DEFAULT_STANDIN_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`BINANCE_STANDIN_PORT must be a port number, got ${JSON.stringify(portText)}`);
  }
  const standin = await startBinanceStandin({
    port,
    accounts: apiKey && secretKey ? [{ apiKey, secretKey, balances: { ...TESTNET_FUNDING } }] : [],
  });
  // The key names which account was funded; the secret is never printed.
  log({
    level: "info",
    msg: "binance stand-in listening",
    url: standin.url,
    funded: apiKey && secretKey ? TESTNET_FUNDING : "no account (set BINANCE_API_KEY and BINANCE_API_SECRET)",
  });
  const stop = () => void standin.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  log({ level: "error", msg: "binance stand-in failed to start", error: String(error) });
  process.exit(1);
});
