import { z } from "zod";

/**
 * Bindings and secrets, validated once per isolate. A missing or malformed variable is a
 * deployment error: we name every one of them at once instead of failing on first use.
 */
const base64Key32 = z
  .string()
  .regex(/^[A-Za-z0-9+/]{43}=$/, "must be 32 bytes, base64 encoded (44 characters)");

/** wrangler dev's address (wrangler.toml [dev]): the site's origin when SITE_ORIGIN is not set. */
export const LOCAL_SITE_ORIGIN = "http://127.0.0.1:8787";

const configSchema = z.object({
  ENVIRONMENT: z.enum(["development", "test", "production"]).default("development"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  MARKET_SOURCE: z.enum(["sim", "coingecko", "binance"]).default("sim"),
  OPS_TOKEN: z.string().min(32, "must be at least 32 characters"),
  SESSION_SECRET: z.string().min(32, "must be at least 32 characters"),
  DATA_ENCRYPTION_KEY: base64Key32,
  TURSO_DATABASE_URL: z
    .string()
    .regex(/^(libsql|https?|wss?):\/\/\S+$/, "must be a libsql://, https:// or http:// URL"),
  TURSO_AUTH_TOKEN: z.string().min(1).optional(),
  DATABASE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
  SENTRY_DSN: z.url().optional(),
  RELEASE: z.string().default("dev"),
  /**
   * The site's own origin (scheme, host and port, as browsers send it in `Origin`). A
   * state-changing request must come from it (CSRF), and log-in redirects stay on it. Never
   * taken from the request's Host header, which the client writes. Required in production.
   */
  SITE_ORIGIN: z
    .string()
    .refine(isSiteOrigin, "must be an http:// or https:// origin without path, query or credentials")
    .transform((value) => new URL(value).origin)
    .default(LOCAL_SITE_ORIGIN),
  /**
   * Sign-ups allowed per address (an IPv4 address, an IPv6 /64) per 24 hours, counted exactly.
   * Unset: 10 in production, 10,000 elsewhere (tests and benchmarks sign up many users from
   * 127.0.0.1). See signupsPerAddressPerDay().
   */
  SIGNUPS_PER_ADDRESS_PER_DAY: z.coerce.number().int().min(1).max(1_000_000).optional(),
  /** How often the Reconciler object runs and stores a reconciliation report (ms). */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(10_000).max(86_400_000).default(600_000),
  /**
   * The platform's exchange account for LIVE orders (worker/services/exchange/). Both absent:
   * LIVE is refused. Secrets: logger.ts redacts `*_API_KEY` / `*_SECRET` keys, and no error of
   * the adapter carries them.
   */
  BINANCE_API_KEY: z
    .string()
    .regex(/^[A-Za-z0-9]{16,128}$/, "must be 16 to 128 letters and digits")
    .optional(),
  BINANCE_API_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9]{16,128}$/, "must be 16 to 128 letters and digits")
    .optional(),
  /**
   * Live (default https://api.binance.com), the testnet (https://testnet.binance.vision), or the
   * local stand-in (http://127.0.0.1:8790). Plain http only on loopback: the key travels in a header.
   */
  BINANCE_BASE_URL: z
    .string()
    .refine(
      isExchangeBaseUrl,
      "must be an https:// URL without path or query (http:// only for 127.0.0.1 or localhost)",
    )
    .optional(),
});

function isExchangeBaseUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  const loopback = url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]";
  const protocolOk = url.protocol === "https:" || (url.protocol === "http:" && loopback);
  return (
    protocolOk && url.pathname === "/" && url.search === "" && url.username === "" && url.password === ""
  );
}

function isSiteOrigin(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    (url.protocol === "https:" || url.protocol === "http:") &&
    url.pathname === "/" &&
    url.search === "" &&
    url.hash === "" &&
    url.username === "" &&
    url.password === "" &&
    !value.endsWith("#") &&
    !value.endsWith("?")
  );
}

export type Config = z.infer<typeof configSchema>;

/** The sign-up limit per address and 24 hours: SIGNUPS_PER_ADDRESS_PER_DAY, else by environment. */
export function signupsPerAddressPerDay(config: Pick<Config, "ENVIRONMENT" | "SIGNUPS_PER_ADDRESS_PER_DAY">) {
  return config.SIGNUPS_PER_ADDRESS_PER_DAY ?? (config.ENVIRONMENT === "production" ? 10 : 10_000);
}

export interface Bindings {
  USER_LEDGER: DurableObjectNamespace<import("../durable-objects/user-ledger/user-ledger.ts").UserLedger>;
  BOT: DurableObjectNamespace<import("../durable-objects/bot/bot.ts").Bot>;
  METRICS: DurableObjectNamespace<import("../durable-objects/metrics/metrics.ts").Metrics>;
  RATE_LIMITER: DurableObjectNamespace<import("../durable-objects/rate-limiter/rate-limiter.ts").RateLimiter>;
  USER_ORDERS: DurableObjectNamespace<import("../durable-objects/user-orders/user-orders.ts").UserOrders>;
  RECONCILER: DurableObjectNamespace<import("../durable-objects/reconciler/reconciler.ts").Reconciler>;
  /** Cloudflare Rate Limiting bindings: coarse per-class flood limits (wrangler.toml [[ratelimits]]). */
  RATE_LIMIT_PUBLIC?: RateLimit;
  RATE_LIMIT_AUTHENTICATED?: RateLimit;
  RATE_LIMIT_OPS?: RateLimit;
  /** Workers Analytics Engine: written when bound, absent locally. */
  ANALYTICS?: AnalyticsEngineDataset;
  ASSETS?: Fetcher;
  [key: string]: unknown;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Parse without caching: used by tests and by the per-isolate cache below. */
export function parseConfig(env: Record<string, unknown>): Config {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    // Empty strings in .dev.vars or wrangler vars mean "not set".
    if (value !== undefined && value !== "") picked[key] = value;
  }
  const result = configSchema.safeParse(picked);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
  // The local default would refuse every browser form in production (fail closed); say so.
  if (picked.ENVIRONMENT === "production" && picked.SITE_ORIGIN === undefined) {
    problems.push("SITE_ORIGIN: must be set in production (the site's https:// origin)");
  }
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  return result.data;
}

let cached: { env: object; config: Config } | undefined;

/** Once per isolate: the env object is stable for the isolate's lifetime. */
export function getConfig(env: object): Config {
  if (cached?.env === env) return cached.config;
  const config = parseConfig(env as Record<string, unknown>);
  cached = { env, config };
  return config;
}
