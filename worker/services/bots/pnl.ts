import { and, eq } from "drizzle-orm";
import type { Database } from "../../../db/client.ts";
import type { BotRow } from "../../../db/schema/bots.ts";
import { orders, trades } from "../../../db/schema/orders.ts";
import { formatAmount } from "../ledger/amount.ts";
import { ASSETS, type AssetCode } from "../ledger/assets.ts";
import { MARKETS, type MarketSymbol } from "../markets/symbols.ts";

/**
 * A bot's profit and loss, from its own fills (the trades of its orders, each settled by one
 * ledger entry into the bot's allocation), by the average-cost method:
 *   position     bought − sold (base)
 *   cost         what the position cost at the average entry (quote)
 *   realised     Σ sells at their price − the average cost of what was sold − every fee
 *   unrealised   position valued at the last price − its cost
 * Exact: quote minor units; the average cost carries the remainder so rounding happens once.
 */
export interface BotPnl {
  position: string;
  positionAsset: AssetCode;
  averageEntry: string | null;
  realised: string;
  unrealised: string;
  fees: string;
  budgetUsed: string;
  quoteAsset: AssetCode;
  fills: number;
}

const MAX_FILLS = 5_000;

export async function botPnl(db: Database, bot: BotRow, lastPriceMinor: bigint): Promise<BotPnl> {
  const market = MARKETS[bot.symbol as MarketSymbol];
  const unit = 10n ** BigInt(ASSETS[market.base].scale);
  const rows = await db
    .select({
      side: trades.side,
      quantity: trades.quantity,
      quote: trades.quote,
      fee: trades.fee,
      createdAtMs: trades.createdAtMs,
      id: trades.id,
    })
    .from(trades)
    .innerJoin(orders, eq(orders.id, trades.orderId))
    .where(and(eq(orders.userId, bot.userId), eq(orders.botId, bot.id)))
    .orderBy(trades.createdAtMs, trades.id)
    .limit(MAX_FILLS);
  let position = 0n;
  let cost = 0n; // quote minor units of the position at average entry
  let realised = 0n;
  let fees = 0n;
  let spent = 0n;
  for (const row of rows) {
    fees += row.fee;
    if (row.side === "buy") {
      position += row.quantity;
      cost += row.quote;
      spent += row.quote + row.fee;
    } else {
      // The sold part's share of the cost, exactly (floor; the rest stays with what is held).
      const soldCost = position === 0n ? 0n : (cost * row.quantity) / position;
      position -= row.quantity;
      cost -= soldCost;
      realised += row.quote - soldCost;
    }
  }
  realised -= fees;
  const value = (position * lastPriceMinor) / unit;
  const averageEntry = position > 0n ? (cost * unit) / position : null;
  return {
    position: formatAmount(market.base, position),
    positionAsset: market.base,
    averageEntry: averageEntry === null ? null : formatAmount(market.quote, averageEntry),
    realised: formatAmount(market.quote, realised),
    unrealised: formatAmount(market.quote, value - cost),
    fees: formatAmount(market.quote, fees),
    budgetUsed: formatAmount(market.quote, spent),
    quoteAsset: market.quote,
    fills: rows.length,
  };
}
