import { DurableObject } from "cloudflare:workers";
import { createDatabase, createDatabaseClient } from "../../db/client.ts";
import { type Bindings, getConfig } from "../../worker/env.ts";
import { createLogger, type Logger } from "../../worker/logger.ts";
import { appendAudit } from "../../worker/services/audit/append.ts";
import type { AuditContext } from "../../worker/services/auth/accounts.ts";
import { binanceSpotFromConfig, isExchangeConfigured } from "../../worker/services/exchange/index.ts";
import type { HaltReporter } from "../../worker/services/flows/flow.ts";
import { userLedger } from "../../worker/services/ledger/client.ts";
import { getMarketSource } from "../../worker/services/markets/source.ts";
import { flushMetrics } from "../../worker/services/metrics/flush.ts";
import { isolateMetrics } from "../../worker/services/metrics/recorder.ts";
import { reportBackgroundError } from "../../worker/services/sentry.ts";
import { BinanceVenue } from "../../worker/services/trading/binance-venue.ts";
import { type CheckResult, OrderDesk } from "../../worker/services/trading/desk.ts";
import type { DeskOutcome, OrderRequest, OrderView } from "../../worker/services/trading/model.ts";
import { PaperVenue } from "../../worker/services/trading/paper-venue.ts";
import { liveUnavailable } from "../../worker/services/trading/venue.ts";
import { gbpValuationProvider } from "../../worker/services/valuation/gbp.ts";
import {
  type ClaimAnswer,
  type ClaimResult,
  WithdrawalClaims,
} from "../../worker/services/withdrawals/claims.ts";
import { withdrawalConfig } from "../../worker/services/withdrawals/config.ts";
import {
  type Transition,
  type TransitionInput,
  WithdrawalDesk,
  type WithdrawalOutcome,
  type WithdrawalRequest,
} from "../../worker/services/withdrawals/desk.ts";

/**
 * One per user (id from the user id): the only writer of that user's orders and withdrawals,
 * the two money flows that live beside the ledger. A thin shell over the order desk
 * (worker/services/trading/desk.ts) and the withdrawal desk (worker/services/withdrawals/desk.ts):
 * it serialises the user's calls, and its alarm is armed whenever anything it owns is pending
 * or resting. The alarm checks resting limit orders every second and finishes every step left
 * in flight, each order and withdrawal with its own backoff.
 *
 * Nothing here is the source of truth: orders and withdrawals live in libSQL and money in the
 * UserLedger. An eviction loses nothing; the alarm (or the next call) resumes what was pending.
 *
 * LIVE orders go to Binance (worker/services/trading/binance-venue.ts) through one adapter per
 * object, built when BINANCE_API_KEY and BINANCE_API_SECRET are set; without them LIVE is
 * refused (live_unavailable), never filled on paper. Every request to the exchange and its
 * answer (never a credential or signature) is logged at debug level as "exchange transcript"
 * (`npm run testnet:dry-run` prints them from the Worker's log).
 */
const CHECK_INTERVAL_MS = 1_000;
/**
 * Every call that may leave something pending arms the alarm before it acts (write-ahead for
 * the schedule): if the object is evicted mid-call, the alarm still comes and finishes the
 * step. The grace lets a normal call finish first; an alarm that finds nothing to do stops.
 */
const RESUME_GRACE_MS = 2_000;
/** After a check that failed as a whole (the database unreachable), try again less eagerly. */
const RETRY_INTERVAL_MS = 5_000;
const USER_ID_KEY = "userId";

interface Desks {
  orders: OrderDesk;
  withdrawals: WithdrawalDesk;
}

export class UserOrders extends DurableObject<Bindings> {
  #desks: Desks | undefined;
  /** Calls run one at a time: a fill and a cancel of the same order never interleave. */
  #tail: Promise<unknown> = Promise.resolve();
  /** Withdrawal Idempotency-Keys in flight (worker/services/withdrawals/claims.ts); memory only. */
  readonly #claims = new WithdrawalClaims();

  async ping(): Promise<"pong"> {
    return "pong";
  }

