/**
 * Per-user second-factor bookkeeping that must be exact under concurrency: the last TOTP
 * step used (so a code is never accepted twice, even by two requests racing in different
 * isolates) and a sliding window of failures (throttling guessing). It lives in the user's
 * Durable Object storage, which serialises every call for that user.
 */
export const TOTP_FAILURE_LIMIT = 5;
export const TOTP_FAILURE_WINDOW_MS = 5 * 60_000;

export type TotpDecision =
  | { ok: true }
  | { ok: false; reason: "invalid" | "replayed" }
  | { ok: false; reason: "throttled"; retryAfterSeconds: number };

interface TotpState {
  lastUsedStep: number;
  failuresAtMs: number[];
}

const STATE_KEY = "totp";

export async function decideTotp(
  storage: DurableObjectStorage,
  input: { matchedStep: number | null; nowMs: number },
): Promise<TotpDecision> {
  const state = (await storage.get<TotpState>(STATE_KEY)) ?? { lastUsedStep: -1, failuresAtMs: [] };
  const windowStart = input.nowMs - TOTP_FAILURE_WINDOW_MS;
  const failures = state.failuresAtMs.filter((at) => at > windowStart).slice(-TOTP_FAILURE_LIMIT);
  if (failures.length >= TOTP_FAILURE_LIMIT) {
    const oldest = failures[0] ?? input.nowMs;
    const retryAfterSeconds = Math.max(1, Math.ceil((oldest + TOTP_FAILURE_WINDOW_MS - input.nowMs) / 1000));
    return { ok: false, reason: "throttled", retryAfterSeconds };
  }
  if (input.matchedStep === null || input.matchedStep <= state.lastUsedStep) {
    failures.push(input.nowMs);
    await storage.put<TotpState>(STATE_KEY, { lastUsedStep: state.lastUsedStep, failuresAtMs: failures });
    return { ok: false, reason: input.matchedStep === null ? "invalid" : "replayed" };
  }
  await storage.put<TotpState>(STATE_KEY, { lastUsedStep: input.matchedStep, failuresAtMs: failures });
  return { ok: true };
}
