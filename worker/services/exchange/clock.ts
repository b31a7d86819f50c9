/**
 * The exchange's clock, as seen from here. A SIGNED request carries `timestamp`, and Binance
 * accepts it only if `timestamp < serverTime + 1000` and `serverTime - timestamp <= recvWindow`
 * (REST API docs, "Timing security"); a Worker's clock is close to true time, a laptop's or a
 * test's need not be. So we keep an offset: one `GET /api/v3/time`, with the server's answer
 * taken to be the time at the midpoint of the round trip.
 *
 * Synced on first use, again after `resyncAfterMs`, and at once when the exchange answers
 * -1021 (the caller then retries that request once).
 */

export const DEFAULT_RESYNC_AFTER_MS = 10 * 60_000;

export class ServerClock {
  private offsetMs = 0;
  private syncedAtMs: number | undefined;

  constructor(
    private readonly localNow: () => number,
    private readonly fetchServerTime: () => Promise<number>,
    private readonly resyncAfterMs: number = DEFAULT_RESYNC_AFTER_MS,
  ) {}

  /** Exchange time now (Unix ms), by the last sync. */
  now(): number {
    return Math.round(this.localNow() + this.offsetMs);
  }

  /** Exchange time minus local time, by the last sync. */
  get offset(): number {
    return this.offsetMs;
  }

  needsSync(): boolean {
    return this.syncedAtMs === undefined || this.localNow() - this.syncedAtMs >= this.resyncAfterMs;
  }

  async sync(): Promise<number> {
    const sentAt = this.localNow();
    const serverTime = await this.fetchServerTime();
    const receivedAt = this.localNow();
    this.offsetMs = serverTime - (sentAt + receivedAt) / 2;
    this.syncedAtMs = receivedAt;
    return serverTime;
  }

  async ensureSynced(): Promise<void> {
    if (this.needsSync()) await this.sync();
  }
}
