import type { useLoaderData } from "@remix-run/react";
import type { loader, TradeActionResult } from "../../routes/trade.server.ts";

/** The Trade page's data as its components receive it (the loader's, after serialisation). */
export type TradePageData = ReturnType<typeof useLoaderData<typeof loader>>;
export type MarketData = NonNullable<TradePageData["data"]>;
export type MarketInfo = TradePageData["market"];
export type Account = NonNullable<TradePageData["account"]>;

/** What the page's action answers to a place or cancel post. */
export type TradeActionData = TradeActionResult;
