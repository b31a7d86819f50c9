import { z } from "zod";
import { ConfigError } from "../../env.ts";
import type { VelocityLimits } from "./velocity.ts";

/**
 * Withdrawal knobs, from the same bindings as the rest of the config, with safe defaults:
 * a 24 h cooling-off for new addresses, operator approval from 10,000 GBP-equivalent, and
 * velocity caps per asset, per count and in GBP-equivalent over 24 h and 30 days.
 */
export interface WithdrawalConfig {
  addressCoolingOffMs: number;
  approvalThresholdGbpMinor: bigint;
  velocity: VelocityLimits;
}

const schema = z.object({
  WITHDRAWAL_ADDRESS_COOLING_OFF_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(30 * 24 * 3600)
    .default(24 * 3600),
  WITHDRAWAL_APPROVAL_THRESHOLD_GBP: z.coerce.number().int().min(0).default(10_000),
  WITHDRAWAL_MAX_GBP_24H: z.coerce.number().int().min(0).default(50_000),
  WITHDRAWAL_MAX_GBP_30D: z.coerce.number().int().min(0).default(250_000),
  WITHDRAWAL_MAX_COUNT_24H: z.coerce.number().int().min(1).default(10),
  WITHDRAWAL_MAX_COUNT_30D: z.coerce.number().int().min(1).default(100),
});

/** Per asset and 24 h, in minor units: 2 BTC, 30 ETH, 1,000 SOL, 50,000 USDT. */
const PER_ASSET_24H_MINOR: Record<string, string> = {
  BTC: (2n * 10n ** 8n).toString(),
  ETH: (30n * 10n ** 8n).toString(),
  SOL: (1_000n * 10n ** 8n).toString(),
  USDT: (50_000n * 10n ** 6n).toString(),
};

const cache = new WeakMap<object, WithdrawalConfig>();

export function withdrawalConfig(env: object): WithdrawalConfig {
  const cached = cache.get(env);
  if (cached) return cached;
  const raw = env as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(schema.shape))
    if (raw[key] !== undefined && raw[key] !== "") picked[key] = raw[key];
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  const values = parsed.data;
  const config: WithdrawalConfig = {
    addressCoolingOffMs: values.WITHDRAWAL_ADDRESS_COOLING_OFF_SECONDS * 1000,
    approvalThresholdGbpMinor: BigInt(values.WITHDRAWAL_APPROVAL_THRESHOLD_GBP) * 100n,
    velocity: {
      perAsset24hMinor: PER_ASSET_24H_MINOR,
      count24h: values.WITHDRAWAL_MAX_COUNT_24H,
      count30d: values.WITHDRAWAL_MAX_COUNT_30D,
      gbp24hMinor: (BigInt(values.WITHDRAWAL_MAX_GBP_24H) * 100n).toString(),
      gbp30dMinor: (BigInt(values.WITHDRAWAL_MAX_GBP_30D) * 100n).toString(),
    },
  };
  cache.set(env, config);
  return config;
}
