import { DurableObject } from "cloudflare:workers";
import { createDatabase, createDatabaseClient } from "../../db/client.ts";
import { type Bindings, getConfig } from "../../worker/env.ts";
import { createLogger } from "../../worker/logger.ts";
import { userLedger } from "../../worker/services/ledger/client.ts";
import { getMarketSource } from "../../worker/services/markets/source.ts";
import { flushMetrics } from "../../worker/services/metrics/flush.ts";
import { reportBackgroundError } from "../../worker/services/sentry.ts";
import { OrderDesk } from "../../worker/services/trading/desk.ts";
import type { DeskOutcome, OrderRequest, OrderView } from "../../worker/services/trading/model.ts";
import { PaperVenue } from "../../worker/services/trading/paper-venue.ts";
import { liveUnavailable } from "../../worker/services/trading/venue.ts";

/**
 * One per user (id from the user id): the only writer of that user's orders. A thin shell
 * over the order desk (worker/services/trading/desk.ts): it serialises the user's order
 * calls, and while any order rests it wakes every second (an alarm) to check resting limit
 * orders against the market, so they fill within a second or two of the market crossing them.
 *
 * Nothing here is the source of truth: orders live in libSQL and money in the UserLedger. An
 * eviction loses nothing; the next call or alarm resumes any step left in flight.
 */
export const CHECK_INTERVAL_MS = 1_000;
/** After a failed check (database or ledger down), try again less eagerly. */
const RETRY_INTERVAL_MS = 5_000;
const USER_ID_KEY = "userId";

export class UserOrders extends DurableObject<Bindings> {
  #desk: OrderDesk | undefined;
  /** Calls run one at a time: a fill and a cancel of the same order never interleave. */
  #tail: Promise<unknown> = Promise.resolve();

  async ping(): Promise<"pong"> {
    return "pong";
  }

  async place(request: OrderRequest): Promise<DeskOutcome<OrderView>> {
    const wrong = this.#wrongUser(request.userId);
    if (wrong) return wrong;
    return this.#serial(async (desk) => {
      const outcome = await desk.place(request);
      if (outcome.ok && (outcome.value.status === "open" || outcome.value.status === "partially_filled")) {
        await this.#ensureAlarm();
      }
      return outcome;
    }, request.userId);
  }

  async cancel(userId: string, orderId: string): Promise<DeskOutcome<OrderView>> {
    const wrong = this.#wrongUser(userId);
    if (wrong) return wrong;
    return this.#serial((desk) => desk.cancel(orderId), userId);
  }

  /**
   * Checks resting orders up to `untilMs` (default now). The alarm calls it with now; tests
   * call it with a chosen time to drive the market deterministically.
   */
  async checkResting(userId: string, untilMs?: number): Promise<{ active: number; fills: number }> {
    const wrong = this.#wrongUser(userId);
    if (wrong) throw new Error(wrong.error.message);
    return this.#serial((desk) => desk.checkResting(untilMs ?? Date.now()), userId);
  }

  override async alarm(): Promise<void> {
    const userId = await this.ctx.storage.get<string>(USER_ID_KEY);
    if (!userId) return;
    try {
      const { active } = await this.#serial((desk) => desk.checkResting(Date.now()), userId);
      if (active > 0) await this.ctx.storage.setAlarm(Date.now() + CHECK_INTERVAL_MS);
    } catch (error) {
      const config = getConfig(this.env);
      createLogger({ level: config.LOG_LEVEL }).warn("resting order check failed", { error });
      await this.ctx.storage.setAlarm(Date.now() + RETRY_INTERVAL_MS);
      await reportBackgroundError(config, error, { durableObject: "UserOrders", operation: "alarm" });
    }
  }

  async #ensureAlarm(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + CHECK_INTERVAL_MS);
    }
  }

  async #serial<T>(run: (desk: OrderDesk) => Promise<T>, userId: string): Promise<T> {
    const result = this.#tail.then(async () => run(await this.#deskFor(userId)));
    this.#tail = result.catch(() => undefined);
    // Ledger movements this object asked for are counted in its own isolate: send them on.
    this.ctx.waitUntil(result.then(() => flushMetrics(this.env)).catch(() => undefined));
    return result;
  }

  async #deskFor(userId: string): Promise<OrderDesk> {
    if (this.#desk) return this.#desk;
    await this.ctx.storage.put(USER_ID_KEY, userId);
    const config = getConfig(this.env);
    const client = createDatabaseClient({
      url: config.TURSO_DATABASE_URL,
      authToken: config.TURSO_AUTH_TOKEN,
      timeoutMs: config.DATABASE_TIMEOUT_MS,
    });
    const paper = new PaperVenue(getMarketSource(config));
    this.#desk = new OrderDesk(userId, {
      db: createDatabase(client),
      ledger: userLedger(this.env, userId),
      venueFor: (mode) => {
        // Never fill a LIVE order on paper: until the exchange adapter exists, LIVE refuses.
        if (mode !== "paper") throw liveUnavailable();
        return paper;
      },
      now: Date.now,
      newId: () => crypto.randomUUID(),
      logger: createLogger({ level: config.LOG_LEVEL }).child({ durableObject: "UserOrders" }),
    });
    return this.#desk;
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
