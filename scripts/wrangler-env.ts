/**
 * The environment every `wrangler dev` we start runs with: `npm start`, the test stack, and the
 * benches' Workers. One place, so the three never drift apart.
 *
 * - `WRANGLER_SEND_METRICS=false`: no usage telemetry leaves the machine.
 * - `X_LOCAL_OBSERVABILITY=false` unless set: wrangler 4.124 turns local observability on by
 *   default. It tails every Worker and Durable Object invocation into a trace store (a SQLite
 *   Durable Object under the persistence folder) that writes and fsyncs for each one, and
 *   nothing here reads it: our logs, metrics and Sentry are the product's observability. It
 *   grew on disk with every request, and it was the largest cost a request paid locally: with
 *   it on, workerd spent ~20 % of its time blocked on disk writes, and the ledger object did
 *   ~830 movements/s instead of ~1,800 (README decision record 046). `X_LOCAL_OBSERVABILITY=true`
 *   turns it back on for someone who wants wrangler's local trace explorer.
 */
export function wranglerEnvironment(
  base: NodeJS.ProcessEnv = process.env,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    ...base,
    WRANGLER_SEND_METRICS: "false",
    X_LOCAL_OBSERVABILITY: base.X_LOCAL_OBSERVABILITY ?? "false",
    ...extra,
  };
}
