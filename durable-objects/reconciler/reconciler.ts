import { DurableObject } from "cloudflare:workers";
import { createDatabase, createDatabaseClient } from "../../db/client.ts";
import { type Bindings, getConfig } from "../../worker/env.ts";
import { createLogger, type Logger } from "../../worker/logger.ts";
import {
  balanceOf,
  binanceSpotFromConfig,
  isExchangeConfigured,
} from "../../worker/services/exchange/index.ts";
import { ASSET_CODES, type AssetCode } from "../../worker/services/ledger/assets.ts";
import type { ExchangeBalances } from "../../worker/services/ledger/reconcile.ts";
import { flushMetrics } from "../../worker/services/metrics/flush.ts";
import { sweepPlans } from "../../worker/services/monetisation/plans.ts";
import {
  type ReportTrigger,
  runAndStoreReport,
  type StoredReport,
  triggerSource,
} from "../../worker/services/reconcile/reports.ts";
import { reportBackgroundError } from "../../worker/services/sentry.ts";

/**
 * One instance ("global"): the reconciliation schedule. Its alarm runs every check, stores the
 * report (worker/services/reconcile/reports.ts) and arms the next run RECONCILE_INTERVAL_MS
 * later, so the Ops page only reads the newest stored report.
 *
 * Crash story: the alarm is re-armed before the run, so a run that dies (eviction, database
 * down) is simply followed by the next one; a run either stored its report or did not, and
 * nothing else is written. Alarms are at-least-once: a repeated run stores one more report,
 * which is harmless. Nothing here is state: the reports live in libSQL, and the only storage
 * used is the alarm itself.
 *
 * With an exchange account configured, each run first reads its balances (GET account, weight
 * 20) and the report gains the check that the exchange holds what the ledger owes there.
 */
export class Reconciler extends DurableObject<Bindings> {
  async ping(): Promise<"pong"> {
    return "pong";
  }

  /** Arms the schedule when no alarm is set; cheap, so any page view may call it. */
  async ensureScheduled(): Promise<number> {
    const armed = await this.ctx.storage.getAlarm();
    if (armed !== null) return armed;
    const next = Date.now() + getConfig(this.env).RECONCILE_INTERVAL_MS;
    await this.ctx.storage.setAlarm(next);
    return next;
  }

  /** Runs one reconciliation now and stores it (the operator's button), keeping the schedule. */
  async runNow(trigger: ReportTrigger): Promise<StoredReport> {
    await this.ensureScheduled();
    return this.#run(trigger);
  }

  override async alarm(): Promise<void> {
    const config = getConfig(this.env);
    await this.ctx.storage.setAlarm(Date.now() + config.RECONCILE_INTERVAL_MS);
    // Plans whose period ended are renewed (or moved to free) here even if their trader never
    // comes back; a change left in flight is carried on. Before the run, so it sees them done.
    try {
      await this.#sweepPlans(config);
    } catch (error) {
      createLogger({ level: config.LOG_LEVEL }).warn("plan renewal sweep could not run", { error });
      await reportBackgroundError(config, error, { durableObject: "Reconciler", operation: "plans" });
    }
    try {
      await this.#run("schedule");
    } catch (error) {
      createLogger({ level: config.LOG_LEVEL }).warn("scheduled reconciliation could not run", { error });
      await reportBackgroundError(config, error, { durableObject: "Reconciler", operation: "alarm" });
    }
  }

  async #sweepPlans(config: ReturnType<typeof getConfig>): Promise<void> {
    const logger = createLogger({ level: config.LOG_LEVEL }).child({ durableObject: "Reconciler" });
    const client = createDatabaseClient({
      url: config.TURSO_DATABASE_URL,
      authToken: config.TURSO_AUTH_TOKEN,
      timeoutMs: config.DATABASE_TIMEOUT_MS,
    });
    try {
      const { users } = await sweepPlans(
        { db: createDatabase(client), client, env: this.env, logger },
        Date.now(),
      );
      if (users > 0) logger.info("plan renewals swept", { users });
    } finally {
      client.close();
    }
  }

  async #run(trigger: ReportTrigger): Promise<StoredReport> {
    const config = getConfig(this.env);
    const logger = createLogger({ level: config.LOG_LEVEL }).child({ durableObject: "Reconciler" });
    // Reconciliation reads the whole journal: a longer deadline than a request's.
    const client = createDatabaseClient({
      url: config.TURSO_DATABASE_URL,
      authToken: config.TURSO_AUTH_TOKEN,
      timeoutMs: Math.max(config.DATABASE_TIMEOUT_MS, 30_000),
    });
    try {
      // Read before the ledger's snapshot: a fill in between shows as surplus or in flight.
      const exchangeBalances = isExchangeConfigured(config) ? await readExchange(config, logger) : undefined;
      return await runAndStoreReport(
        client,
        trigger,
        Date.now(),
        {
          logger,
          reportFailure: (error) =>
            reportBackgroundError(config, error, {
              durableObject: "Reconciler",
              operation: `reconcile:${triggerSource(trigger)}`,
            }),
        },
        { exchangeBalances },
      );
    } finally {
      client.close();
      await flushMetrics(this.env, { force: true }).catch((error) =>
        logger.warn("metrics flush failed", { error }),
      );
    }
  }
}

/** The exchange account's balances (free + locked) per asset, or why they could not be read. */
async function readExchange(config: ReturnType<typeof getConfig>, logger: Logger): Promise<ExchangeBalances> {
  try {
    const account = await binanceSpotFromConfig(config, { logger }).account();
    const balances: Partial<Record<AssetCode, bigint>> = {};
    for (const asset of ASSET_CODES) {
      const { freeMinor, lockedMinor } = balanceOf(account, asset);
      balances[asset] = freeMinor + lockedMinor;
    }
    return { venue: "binance", balances };
  } catch (error) {
    logger.warn("reconciliation could not read the exchange account", { error });
    return { venue: "binance", balances: null, error: (error as Error).message };
  }
}
