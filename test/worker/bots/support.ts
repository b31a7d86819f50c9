/** A paper DCA bot on BTC-GBP as API.md describes one; tests override what they exercise. */
export const DCA = {
  baseOrder: "100.00",
  safetyOrder: "50.00",
  safetyOrders: 2,
  priceDeviationPercent: "1.5",
  volumeScale: "1.5",
  takeProfitPercent: "2",
};

export function dcaBot(overrides: Record<string, unknown> = {}) {
  return {
    type: "dca",
    symbol: "BTC-GBP",
    mode: "paper",
    budget: "300.00",
    budgetAsset: "GBP",
    params: DCA,
    ...overrides,
  };
}
