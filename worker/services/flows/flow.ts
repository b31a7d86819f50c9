/**
 * Record, act, resume: the one pattern every money flow follows (orders and their fills,
 * withdrawals and their transitions, and bot budgets next). README decision record 018.
 *
 *   record  the intent and its next step (`pending`, JSON) in libSQL before the first ledger
 *           call; every ledger idempotency key is derived from that record
 *   act     call the ledger (or the venue) with that key
 *   resume  the owning Durable Object arms its alarm whenever anything it owns is pending; the
 *           alarm re-runs the recorded step, and the ledger answers a repeated key with its
 *           first receipt, so a crash anywhere finishes exactly once
 *
 * Failures are isolated per item: a step that fails for a transient reason (database, ledger
 * unavailable) is retried by the alarm with backoff for that item alone; a step that breaks an
 * invariant is never retried: the item is halted (`halted` says why), reported (log, Sentry,
 * metric, audit) and left for an operator, and reconciliation lists it until then.
 */

/** A broken invariant: a bug or damaged records, never a passing outage. Never retried. */
export class InvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvariantViolation";
  }
}

/** Throws InvariantViolation unless `condition` holds. */
export function invariant(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new InvariantViolation(typeof message === "string" ? message : message());
}

/** First retry after a failed step; doubles per attempt up to the cap. */
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 5 * 60_000;
/** Items one alarm resumes at most (bounds one alarm's work; the rest wait for the next). */
export const MAX_RESUMED_PER_ALARM = 50;

/** When to try an item's pending step again after `attempts` failures (1, 2, …). */
export function retryDelayMs(attempts: number): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 20);
  return Math.min(FIRST_RETRY_MS * 2 ** exponent, MAX_RETRY_MS);
}

/** Where halted items are reported: the owning object wires log, Sentry, metric and audit. */
export type HaltReporter = (halt: {
  flow: "order" | "withdrawal" | "bot";
  id: string;
  userId: string;
  reason: string;
}) => Promise<void>;

/** Bigint-safe JSON for pending steps (tagged, so nothing else is mistaken for one). */
export function encodeStep(value: unknown): string {
  return JSON.stringify(value, (_key, inner) =>
    typeof inner === "bigint" ? { $bigint: inner.toString() } : inner,
  );
}

export function decodeStep<T>(text: string): T {
  return JSON.parse(text, (_key, value) =>
    value !== null &&
    typeof value === "object" &&
    typeof value.$bigint === "string" &&
    Object.keys(value).length === 1
      ? BigInt(value.$bigint)
      : value,
  ) as T;
}