  async place(request: OrderRequest): Promise<DeskOutcome<OrderView>> {
    const wrong = this.#wrongUser(request.userId);
    if (wrong) return wrong;
    return this.#serial(async ({ orders }) => {
      await this.#ensureAlarm(RESUME_GRACE_MS);
      const outcome = await orders.place(request);
      // Resting: checked every second from now on.
      if (outcome.ok && (outcome.value.status === "open" || outcome.value.status === "partially_filled")) {
        await this.#ensureAlarm(CHECK_INTERVAL_MS);
      }
      return outcome;
    }, request.userId);
  }

  async cancel(userId: string, orderId: string): Promise<DeskOutcome<OrderView>> {
    const wrong = this.#wrongUser(userId);
    if (wrong) return wrong;
    return this.#serial(async ({ orders }) => {
      await this.#ensureAlarm(RESUME_GRACE_MS);
      return orders.cancel(orderId);
    }, userId);
  }

  async requestWithdrawal(
    userId: string,
    request: WithdrawalRequest,
    audit: AuditContext,
  ): Promise<WithdrawalOutcome> {
    const wrong = this.#wrongUser(userId);
    if (wrong) return wrong;
    return this.#serial(async ({ withdrawals }) => {
      await this.#ensureAlarm(RESUME_GRACE_MS);
      return withdrawals.request(request, audit);
    }, userId);
  }

  /**
   * Claims a withdrawal's key before the use case checks its code, or waits for the request
   * holding it. Outside the serial queue: a waiting copy must not hold up the user's other calls.
   */
  async claimWithdrawal(userId: string, withdrawalId: string, requestHash: string): Promise<ClaimResult> {
    if (this.#wrongUser(userId)) return { kind: "busy" };
    return this.#claims.claim(withdrawalId, requestHash);
  }

  async settleWithdrawalClaim(
    userId: string,
    withdrawalId: string,
    token: string,
    answer: ClaimAnswer,
  ): Promise<boolean> {
    if (this.#wrongUser(userId)) return false;
    return this.#claims.settle(withdrawalId, token, answer);
  }

  async transitionWithdrawal(
    userId: string,
    withdrawalId: string,
    transition: Transition,
    input: TransitionInput,
    audit: AuditContext,
  ): Promise<WithdrawalOutcome> {
    const wrong = this.#wrongUser(userId);
    if (wrong) return wrong;
    return this.#serial(async ({ withdrawals }) => {
      await this.#ensureAlarm(RESUME_GRACE_MS);
      return withdrawals.transition(withdrawalId, transition, input, audit);
    }, userId);
  }

  /**
   * Checks resting orders up to `untilMs` (default now) and finishes pending steps. The alarm
   * calls it with now; tests call it with a chosen time to drive the market deterministically.
   */
  async checkResting(userId: string, untilMs?: number): Promise<CheckResult> {
    const wrong = this.#wrongUser(userId);
    if (wrong) throw new Error(wrong.error.message);
    return this.#serial((desks) => this.#work(desks, untilMs ?? Date.now()), userId);
  }

  override async alarm(): Promise<void> {
    const userId = await this.ctx.storage.get<string>(USER_ID_KEY);
    if (!userId) return;
    try {
      const { nextWakeMs } = await this.#serial((desks) => this.#work(desks, Date.now()), userId);
      // Alarms are at-least-once and may arrive twice: the work above is idempotent, and the
      // next one is set only while something still needs it.
      if (nextWakeMs !== null) await this.ctx.storage.setAlarm(Math.max(nextWakeMs, Date.now() + 50));
    } catch (error) {
      const config = getConfig(this.env);
      createLogger({ level: config.LOG_LEVEL }).warn("order and withdrawal check failed", { error });
      await this.ctx.storage.setAlarm(Date.now() + RETRY_INTERVAL_MS);
      await reportBackgroundError(config, error, { durableObject: "UserOrders", operation: "alarm" });
    }
  }

  /** Everything the alarm does: orders first (they rest), then withdrawals with a step in flight. */
  async #work(desks: Desks, untilMs: number): Promise<CheckResult> {
    const orders = await desks.orders.checkResting(untilMs);
    const withdrawals = await desks.withdrawals.resumePending();
    const wakes = [orders.nextWakeMs, withdrawals.nextWakeMs].filter((at): at is number => at !== null);
    return {
      active: orders.active + withdrawals.pending,
      fills: orders.fills,
      halted: orders.halted + withdrawals.halted,
      nextWakeMs: wakes.length > 0 ? Math.min(...wakes) : null,
    };
  }

  /** Arms the alarm to ring within `inMs` (an earlier one already set is kept). */
  async #ensureAlarm(inMs: number): Promise<void> {
    const atMs = Date.now() + inMs;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > atMs) await this.ctx.storage.setAlarm(atMs);
  }

  async #serial<T>(run: (desks: Desks) => Promise<T>, userId: string): Promise<T> {
    const result = this.#tail.then(async () => run(await this.#desksFor(userId)));
    this.#tail = result.catch(() => undefined);
    // Ledger movements this object asked for are counted in its own isolate: send them on.
    this.ctx.waitUntil(result.then(() => flushMetrics(this.env)).catch(() => undefined));
    return result;
  }

  async #desksFor(userId: string): Promise<Desks> {
    if (this.#desks) return this.#desks;
    await this.ctx.storage.put(USER_ID_KEY, userId);
    const config = getConfig(this.env);
    const client = createDatabaseClient({
      url: config.TURSO_DATABASE_URL,
      authToken: config.TURSO_AUTH_TOKEN,
      timeoutMs: config.DATABASE_TIMEOUT_MS,
    });
    const db = createDatabase(client);
    const ledger = userLedger(this.env, userId);
    const logger = createLogger({ level: config.LOG_LEVEL }).child({ durableObject: "UserOrders" });
    const reportHalt = haltReporter(logger, client, config);
    const market = getMarketSource(config);
    const valuations = gbpValuationProvider(config);
    const paper = new PaperVenue(market);
    const live = isExchangeConfigured(config)
      ? new BinanceVenue(
          binanceSpotFromConfig(config, {
            logger,
            onExchange: (record) => {
              const venue = "binance";
              isolateMetrics.increment("chx_exchange_calls_total", {
                venue,
                endpoint: `${record.method} ${record.path}`,
                status: String(record.status ?? "none"),
              });
              if (record.status !== 200) {
                const reason = record.status === null ? "no_answer" : `http_${record.status}`;
                isolateMetrics.increment("chx_exchange_errors_total", { venue, reason });
              }
              if (record.usedWeight1m !== null) {
                isolateMetrics.setGauge("chx_exchange_weight_used", { venue }, record.usedWeight1m);
              }
              // JSON text, not fields: the logger would redact Binance's `code` as a secret.
              logger.debug("exchange transcript", { exchange: JSON.stringify(record) });
            },
          }),
          market,
          { logger },
        )
      : null;
    this.#desks = {
      orders: new OrderDesk(userId, {
        db,
        ledger,
        venueFor: (mode) => {
          if (mode === "paper") return paper;
          // Never fill a LIVE order on paper: without an exchange account, LIVE refuses.
          if (!live) throw liveUnavailable();
          return live;
        },
        valuations,
        rewards: { ledgerOf: (referrerId) => userLedger(this.env, referrerId) },
        now: Date.now,
        newId: () => crypto.randomUUID(),
        logger,
        reportHalt,
        audit: (entry) =>
          appendAudit(client, {
            event: entry.event,
            outcome: entry.outcome,
            actor: "system:user-orders",
            userId: entry.userId,
            // The same step run again after a crash writes the same request id.
            requestId: `order:${entry.orderId}:${entry.event}`,
            ipAddress: "127.0.0.1",
            detail: entry.detail,
          }),
      }),
      withdrawals: new WithdrawalDesk(userId, {
        db,
        client,
        ledger,
        config: withdrawalConfig(this.env),
        valuations,
        now: Date.now,
        logger,
        reportHalt,
      }),
    };
    return this.#desks;
  }

  /** A call routed to another user's object is a caller bug; refusing it keeps one writer per user. */
  #wrongUser(userId: string): { ok: false; error: { status: 400; code: string; message: string } } | null {
    if (typeof userId === "string" && this.env.USER_ORDERS.idFromName(userId).equals(this.ctx.id))
      return null;
    return {
      ok: false,
      error: { status: 400, code: "invalid_request", message: "These orders belong to another user." },
    };
  }
}

/** A halted item is loud everywhere an operator looks: log, metric, audit log and Sentry. */
function haltReporter(
  logger: Logger,
  client: ReturnType<typeof createDatabaseClient>,
  config: ReturnType<typeof getConfig>,
): HaltReporter {
  return async (halt) => {
    isolateMetrics.increment("chx_flow_halted_total", { flow: halt.flow });
    logger.error("money flow halted for an operator", { ...halt });
    await appendAudit(client, {
      event: `${halt.flow}.halted`,
      outcome: "failure",
      actor: "system:user-orders",
      userId: halt.userId,
      requestId: `halt:${halt.id}`,
      ipAddress: "127.0.0.1",
      detail: { id: halt.id, reason: halt.reason },
    }).catch((error: unknown) => logger.error("could not audit the halt", { error, id: halt.id }));
    await reportBackgroundError(config, new Error(`${halt.flow} ${halt.id} halted: ${halt.reason}`), {
      durableObject: "UserOrders",
      operation: `${halt.flow}.halted`,
    });
  };
}
