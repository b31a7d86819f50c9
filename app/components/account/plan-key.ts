import { useEffect, useState } from "react";
import type { PlanName } from "./types.ts";

/**
 * One Idempotency-Key per plan the trader may choose, as the Withdraw page keeps its key
 * (withdraw/withdrawal-key.ts): kept while the outcome is uncertain (a 503: the change may be
 * recorded and the server finishes it, so the same key returns that change instead of charging
 * twice), replaced once the server has answered for sure, so a later, different change never
 * reuses it. A key per plan, not one for the page: after an uncertain upgrade to Pro, choosing
 * Elite is a different request and must not collide with the Pro one (idempotency_conflict).
 */
export type PlanResult = { intent?: string; plan?: string; error?: { code: string } } | undefined;

const UNCERTAIN = new Set(["service_unavailable"]);

export function planKeyAfter(result: PlanResult): "keep" | "renew" {
  if (result?.intent !== "change-plan") return "keep";
  if (result.error && UNCERTAIN.has(result.error.code)) return "keep";
  return "renew";
}

export function usePlanKeys(initial: Record<PlanName, string>, result: PlanResult): Record<PlanName, string> {
  const [keys, setKeys] = useState(initial);
  useEffect(() => {
    const plan = result?.plan;
    if (planKeyAfter(result) !== "renew" || !plan) return;
    setKeys((current) => (plan in current ? { ...current, [plan]: crypto.randomUUID() } : current));
  }, [result]);
  return keys;
}
