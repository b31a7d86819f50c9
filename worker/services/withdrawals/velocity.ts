/**
 * Withdrawal velocity windows, exact per user: the check and the reservation happen in one
 * call inside the user's Durable Object, so two withdrawals racing from two isolates can
 * never both squeeze under a limit. A reservation is dropped again when its withdrawal is
 * rejected, cancelled or fails (money that never left does not count).
 */
export interface VelocityLimits {
  /** Per asset, in the asset's minor units. */
  perAsset24hMinor: Record<string, string>;
  count24h: number;
  count30d: number;
  gbp24hMinor: string;
  gbp30dMinor: string;
}

export interface VelocityRequest {
  withdrawalId: string;
  asset: string;
  amountMinor: bigint;
  gbpMinor: bigint;
  nowMs: number;
  limits: VelocityLimits;
}

export type VelocityDecision = { ok: true } | { ok: false; limit: string };

interface Reservation {
  id: string;
  asset: string;
  amountMinor: string;
  gbpMinor: string;
  atMs: number;
}

const KEY = "withdrawal-velocity";
const DAY_MS = 24 * 60 * 60_000;
const WINDOW_30D_MS = 30 * DAY_MS;
const MAX_RESERVATIONS = 10_000;

export async function reserveVelocity(
  storage: DurableObjectStorage,
  request: VelocityRequest,
): Promise<VelocityDecision> {
  const all = ((await storage.get<Reservation[]>(KEY)) ?? []).filter(
    (item) => item.atMs > request.nowMs - WINDOW_30D_MS,
  );
  if (all.some((item) => item.id === request.withdrawalId)) return { ok: true }; // a retry: already counted
  const day = all.filter((item) => item.atMs > request.nowMs - DAY_MS);
  const sum = (items: Reservation[], pick: (item: Reservation) => string) =>
    items.reduce((total, item) => total + BigInt(pick(item)), 0n);
  const assetDay = sum(
    day.filter((item) => item.asset === request.asset),
    (item) => item.amountMinor,
  );
  const assetCap = request.limits.perAsset24hMinor[request.asset];
  if (assetCap !== undefined && assetDay + request.amountMinor > BigInt(assetCap))
    return { ok: false, limit: `${request.asset} per 24 h` };
  if (day.length + 1 > request.limits.count24h) return { ok: false, limit: "withdrawals per 24 h" };
  if (all.length + 1 > request.limits.count30d) return { ok: false, limit: "withdrawals per 30 days" };
  if (sum(day, (item) => item.gbpMinor) + request.gbpMinor > BigInt(request.limits.gbp24hMinor)) {
    return { ok: false, limit: "GBP-equivalent per 24 h" };
  }
  if (sum(all, (item) => item.gbpMinor) + request.gbpMinor > BigInt(request.limits.gbp30dMinor)) {
    return { ok: false, limit: "GBP-equivalent per 30 days" };
  }
  all.push({
    id: request.withdrawalId,
    asset: request.asset,
    amountMinor: request.amountMinor.toString(),
    gbpMinor: request.gbpMinor.toString(),
    atMs: request.nowMs,
  });
  await storage.put(KEY, all.slice(-MAX_RESERVATIONS));
  return { ok: true };
}

export async function releaseVelocity(storage: DurableObjectStorage, withdrawalId: string): Promise<void> {
  const all = (await storage.get<Reservation[]>(KEY)) ?? [];
  const kept = all.filter((item) => item.id !== withdrawalId);
  if (kept.length !== all.length) await storage.put(KEY, kept);
}
