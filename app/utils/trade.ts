/** What the Trade page shows of the market, shared by its loader and its polling. */
export const BOOK_DEPTH = 12;
export const RECENT_TRADES = 20;
export const INITIAL_CANDLES = 150;
