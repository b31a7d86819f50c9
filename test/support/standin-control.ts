import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type BinanceStandin, type Fault, startBinanceStandin } from "./binance-standin/server.ts";

/**
 * The Binance stand-in for tests that run inside workerd (where the stand-in's in-process
 * handle cannot reach), started by the worker project's globalSetup: the stand-in itself on a
 * free loopback port with one funded account (the platform's exchange account in every worker
 * test), and a small control server beside it through which a test injects faults, moves the
 * stand-in's clock, locks funds and reads balances and orders — what a test would otherwise do
 * with the stand-in's handle.
 *
 *   GET  /now                      {nowMs}
 *   POST /advance    {ms}          moves the stand-in's clock and market forward
 *   POST /fault      Fault         a one-off fault for the next matching request (server.ts)
 *   POST /lock       {asset, amount}   moves free to locked (as resting orders outside the
 *   POST /unlock     {asset, amount}   platform would): the account's total is unchanged
 *   GET  /balances                 {asset: {free, locked}}
 *   GET  /orders                   the account's orders, oldest first, as decimal text
 *   GET  /requests                 {"METHOD path": count}
 */

/**
 * The float of the test exchange account: more of every asset than all worker tests together
 * deposit into LIVE books (reconciliation checks the account holds what the ledger owes), but
 * below the exchange's 9,000,000 maximum order value, so an order can still exceed what it holds.
 */
export const TEST_EXCHANGE_FUNDING: Readonly<Record<string, string>> = {
  USDT: "5000000",
  BTC: "1000",
  ETH: "10000",
  SOL: "100000",
  BNB: "1000",
};

export interface TestExchange {
  url: string;
  apiKey: string;
  secretKey: string;
  controlUrl: string;
  standin: BinanceStandin;
  close(): Promise<void>;
}

export async function startTestExchange(
  options: { funding?: Record<string, string> } = {},
): Promise<TestExchange> {
  const standin = await startBinanceStandin({ port: 0 });
  const { apiKey, secretKey } = standin.addAccount({
    balances: { ...(options.funding ?? TEST_EXCHANGE_FUNDING) },
  });
  const control = createServer((request, response) => {
    void handle(standin, apiKey, request, response).catch((error: unknown) => {
      respond(response, 500, { error: String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    control.once("error", reject);
    control.listen(0, "127.0.0.1", () => resolve());
  });
  const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
  return {
    url: standin.url,
    apiKey,
    secretKey,
    controlUrl,
    standin,
    close: async () => {
      await closeServer(control);
      await standin.close();
    },
  };
}

async function handle(
  standin: BinanceStandin,
  apiKey: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const route = `${request.method ?? "GET"} ${(request.url ?? "/").split("?")[0]}`;
  const body = request.method === "POST" ? await readJson(request) : {};
  const account = standin.exchange.accounts.get(apiKey);
  if (!account) return respond(response, 500, { error: "the test account is gone" });
  switch (route) {
    case "GET /now":
      return respond(response, 200, { nowMs: standin.now() });
    case "POST /advance": {
      const ms = Number(body.ms);
      if (!Number.isInteger(ms) || ms < 0 || ms > 86_400_000) return respond(response, 400, { error: "ms" });
      standin.advanceClock(ms);
      return respond(response, 200, { nowMs: standin.now() });
    }
    case "POST /fault":
      standin.injectFault(body as unknown as Fault);
      return respond(response, 200, {});
    case "POST /lock":
    case "POST /unlock": {
      const asset = String(body.asset);
      const amount = toE8(String(body.amount));
      const balance = account.balances.get(asset);
      const from = route === "POST /lock" ? "free" : "locked";
      const to = route === "POST /lock" ? "locked" : "free";
      if (!balance || amount <= 0n || balance[from] < amount)
        return respond(response, 400, { error: "amount" });
      balance[from] -= amount;
      balance[to] += amount;
      return respond(response, 200, standin.balances(apiKey));
    }
    case "GET /balances":
      return respond(response, 200, standin.balances(apiKey));
    case "GET /orders":
      return respond(
        response,
        200,
        standin.orders(apiKey).map((order) => ({
          symbol: order.symbol.name,
          orderId: order.orderId,
          clientOrderId: order.clientOrderId,
          side: order.side,
          type: order.type,
          timeInForce: order.timeInForce,
          status: order.status,
          price: e8Text(order.price),
          origQty: e8Text(order.origQty),
          executedQty: e8Text(order.executedQty),
          cummulativeQuoteQty: e8Text(order.cummulativeQuoteQty),
        })),
      );
    case "GET /requests":
      return respond(response, 200, Object.fromEntries(standin.requestCounts));
    default:
      return respond(response, 404, { error: `no ${route}` });
  }
}

function toE8(text: string): bigint {
  if (!/^\d+(\.\d{1,8})?$/.test(text)) throw new RangeError(`not a decimal: ${text}`);
  const [whole = "0", fraction = ""] = text.split(".");
  return BigInt(whole) * 100_000_000n + BigInt(fraction.padEnd(8, "0"));
}

function e8Text(value: bigint): string {
  return `${value / 100_000_000n}.${(value % 100_000_000n).toString().padStart(8, "0")}`;
}

function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let text = "";
    request.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    request.on("end", () => {
      try {
        resolve(text ? (JSON.parse(text) as Record<string, unknown>) : {});
      } catch (error) {
        reject(error);
      }
    });
    request.on("error", reject);
  });
}

function respond(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "Content-Type": "application/json" });
  response.end(JSON.stringify(body));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
