/**
 * The one asset registry: validation, formatting and storage all read it, so an asset's scale
 * cannot differ between the wire, the code and the database.
 *
 * Amounts are stored as INTEGER minor units. SQLite INTEGER is signed 64-bit: at most
 * 9,223,372,036,854,775,807 (about 9.22e18). The scale of each asset is chosen so that any
 * realistic balance fits with several orders of magnitude to spare:
 *
 * - GBP: 2 decimals (pence), as banks settle it.
 * - USDT: 6 decimals, the token's own precision on Ethereum and Tron.
 * - BTC: 8 decimals (satoshi), the protocol's own unit.
 * - ETH: 8 decimals, not the protocol's 18. At 18 decimals one ETH is 1e18 minor units and
 *   9.23 ETH already overflows a signed 64-bit integer. 8 decimals is also the precision
 *   Binance books and withdraws ETH at, so nothing a user can trade is lost.
 * - SOL: 8 decimals (the protocol has 9); same reasoning, same precision as the exchange.
 *
 * Two bounds keep every sum inside 64 bits, so SQLite never silently switches to a float
 * (it does that on integer overflow in `+`):
 *
 * - `maxAmountMinor`: the largest single movement (one posting) of the asset, at most 1e17.
 * - `MAX_BALANCE_MINOR` (4e18): the largest magnitude any account may hold, enforced by a CHECK
 *   on the balances table. The largest balance plus the largest posting is 4.1e18, well under
 *   9.22e18, so `balance + amount` is always exact and the CHECK sees the true value.
 */

export const ASSET_CODES = ["GBP", "USDT", "BTC", "ETH", "SOL"] as const;
export type AssetCode = (typeof ASSET_CODES)[number];

interface AssetDefinition {
  code: AssetCode;
  name: string;
  /** Decimal places of the minor unit: an amount of 1 minor unit is 10^-scale of the asset. */
  scale: number;
  /** Largest single movement (and therefore largest amount a request may carry), in minor units. */
  maxAmountMinor: bigint;
}

/** Signed 64-bit INTEGER limit of SQLite; nothing we store may reach it. */
export const SQLITE_INTEGER_MAX = 9_223_372_036_854_775_807n;

/** Largest magnitude of any account balance, in minor units (CHECK on ledger_balances). */
export const MAX_BALANCE_MINOR = 4_000_000_000_000_000_000n;

/** Largest `maxAmountMinor` any asset may declare; see the module comment for the arithmetic. */
export const MAX_ASSET_AMOUNT_MINOR = 100_000_000_000_000_000n;

export const ASSETS: Readonly<Record<AssetCode, AssetDefinition>> = {
  // 1,000,000,000.00 GBP
  GBP: { code: "GBP", name: "Pound sterling", scale: 2, maxAmountMinor: 100_000_000_000n },
  // 1,000,000,000.000000 USDT
  USDT: { code: "USDT", name: "Tether USD", scale: 6, maxAmountMinor: 1_000_000_000_000_000n },
  // 21,000,000.00000000 BTC: the whole supply in one movement
  BTC: { code: "BTC", name: "Bitcoin", scale: 8, maxAmountMinor: 2_100_000_000_000_000n },
  // 200,000,000.00000000 ETH: above the whole supply (~120 million)
  ETH: { code: "ETH", name: "Ether", scale: 8, maxAmountMinor: 20_000_000_000_000_000n },
  // 1,000,000,000.00000000 SOL: above the circulating supply
  SOL: { code: "SOL", name: "Solana", scale: 8, maxAmountMinor: 100_000_000_000_000_000n },
};

export function isAssetCode(value: unknown): value is AssetCode {
  return typeof value === "string" && (ASSET_CODES as readonly string[]).includes(value);
}

export function assetDefinition(code: AssetCode): AssetDefinition {
  const definition = ASSETS[code];
  assert(definition !== undefined, `unknown asset ${code}`);
  return definition;
}

/** 10^scale as a bigint: the number of minor units in one whole unit. */
export function unitMinor(code: AssetCode): bigint {
  return 10n ** BigInt(assetDefinition(code).scale);
}

export class LedgerInvariantError extends Error {
  constructor(message: string) {
    super(`ledger invariant violated: ${message}`);
    this.name = "LedgerInvariantError";
  }
}

/** Invariants are asserted, not hoped for: a violation stops the movement before any write. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new LedgerInvariantError(message);
}

// The registry itself obeys the bounds it documents; checked once at module load.
for (const code of ASSET_CODES) {
  const definition = ASSETS[code];
  assert(definition.code === code, `asset ${code} registered under another code`);
  assert(
    Number.isInteger(definition.scale) && definition.scale >= 0 && definition.scale <= 8,
    `scale ${code}`,
  );
  assert(definition.maxAmountMinor > 0n, `max amount of ${code} must be positive`);
  assert(definition.maxAmountMinor <= MAX_ASSET_AMOUNT_MINOR, `max amount of ${code} above the global bound`);
}
assert(MAX_BALANCE_MINOR + MAX_ASSET_AMOUNT_MINOR < SQLITE_INTEGER_MAX, "balance bound leaves no headroom");
