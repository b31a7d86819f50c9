import { randomBytes } from "node:crypto";
import {
  type BinanceApiError,
  badRequest,
  type NewOrder,
  type OrderKind,
  type Side,
  type StandinExchange,
  type SymbolSpec,
  type TimeInForce,
  toE8,
} from "./exchange.ts";

/**
 * Request parameters as Binance reads them: `name=value` pairs from the query string and the
 * form body (a name twice in one of them is -1101; in both, the query wins), then typed one by
 * one with Binance's codes for each way a value can be wrong (-1100 illegal characters, -1102
 * missing, -1106 not required, -1111 too much precision, -1121 invalid symbol, …).
 */

export type Params = Map<string, string>;

export const CLIENT_ORDER_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const DECIMAL = /^([0-9]{1,20})(\.[0-9]{1,20})?$/;
export const LONG = /^[0-9]{1,20}$/;

function splitPairs(raw: string): [string, string][] {
  if (raw.length === 0) return [];
  return raw
    .split("&")
    .filter((pair) => pair.length > 0)
    .map((pair) => {
      const at = pair.indexOf("=");
      const name = at === -1 ? pair : pair.slice(0, at);
      const value = at === -1 ? "" : pair.slice(at + 1);
      try {
        return [
          decodeURIComponent(name.replaceAll("+", " ")),
          decodeURIComponent(value.replaceAll("+", " ")),
        ];
      } catch {
        throw badRequest(-1100, "Illegal characters found in a parameter.");
      }
    });
}

/** Query string and form body; a name twice in one of them is refused, the query wins over the body. */
export function parseParams(rawQuery: string, rawBody: string): Params {
  const params: Params = new Map();
  const bodyParams = new Map<string, string>();
  for (const [source, target] of [
    [rawQuery, params],
    [rawBody, bodyParams],
  ] as const) {
    for (const [name, value] of splitPairs(source)) {
      if (target.has(name)) throw badRequest(-1101, "Duplicate values for a parameter detected.");
      target.set(name, value);
    }
  }
  for (const [name, value] of bodyParams) if (!params.has(name)) params.set(name, value);
  return params;
}

