/**
 * GCRA (generic cell rate algorithm): one number of state per key — the theoretical arrival
 * time — gives a smooth limit of `limit` per `periodMs` with bursts up to `burst`. Pure, so
 * it is tested exhaustively and run inside a Durable Object where counts must be exact.
 */
export interface Policy {
  /** Stable name: part of the storage key, and reported in headers. */
  name: string;
  limit: number;
  periodMs: number;
  /** Requests allowed at once from a cold start; defaults to `limit`. */
  burst?: number;
}

export interface Decision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the bucket is full again. */
  resetMs: number;
  /** Milliseconds until one more request would be allowed (0 when allowed). */
  retryAfterMs: number;
}

export function decide(
  policy: Policy,
  tatMs: number,
  nowMs: number,
  cost = 1,
): { decision: Decision; tatMs: number } {
  const interval = policy.periodMs / policy.limit;
  const burst = policy.burst ?? policy.limit;
  const tolerance = interval * burst;
  const base = Math.max(tatMs, nowMs);
  const nextTat = base + interval * cost;
  const allowAt = nextTat - tolerance;
  if (allowAt > nowMs) {
    const remaining = Math.max(0, Math.floor((tolerance - (base - nowMs)) / interval));
    return {
      decision: {
        allowed: false,
        limit: burst,
        remaining,
        resetMs: Math.ceil(base - nowMs),
        retryAfterMs: Math.ceil(allowAt - nowMs),
      },
      tatMs,
    };
  }
  return {
    decision: {
      allowed: true,
      limit: burst,
      remaining: Math.max(0, Math.floor((tolerance - (nextTat - nowMs)) / interval)),
      resetMs: Math.ceil(nextTat - nowMs),
      retryAfterMs: 0,
    },
    tatMs: nextTat,
  };
}
