/**
 * The bot strategies: pure planners the Bot Durable Object calls on every tick (types.ts tells
 * the contract), their parameters (params.ts) and the ladder arithmetic the wizard previews
 * (ladder.ts).
 */
export {
  createDcaState,
  DCA_RETRY_AFTER_FAILURE_MS,
  type DcaState,
  type DcaStateJson,
  dcaStateSchema,
  decodeDcaState,
  encodeDcaState,
  planDca,
} from "./dca.ts";
export {
  BOT_DEFAULT_FEE_RATES,
  type MarketContext,
  type MarketFilters,
  marketContext,
  type Percent,
  StrategyInvariantError,
} from "./exact.ts";
export {
  createGridState,
  decodeGridState,
  encodeGridState,
  GRID_RETRY_AFTER_FAILURE_MS,
  type GridState,
  type GridStateJson,
  gridStateSchema,
  planGrid,
} from "./grid.ts";
export {
  dcaLadder,
  GRID_SPACINGS,
  type GridSpacing,
  gridInitialSides,
  gridLevelPrices,
  gridQuantityPerOrderMinor,
  type LadderStep,
} from "./ladder.ts";
export {
  cancelAllActions,
  MAX_ACTIONS_PER_PLAN,
  PENDING_PLACEMENT_TIMEOUT_MS,
  watchedKeys,
} from "./orders.ts";
export {
  type DcaParams,
  dcaDealBudgetMinor,
  dcaParamsInputSchema,
  dcaParamsSchema,
  type GridParams,
  gridLevelsOf,
  gridParamsInputSchema,
  gridParamsSchema,
  MAX_GRID_LEVELS,
  MAX_SAFETY_ORDERS,
  type ParamsResult,
  parseDcaParams,
  parseGridParams,
  requiredBudget,
} from "./params.ts";
export {
  BOT_EVENT_KINDS,
  type BotAction,
  type BotEvent,
  type BotEventKind,
  type CancelAction,
  type Observation,
  type ObservedOrder,
  type PlaceAction,
  type PlanResult,
  type StopSignal,
} from "./types.ts";
