import type { BotRow } from "../../../db/schema/bots.ts";
import { ApiError } from "../../errors.ts";
import { invariant } from "../flows/flow.ts";
import { MARKETS, type MarketSymbol } from "../markets/symbols.ts";
import type { Planner, PlanOutput } from "./desk.ts";
import {
  createDcaState,
  createGridState,
  type DcaParams,
  decodeDcaState,
  decodeGridState,
  encodeDcaState,
  encodeGridState,
  type GridParams,
  type Observation,
  type PlanResult,
  parseDcaParams,
  parseGridParams,
  planDca,
  planGrid,
  requiredBudget,
} from "./strategy/index.ts";

/**
 * The bridge between a bot's records and its strategy (strategy/): params are validated once
 * at creation (as decimal strings, stored as given) and parsed again exactly on every tick;
 * the strategy's state is stored as JSON through its own codec.
 */

export function validateParams(
  type: BotRow["type"],
  symbol: MarketSymbol,
  raw: Record<string, unknown>,
  lastPriceMinor: bigint,
): { params: Record<string, unknown>; requiredBudgetMinor: bigint } {
  if (type === "dca") {
    const parsed = parseDcaParams(symbol, raw);
    if (!parsed.ok) throw invalidParams(parsed.fieldErrors);
    return { params: raw, requiredBudgetMinor: requiredBudget(symbol, "dca", parsed.params) };
  }
  const parsed = parseGridParams(symbol, raw);
  if (!parsed.ok) throw invalidParams(parsed.fieldErrors);
  return {
    params: raw,
    requiredBudgetMinor: requiredBudget(symbol, "grid", parsed.params, { lastPriceMinor }),
  };
}

function invalidParams(fieldErrors: Record<string, string>): ApiError {
  const fields = Object.fromEntries(
    Object.entries(fieldErrors).map(([name, message]) => [`params.${name}`, message]),
  );
  return new ApiError(400, "invalid_request", "Some bot parameters are missing or invalid.", { fields });
}

/**
 * Parsed params per bot, so a tick does not parse them again (a Bot object calls this every
 * second). Keyed by the stored text: params never change after creation. Bounded.
 */
const PARSED_CACHE_LIMIT = 1_000;
const parsedCache = new Map<string, ReturnType<typeof parseDcaParams> | ReturnType<typeof parseGridParams>>();

function parsedParams(bot: BotRow) {
  const key = `${bot.id}\n${bot.params}`;
  let parsed = parsedCache.get(key);
  if (!parsed) {
    const raw = JSON.parse(bot.params) as Record<string, unknown>;
    parsed =
      bot.type === "dca"
        ? parseDcaParams(bot.symbol as MarketSymbol, raw)
        : parseGridParams(bot.symbol as MarketSymbol, raw);
    if (parsedCache.size >= PARSED_CACHE_LIMIT) parsedCache.delete(parsedCache.keys().next().value as string);
    parsedCache.set(key, parsed);
  }
  return parsed;
}

export function plannerFor(bot: BotRow): Planner {
  const symbol = bot.symbol as MarketSymbol;
  const market = MARKETS[symbol];
  invariant(market, `bot ${bot.id}: unknown symbol ${bot.symbol}`);
  return {
    plan(input) {
      const observation: Observation = {
        nowMs: input.nowMs,
        market: {
          lastPriceMinor: input.market.lastPriceMinor,
          stale: input.market.stale,
          filters: market.filters,
        },
        orders: input.orders.map((order) => ({
          key: order.key,
          side: order.side,
          type: order.type,
          status: order.status,
          priceMinor: order.priceMinor,
          quantityMinor: order.quantityMinor,
          filledQuantityMinor: order.filledQuantityMinor,
          filledQuoteMinor: order.filledQuoteMinor,
          feeMinor: order.feeMinor,
        })),
        budget: {
          allocatedMinor: bot.budget,
          availableQuoteMinor: input.balances.quoteMinor,
          availableBaseMinor: input.balances.baseMinor,
        },
      };
      const fresh =
        input.state === null || typeof input.state !== "object" || Object.keys(input.state).length === 0;
      const parsed = parsedParams(bot);
      invariant(parsed.ok, `bot ${bot.id}: stored params no longer parse`);
      if (bot.type === "dca") {
        const state = fresh ? createDcaState(parsed.params as DcaParams) : decodeDcaState(input.state);
        return output(planDca(state, observation), encodeDcaState);
      }
      const state = fresh ? createGridState(parsed.params as GridParams) : decodeGridState(input.state);
      return output(planGrid(state, observation), encodeGridState);
    },
  };
}

function output<State>(result: PlanResult<State>, encode: (state: State) => unknown): PlanOutput {
  return {
    state: encode(result.state),
    actions: result.actions.map((action) =>
      action.kind === "cancel"
        ? { kind: "cancel", key: action.key }
        : {
            kind: "place",
            key: action.key,
            side: action.side,
            type: action.type,
            quantityMinor: action.quantityMinor,
            quoteAmountMinor: action.quoteAmountMinor,
            priceMinor: action.priceMinor,
          },
    ),
    events: result.events.map((event) => ({
      kind: event.kind,
      message: event.message,
      detail: event.detail,
    })),
    stop: result.stop ? { reason: result.stop.reason } : undefined,
  };
}
