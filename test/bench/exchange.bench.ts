// Benchmark: the Binance adapter's request signing, and place + cancel round trips against the
// local Binance stand-in over loopback. Run: `npm run bench:exchange`. Bounded in count and in
// wall time (about 40 s at most); nothing leaves 127.0.0.1.

import { createHmac } from "node:crypto";
import { BinanceSpot } from "../../worker/services/exchange/index.ts";
import { createHmacSigner, type RequestParams, signParams } from "../../worker/services/exchange/signing.ts";
import { startBinanceStandin } from "../support/binance-standin/server.ts";

const SIGNATURES = 20_000;
const WARM_UP = 1_000;
const ROUND_TRIPS = 500;
const BUDGET_MS = 30_000;
const BTC_THOUSANDTH = 100_000n; // 0.001 BTC in satoshi

interface Latency {
  n: number;
  p50: number;
  p99: number;
  mean: number;
}

function summarize(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const mean = sorted.reduce((sum, x) => sum + x, 0) / Math.max(1, sorted.length);
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), mean };
}

/** A typical order's parameters, as the adapter signs them. */
function orderParams(index: number): RequestParams {
  return [
    ["symbol", "BTCUSDT"],
    ["side", "BUY"],
    ["type", "LIMIT"],
    ["timeInForce", "GTC"],
    ["quantity", "0.001"],
    ["price", "52345.67"],
    ["newClientOrderId", `chx${index.toString(16).padStart(32, "0")}`],
    ["newOrderRespType", "FULL"],
    ["recvWindow", "5000"],
    ["timestamp", String(1_700_000_000_000 + index)],
  ];
}

async function signingCost() {
  const secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
  const signer = createHmacSigner(secret);
  const params = Array.from({ length: SIGNATURES }, (_, index) => orderParams(index));
  const payload =
    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=52345.67&recvWindow=5000";
  for (let index = 0; index < WARM_UP; index++) await signParams(signer, params[index] ?? []);

  let started = performance.now();
  for (let index = 0; index < SIGNATURES; index++) await signer.sign(`${payload}&timestamp=${index}`);
  const hmacOnly = ((performance.now() - started) * 1000) / SIGNATURES;

  started = performance.now();
  for (const entry of params) await signParams(signer, entry);
  const encodeAndSign = ((performance.now() - started) * 1000) / SIGNATURES;

  // For scale: Node's synchronous HMAC (not available in a Worker) on the same payloads.
  started = performance.now();
  for (let index = 0; index < SIGNATURES; index++) {
    createHmac("sha256", secret).update(`${payload}&timestamp=${index}`).digest("hex");
  }
  const nodeHmac = ((performance.now() - started) * 1000) / SIGNATURES;
  return { hmacOnly, encodeAndSign, nodeHmac };
}

async function roundTrips() {
  const standin = await startBinanceStandin({ port: 0, ordersPer10s: 1_000_000 });
  try {
    const credentials = standin.addAccount();
    const adapter = new BinanceSpot({
      apiKey: credentials.apiKey,
      apiSecret: credentials.secretKey,
      baseUrl: standin.url,
      weightCeilingPerMinute: 6_000,
    });
    const spec = standin.exchange.symbols.get("BTCUSDT");
    if (!spec) throw new Error("BTCUSDT missing from the stand-in");
    // Half the market: accepted (inside the 0.2x band), never filled.
    const priceMinor = (standin.exchange.lastPrice(spec, standin.now()) / 100n / 2n / 10_000n) * 10_000n;
    await adapter.exchangeInfo();
    await adapter.serverTime();

    const place = (orderId: string) =>
      adapter.placeOrder({
        orderId,
        symbol: "BTC-USDT",
        side: "buy",
        type: "limit",
        quantityMinor: BTC_THOUSANDTH,
        priceMinor,
      });
    for (let index = 0; index < 20; index++) {
      const orderId = crypto.randomUUID();
      await place(orderId);
      await adapter.cancelOrder("BTC-USDT", orderId);
    }

    const trips: number[] = [];
    const places: number[] = [];
    const cancels: number[] = [];
    const started = performance.now();
    for (let index = 0; index < ROUND_TRIPS && performance.now() - started < BUDGET_MS; index++) {
      const orderId = crypto.randomUUID();
      const tripStart = performance.now();
      const placed = await place(orderId);
      const placedAt = performance.now();
      const canceled = await adapter.cancelOrder("BTC-USDT", orderId);
      const done = performance.now();
      if (placed.order.status !== "NEW" || canceled.status !== "CANCELED") {
        throw new Error(`unexpected statuses ${placed.order.status} / ${canceled.status}`);
      }
      places.push(placedAt - tripStart);
      cancels.push(done - placedAt);
      trips.push(done - tripStart);
    }
    const seconds = (performance.now() - started) / 1000;
    const open = await adapter.openOrders("BTC-USDT");
    if (open.length !== 0) throw new Error(`${open.length} orders left open`);
    return {
      trip: summarize(trips),
      place: summarize(places),
      cancel: summarize(cancels),
      tripsPerSecond: trips.length / seconds,
      usedWeight: adapter.usedWeight(),
    };
  } finally {
    await standin.close();
  }
}

const fmt = (value: number, digits = 2) => value.toFixed(digits);

const signing = await signingCost();
console.log("Signing (WebCrypto HMAC-SHA256, as in the Worker), per request:");
console.log(`  HMAC of a ~110-byte order payload   ${fmt(signing.hmacOnly)} µs`);
console.log(`  encode params + HMAC (signParams)   ${fmt(signing.encodeAndSign)} µs`);
console.log(`  (node:crypto createHmac, for scale  ${fmt(signing.nodeHmac)} µs)`);
console.log(`  n = ${SIGNATURES} each, after ${WARM_UP} warm-up`);

const trips = await roundTrips();
console.log(
  "\nPlace + cancel round trips against the stand-in (loopback, sequential, LIMIT far from market):",
);
console.log(`  round trips/s          ${fmt(trips.tripsPerSecond, 1)}`);
console.log(
  `  place + cancel (ms)    p50 ${fmt(trips.trip.p50)}  p99 ${fmt(trips.trip.p99)}  mean ${fmt(trips.trip.mean)}  n=${trips.trip.n}`,
);
console.log(`  place (ms)             p50 ${fmt(trips.place.p50)}  p99 ${fmt(trips.place.p99)}`);
console.log(`  cancel (ms)            p50 ${fmt(trips.cancel.p50)}  p99 ${fmt(trips.cancel.p99)}`);
console.log(`  request weight used this minute: ${trips.usedWeight} (ceiling 6000)`);