export function mandatoryError(name: string): BinanceApiError {
  return badRequest(-1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
}

export function mandatory(params: Params, name: string): string {
  const value = params.get(name);
  if (value === undefined || value === "") throw mandatoryError(name);
  return value;
}

export function illegal(name: string, range: string): BinanceApiError {
  return badRequest(-1100, `Illegal characters found in parameter '${name}'; legal range is '${range}'.`);
}

export function decimalParam(params: Params, name: string): bigint | undefined {
  const value = params.get(name);
  if (value === undefined || value === "") return undefined;
  if (!DECIMAL.test(value)) throw illegal(name, "^([0-9]{1,20})(\\.[0-9]{1,20})?$");
  const fraction = value.split(".")[1] ?? "";
  if (fraction.length > 8 && !/^0*$/.test(fraction.slice(8))) {
    throw badRequest(-1111, `Parameter '${name}' has too much precision.`);
  }
  return toE8(value);
}

export function longParam(params: Params, name: string): number | undefined {
  const value = params.get(name);
  if (value === undefined || value === "") return undefined;
  if (!LONG.test(value)) throw illegal(name, "^[0-9]{1,20}$");
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw badRequest(-1108, `Parameter '${name}' overflowed.`);
  return number;
}

export function limitParam(params: Params, fallback: number, max: number): number {
  const limit = longParam(params, "limit") ?? fallback;
  if (limit < 1 || limit > max) throw badRequest(-1130, "Data sent for parameter 'limit' is not valid.");
  return limit;
}

export function symbolParam(exchange: StandinExchange, params: Params): SymbolSpec {
  const name = mandatory(params, "symbol");
  const symbol = exchange.symbols.get(name);
  if (!symbol) throw badRequest(-1121, "Invalid symbol.");
  return symbol;
}

/** `symbols` as a JSON list of names (["BTCUSDT","ETHUSDT"]), or undefined when absent. */
export function symbolsParam(exchange: StandinExchange, params: Params): SymbolSpec[] | undefined {
  const raw = params.get("symbols");
  if (raw === undefined) return undefined;
  if (params.has("symbol")) throw badRequest(-1128, "Combination of optional parameters invalid.");
  let names: unknown;
  try {
    names = JSON.parse(raw);
  } catch {
    names = null;
  }
  if (!Array.isArray(names) || names.some((name) => typeof name !== "string")) {
    throw illegal("symbols", '^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$');
  }
  if (new Set(names).size !== names.length)
    throw badRequest(-1151, "Symbol is present multiple times in the list.");
  return names.map((name: string) => {
    const symbol = exchange.symbols.get(name);
    if (!symbol) throw badRequest(-1121, "Invalid symbol.");
    return symbol;
  });
}

export function selectedSymbols(
  exchange: StandinExchange,
  params: Params,
): { list: SymbolSpec[]; single: boolean } {
  if (params.has("symbol")) return { list: [symbolParam(exchange, params)], single: true };
  return { list: symbolsParam(exchange, params) ?? [...exchange.symbols.values()], single: false };
}

const ORDER_TYPE_NAMES: Record<string, string> = {
  STOP_LOSS: "Stop loss",
  STOP_LOSS_LIMIT: "Stop loss limit",
  TAKE_PROFIT: "Take profit",
  TAKE_PROFIT_LIMIT: "Take profit limit",
};

export function parseNewOrder(exchange: StandinExchange, params: Params): NewOrder & { respType: string } {
  const symbol = symbolParam(exchange, params);
  const sideText = mandatory(params, "side");
  if (sideText !== "BUY" && sideText !== "SELL") throw badRequest(-1117, "Invalid side.");
  const typeText = mandatory(params, "type");
  if (ORDER_TYPE_NAMES[typeText]) {
    throw badRequest(-2010, `${ORDER_TYPE_NAMES[typeText]} orders are not supported for this symbol.`);
  }
  if (typeText !== "LIMIT" && typeText !== "MARKET" && typeText !== "LIMIT_MAKER") {
    throw badRequest(-1116, "Invalid orderType.");
  }
  const type = typeText as OrderKind;
  for (const name of [
    "stopPrice",
    "trailingDelta",
    "icebergQty",
    "pegPriceType",
    "pegOffsetValue",
    "pegOffsetType",
  ]) {
    if (params.has(name)) throw badRequest(-1106, `Parameter '${name}' sent when not required.`);
  }
  const timeInForceText = params.get("timeInForce");
  let timeInForce: TimeInForce | undefined;
  if (type === "LIMIT") {
    const value = mandatory(params, "timeInForce");
    if (value !== "GTC" && value !== "IOC" && value !== "FOK")
      throw badRequest(-1115, "Invalid timeInForce.");
    timeInForce = value;
  } else if (timeInForceText !== undefined) {
    throw badRequest(-1106, "Parameter 'timeInForce' sent when not required.");
  }
  const quantity = decimalParam(params, "quantity");
  const quoteOrderQty = decimalParam(params, "quoteOrderQty");
  const price = decimalParam(params, "price");
  if (type === "MARKET") {
    if (quantity === undefined && quoteOrderQty === undefined) {
      throw badRequest(-1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!");
    }
    if (quantity !== undefined && quoteOrderQty !== undefined) {
      throw badRequest(-1106, "Parameter 'quoteOrderQty' sent when not required.");
    }
    if (price !== undefined) throw badRequest(-1106, "Parameter 'price' sent when not required.");
  } else {
    if (quantity === undefined) throw mandatoryError("quantity");
    if (price === undefined) throw mandatoryError("price");
    if (quoteOrderQty !== undefined)
      throw badRequest(-1106, "Parameter 'quoteOrderQty' sent when not required.");
  }
  const clientOrderId = params.get("newClientOrderId") ?? randomAlphanumeric(22);
  if (!CLIENT_ORDER_ID.test(clientOrderId)) throw illegal("newClientOrderId", "^[\\.A-Z\\:/a-z0-9_-]{1,36}$");
  const respType = params.get("newOrderRespType") ?? (type === "LIMIT_MAKER" ? "ACK" : "FULL");
  if (respType !== "ACK" && respType !== "RESULT" && respType !== "FULL") {
    throw badRequest(-1130, "Data sent for parameter 'newOrderRespType' is not valid.");
  }
  const stp = params.get("selfTradePreventionMode");
  if (stp !== undefined && !["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"].includes(stp)) {
    throw badRequest(-1130, "Data sent for parameter 'selfTradePreventionMode' is not valid.");
  }
  return {
    symbol,
    side: sideText as Side,
    type,
    timeInForce,
    quantity,
    quoteOrderQty,
    price,
    clientOrderId,
    respType,
  };
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Uniform over 62 characters (rejection sampling: no modulo bias). */
export function randomAlphanumeric(length: number): string {
  let text = "";
  while (text.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && text.length < length) text += ALPHANUMERIC[byte % 62];
    }
  }
  return text;
}
