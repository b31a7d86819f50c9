/**
 * Claims on withdrawal Idempotency-Keys, held in the user's UserOrders object (record 036).
 *
 * Problem: the same withdrawal sent several times at once (a double click, a retrying proxy)
 * raced through the use case: each copy found no recorded withdrawal, so each checked the
 * TOTP code; the first spent it, and every other copy was refused as a replayed code and
 * counted as a failed 2FA attempt, until the user was throttled out of their own account.
 *
 * The use case therefore claims the key here before it checks anything. The first request
 * gets the claim and runs (code, limits, the desk) and settles the claim with its outcome; a
 * copy with the same body that arrives meanwhile waits for that outcome and answers as the
 * first did, without checking a code; a copy with another body is a conflict at once. Claims
 * live in memory only: they matter only while a request is in flight, and a claim whose holder
 * vanished (its isolate died) lapses after `ttlMs`, when one waiting copy takes it over.
 */

/** An error as the API answers it, carried to the copies that waited (RPC carries plain data). */
export interface ClaimError {
  status: number;
  code: string;
  message: string;
  fields?: Record<string, string> | undefined;
  headers?: Record<string, string> | undefined;
}

/** How the first request ended. */
export type ClaimAnswer =
  /** The withdrawal is recorded: the desk answers every copy from its row. */
  | { kind: "done" }
  /** Refused (bad code, limit, funds, conflict, …): every copy gets the same refusal. */
  | { kind: "refused"; error: ClaimError }
  /** Ended by something unexpected: copies are told to try again. */
  | { kind: "failed" };

export type ClaimResult =
  | { kind: "claimed"; token: string }
  | { kind: "answered"; answer: ClaimAnswer }
  | { kind: "conflict" }
  /** Still in flight after waiting as long as a claim may live, or too many claims at once. */
  | { kind: "busy" };

interface Claim {
  requestHash: string;
  token: string;
  expiresAtMs: number;
  waiters: Set<(answer: ClaimAnswer | null) => void>;
}

export interface WithdrawalClaimsOptions {
  /** How long a claim lives without being settled (its holder is then presumed gone). */
  ttlMs?: number;
  /** Claims in flight at once for one user; more are refused as busy. */
  maxClaims?: number;
  now?: () => number;
  newToken?: () => string;
}

/** A copy waits for at most this many claim lifetimes before it answers busy. */
const MAX_TAKEOVER_ROUNDS = 2;

export class WithdrawalClaims {
  readonly #claims = new Map<string, Claim>();
  readonly #ttlMs: number;
  readonly #maxClaims: number;
  readonly #now: () => number;
  readonly #newToken: () => string;

  constructor(options: WithdrawalClaimsOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#maxClaims = options.maxClaims ?? 100;
    this.#now = options.now ?? Date.now;
    this.#newToken = options.newToken ?? (() => crypto.randomUUID());
  }

  /** Claims `key` for a request whose body hashes to `requestHash`, or waits for its holder. */
  async claim(key: string, requestHash: string): Promise<ClaimResult> {
    for (let round = 0; round <= MAX_TAKEOVER_ROUNDS; round++) {
      const held = this.#live(key);
      if (!held) {
        if (this.#claims.size >= this.#maxClaims) return { kind: "busy" };
        const token = this.#newToken();
        this.#claims.set(key, {
          requestHash,
          token,
          expiresAtMs: this.#now() + this.#ttlMs,
          waiters: new Set(),
        });
        return { kind: "claimed", token };
      }
      if (held.requestHash !== requestHash) return { kind: "conflict" };
      const answer = await this.#wait(held);
      if (answer) return { kind: "answered", answer };
      // The holder did not settle in time: the claim lapsed, and the next round may take it.
    }
    return { kind: "busy" };
  }

  /** The holder's outcome: every copy waiting on the claim gets it. False: not (or no longer) held. */
  settle(key: string, token: string, answer: ClaimAnswer): boolean {
    const held = this.#claims.get(key);
    if (!held || held.token !== token) return false;
    this.#claims.delete(key);
    for (const wake of held.waiters) wake(answer);
    return true;
  }

  /** Claims in flight (for tests and bounds). */
  get size(): number {
    return this.#claims.size;
  }

  #live(key: string): Claim | null {
    const held = this.#claims.get(key);
    if (!held) return null;
    if (held.expiresAtMs > this.#now()) return held;
    this.#claims.delete(key);
    for (const wake of held.waiters) wake(null);
    return null;
  }

  #wait(held: Claim): Promise<ClaimAnswer | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          held.waiters.delete(wake);
          resolve(null);
        },
        Math.max(0, held.expiresAtMs - this.#now()),
      );
      const wake = (answer: ClaimAnswer | null) => {
        clearTimeout(timer);
        held.waiters.delete(wake);
        resolve(answer);
      };
      held.waiters.add(wake);
    });
  }
}
