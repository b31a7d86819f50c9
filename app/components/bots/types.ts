import type { BotView } from "../../../worker/services/bots/model.ts";
import type { BotPnl } from "../../../worker/services/bots/pnl.ts";

/** A bot as the Bots pages receive it: the API's view with its PnL (GET /bots, GET /bots/:id). */
export type BotWithPnl = BotView & { pnl: BotPnl };
