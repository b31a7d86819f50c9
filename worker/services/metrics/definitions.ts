/**
 * Every metric the platform exports, in one place: name, type, help and (histograms) bucket
 * bounds. Recording an undeclared metric throws in tests, so the list stays the truth.
 */
type MetricType = "counter" | "histogram" | "gauge";

export interface MetricDefinition {
  type: MetricType;
  help: string;
  /** Upper bounds, ascending; +Inf is implicit. */
  buckets?: readonly number[];
}

const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export const METRICS = {
  chx_http_requests_total: {
    type: "counter",
    help: "HTTP requests handled by the Worker, by route class, route pattern, method and status.",
  },
  chx_http_request_duration_seconds: {
    type: "histogram",
    help: "Time from request to response in the Worker, by route class and route pattern.",
    buckets: LATENCY_BUCKETS_SECONDS,
  },
  chx_waf_blocks_total: {
    type: "counter",
    help: "Requests blocked (or flagged in monitor mode) by the WAF.",
  },
  chx_rate_limited_total: { type: "counter", help: "Requests refused by a rate limit, by route class." },
  chx_ledger_movements_total: { type: "counter", help: "Ledger movements committed, by type and book." },
  chx_ledger_failures_total: { type: "counter", help: "Ledger movements refused or failed, by reason." },
  chx_flow_halted_total: {
    type: "counter",
    help: "Orders and withdrawals halted because a step broke an invariant (never retried), by flow.",
  },
  chx_plan_changes_total: {
    type: "counter",
    help: "Bot plan changes carried out, by kind (upgrade, downgrade, renewal, cancel_downgrade) and outcome (done, refused, retry).",
  },
  chx_referral_rewards_total: {
    type: "counter",
    help: "Referral rewards paid into referrers' ledgers, or left for a retry, by book and outcome.",
  },
  chx_reconciliation_ok: {
    type: "gauge",
    help: "1 when the last reconciliation passed every check, else 0.",
  },
  chx_reconcile_runs_total: {
    type: "counter",
    help: "Reconciliation reports run and stored, by source (schedule, operator, api) and ok.",
  },
  chx_reconciliation_last_run_timestamp_seconds: {
    type: "gauge",
    help: "Unix time of the last reconciliation run.",
  },
  chx_bots: { type: "gauge", help: "Bots by mode and status (running, paused, error), measured at scrape." },
  chx_bot_ticks_total: { type: "counter", help: "Bot alarm ticks processed, by bot type and outcome." },
  chx_bot_tick_lateness_seconds: {
    type: "histogram",
    help: "How late a bot tick ran against its schedule.",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  },
  chx_exchange_calls_total: {
    type: "counter",
    help: "Calls to an exchange API, by venue, endpoint and status.",
  },
  chx_exchange_errors_total: { type: "counter", help: "Failed exchange calls, by venue and reason." },
  chx_exchange_weight_used: { type: "gauge", help: "Last request weight an exchange reported as used." },
  chx_valuation_fallbacks_total: {
    type: "counter",
    help: "GBP valuation snapshots that priced an asset without a fresh market price, by asset and price (last_good, reference).",
  },
  chx_active_sessions: { type: "gauge", help: "Sessions neither revoked nor expired." },
  chx_database_up: { type: "gauge", help: "1 when the database answered the scrape's round trip." },
  chx_errors_total: { type: "counter", help: "Unhandled errors, by where they happened." },
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;
export type Labels = Record<string, string>;
