import type { Bindings } from "../../worker/env.ts";

export { UserLedger } from "../../durable-objects/user-ledger/user-ledger.ts";

/**
 * Runs inside workerd for `npm run bench:ledger-do`: one request starts `users` closed loops,
 * each calling its user's UserLedger object over RPC (`paperDeposit`, the same call the API's
 * deposit use case makes) `perUser` times with `inflight` calls outstanding, and answers with
 * every call's latency and outcome. No HTTP, WAF or session in front: the object, its engine
 * and its libSQL write are what is timed. Time inside workerd advances with I/O, which is what
 * every call here waits on.
 */
interface RunRequest {
  userIds: string[];
  perUser: number;
  inflight: number;
  /** Pence, as a decimal string (JSON has no bigint). */
  amountMinor: string;
  runId: string;
}

export default {
  async fetch(request: Request, env: Bindings): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === "/ping") return new Response("ok");
    if (path !== "/run" || request.method !== "POST") return new Response("not found", { status: 404 });
    const run = (await request.json()) as RunRequest;
    const latencies: number[] = [];
    const acceptedLatencies: number[] = [];
    // Where each accepted call's time went, from the engine's own timing (LedgerTiming).
    const timings: { writeMs: number[]; readMs: number[]; queueMs: number[]; groupSize: number[] } = {
      writeMs: [],
      readMs: [],
      queueMs: [],
      groupSize: [],
    };
    const accepted: Record<string, number> = {};
    const refusals: Record<string, number> = {};
    const started = Date.now();
    await Promise.all(
      run.userIds.flatMap((userId) => {
        const ledger = env.USER_LEDGER.get(env.USER_LEDGER.idFromName(userId));
        accepted[userId] = 0;
        let next = 0;
        return Array.from({ length: run.inflight }, async () => {
          while (next < run.perUser) {
            const index = next++;
            const begin = Date.now();
            const outcome = await ledger.paperDeposit({
              userId,
              idempotencyKey: `bench-do:${run.runId}:${userId}:${index}`,
              asset: "GBP",
              amountMinor: BigInt(run.amountMinor),
            });
            const latency = Date.now() - begin;
            latencies.push(latency);
            if (outcome.ok) {
              accepted[userId] = (accepted[userId] ?? 0) + 1;
              acceptedLatencies.push(latency);
              if (outcome.timing) {
                timings.writeMs.push(outcome.timing.writeMs);
                timings.readMs.push(outcome.timing.readMs);
                timings.queueMs.push(outcome.timing.queueMs);
                timings.groupSize.push(outcome.timing.groupSize);
              }
            } else refusals[outcome.error.code] = (refusals[outcome.error.code] ?? 0) + 1;
          }
        });
      }),
    );
    return Response.json({
      seconds: (Date.now() - started) / 1000,
      latencies,
      acceptedLatencies,
      accepted,
      refusals,
      timings,
    });
  },
};
