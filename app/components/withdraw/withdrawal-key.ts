/**
 * One Idempotency-Key per withdrawal the trader means to make. It is kept while the outcome is
 * uncertain — a 503, or a result that is not about this form — because the same request may
 * already be recorded, and the server finishes it: sending it again under the same key returns
 * that withdrawal instead of holding the money twice. It is replaced once the server has
 * answered for sure (success, or a definite refusal), so a second, different withdrawal never
 * reuses it (the server would answer idempotency_conflict).
 */
export type WithdrawResult = { intent?: string; error?: { code: string } } | undefined;

const UNCERTAIN = new Set(["service_unavailable"]);

export function keyAfter(result: WithdrawResult): "keep" | "renew" {
  if (result?.intent !== "withdraw") return "keep";
  if (result.error && UNCERTAIN.has(result.error.code)) return "keep";
  return "renew";
}
