import { z } from "zod";
import { ConfigError } from "../../env.ts";
import { parseAmount } from "./amount.ts";

/**
 * Ledger settings, read from the same bindings as the rest of the config (worker/env.ts) but
 * owned here, so the ledger's knobs live next to the code they tune.
 */
export interface LedgerConfig {
  /** Most paper money one user may take from the faucet per UTC day, GBP-equivalent, in pence. */
  paperDepositDailyCapGbpMinor: bigint;
}

/** At least 100,000 GBP-equivalent a day locally, as the product asks; ten times that by default. */
export const DEFAULT_PAPER_DEPOSIT_DAILY_CAP_GBP = "1000000.00";

const schema = z.object({
  PAPER_DEPOSIT_DAILY_CAP_GBP: z.string().default(DEFAULT_PAPER_DEPOSIT_DAILY_CAP_GBP),
});

const cache = new WeakMap<object, LedgerConfig>();

export function ledgerConfig(env: object): LedgerConfig {
  const cached = cache.get(env);
  if (cached) return cached;
  const raw = (env as Record<string, unknown>).PAPER_DEPOSIT_DAILY_CAP_GBP;
  const parsed = schema.safeParse({ PAPER_DEPOSIT_DAILY_CAP_GBP: raw === "" ? undefined : raw });
  if (!parsed.success) throw new ConfigError(["PAPER_DEPOSIT_DAILY_CAP_GBP: must be a string"]);
  const cap = parseAmount("GBP", parsed.data.PAPER_DEPOSIT_DAILY_CAP_GBP);
  if (!cap.ok) throw new ConfigError([`PAPER_DEPOSIT_DAILY_CAP_GBP: ${cap.message}`]);
  const config = { paperDepositDailyCapGbpMinor: cap.amountMinor };
  cache.set(env, config);
  return config;
}
