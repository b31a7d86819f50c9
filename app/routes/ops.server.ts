import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { validate } from "../../worker/api/validation.ts";
import { listRecentAudit } from "../../worker/services/audit/recent.ts";
import { normaliseDepositReference } from "../../worker/services/deposits/reference.ts";
import { pageAmountOrThrow } from "../../worker/services/forms/amount-field.ts";
import { checkReadiness } from "../../worker/services/health.ts";
import { collectMetrics } from "../../worker/services/metrics/scrape.ts";
import { reconciler } from "../../worker/services/reconcile/client.ts";
import { runReconciliationForOperator } from "../../worker/services/reconcile/operator.ts";
import { latestReport, type StoredReport } from "../../worker/services/reconcile/reports.ts";
import { opsKillInput, opsKillSwitch } from "../../worker/use-cases/bots.ts";
import { type Caller, operator, signedIn } from "../../worker/use-cases/caller.ts";
import { opsDeposit, opsDepositInput } from "../../worker/use-cases/wallets.ts";
import { operateWithdrawal, withdrawalsForReview } from "../../worker/use-cases/withdrawals.ts";
import { withDependencies } from "../utils/dependencies.server.ts";
import { auditContext, pageCaller, toActionFailure } from "../utils/session.server.ts";

/**
 * The Ops page's server side. A view reads: readiness, metrics, the newest STORED
 * reconciliation report, recent audit rows and the withdrawals waiting for an operator. It
 * never reconciles (that walks the whole journal and the audit chain); it only makes sure the
 * Reconciler's schedule is armed, which is one cheap call. The button runs one on demand.
 */

function sum(
  series: { name: string; labels: Record<string, string>; value: number }[],
  name: string,
  filter = (_: Record<string, string>) => true,
) {
  return series
    .filter((entry) => entry.name === name && filter(entry.labels))
    .reduce((total, entry) => total + entry.value, 0);
}

/** Operators only (the use-case layer decides); everyone else sees the 404 of any unknown page. */
async function requireOperatorPage(
  request: Request,
  context: LoaderFunctionArgs["context"],
): Promise<Caller> {
  const caller = await withDependencies(() => pageCaller(context, request));
  try {
    operator(caller);
  } catch {
    throw data(null, { status: 404, statusText: "Not Found" });
  }
  return caller;
}

function reportView(report: StoredReport | null) {
  if (!report) return null;
  return {
    ok: report.ok,
    checks: report.checks,
    trigger: report.trigger,
    ranAt: new Date(report.createdAtMs).toISOString(),
    durationMs: report.durationMs,
  };
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const caller = await requireOperatorPage(request, context);
  const services = context.services;
  const [readiness, series, report, nextRunAtMs, audit, pendingWithdrawals] = await Promise.all([
    checkReadiness(services),
    collectMetrics(services),
    withDependencies(() => latestReport(services.db)),
    // The page still renders when the schedule cannot be armed; readiness shows why.
    reconciler(services.env)
      .ensureScheduled()
      .catch((error: unknown) => {
        services.logger.warn("could not arm the reconciliation schedule", { error });
        return null;
      }),
    withDependencies(() => listRecentAudit(services.client, 25)),
    withDependencies(() => withdrawalsForReview(caller, {})),
  ]);
  return {
    pendingWithdrawals,
    readiness,
    figures: {
      requests: sum(series, "chx_http_requests_total"),
      serverErrors: sum(series, "chx_http_requests_total", (labels) => (labels.status ?? "").startsWith("5")),
      clientErrors: sum(series, "chx_http_requests_total", (labels) => (labels.status ?? "").startsWith("4")),
      wafBlocks: sum(series, "chx_waf_blocks_total"),
      rateLimited: sum(series, "chx_rate_limited_total"),
      ledgerMovements: sum(series, "chx_ledger_movements_total"),
      activeSessions: sum(series, "chx_active_sessions"),
      unhandledErrors: sum(series, "chx_errors_total"),
    },
    wafBlocks: series
      .filter((entry) => entry.name === "chx_waf_blocks_total")
      .map((entry) => ({ labels: entry.labels, count: entry.value })),
    reconciliation: {
      report: reportView(report),
      nextRunAt: nextRunAtMs === null ? null : new Date(nextRunAtMs).toISOString(),
      intervalMinutes: Math.round(services.config.RECONCILE_INTERVAL_MS / 60_000),
    },
    audit,
    /** The deposit form's Idempotency-Key; the form renews it after a definite answer. */
    depositKey: crypto.randomUUID(),
  };
}

export const WITHDRAWAL_ACTIONS = ["approve", "reject", "process", "complete", "fail"] as const;
export const RECONCILE_INTENT = "reconcile";
export const KILL_BOTS_INTENT = "kill-live-bots";
export const CREDIT_DEPOSIT_INTENT = "credit-deposit";
const PAGE_KEY = /^[A-Za-z0-9-]{8,64}$/;

export async function action({ request, context }: ActionFunctionArgs) {
  const caller = await requireOperatorPage(request, context);
  const form = await request.formData();
  if (form.get("intent") === RECONCILE_INTENT) {
    try {
      const report = await runReconciliationForOperator(
        context.services,
        signedIn(caller).id,
        auditContext(context),
      );
      return { intent: RECONCILE_INTENT, reportId: report.id };
    } catch (error) {
      return { intent: RECONCILE_INTENT, ...toActionFailure(error) };
    }
  }
  if (form.get("intent") === KILL_BOTS_INTENT) {
    try {
      const input = validate(opsKillInput, { reason: form.get("reason") ?? "" });
      const { stopped } = await opsKillSwitch(caller, input);
      return { intent: KILL_BOTS_INTENT, stopped };
    } catch (error) {
      return { intent: KILL_BOTS_INTENT, ...toActionFailure(error) };
    }
  }
  if (form.get("intent") === CREDIT_DEPOSIT_INTENT) {
    return creditDeposit(caller, form);
  }
  const transition = String(form.get("transition") ?? "");
  if (!(WITHDRAWAL_ACTIONS as readonly string[]).includes(transition)) {
    return { error: { code: "invalid_request", message: "Unknown action." } };
  }
  const reference = String(form.get("transactionReference") ?? "").trim();
  try {
    const withdrawal = await operateWithdrawal(
      caller,
      String(form.get("withdrawalId") ?? ""),
      transition as (typeof WITHDRAWAL_ACTIONS)[number],
      reference ? { transactionReference: reference } : {},
    );
    return { done: withdrawal };
  } catch (error) {
    return toActionFailure(error);
  }
}

/** A bank transfer credited by the trader's reference, through the audited ops deposit use case. */
async function creditDeposit(caller: Caller, form: FormData) {
  const intent = CREDIT_DEPOSIT_INTENT;
  try {
    const key = String(form.get("idempotencyKey") ?? "");
    if (!PAGE_KEY.test(key)) {
      return { intent, error: { code: "invalid_request", message: "Reload the page and try again." } };
    }
    const depositReference = String(form.get("depositReference") ?? "").trim();
    const input = validate(opsDepositInput, {
      depositReference: depositReference === "" ? undefined : depositReference,
      asset: "GBP",
      amount: pageAmountOrThrow("GBP", form.get("amount")),
      reference: String(form.get("reference") ?? ""),
      idempotencyKey: `page:${key}`,
    });
    const { receipt } = await opsDeposit(caller, input);
    return {
      intent,
      credited: {
        amount: input.amount,
        asset: input.asset,
        depositReference: normaliseDepositReference(depositReference) ?? depositReference,
        entryId: receipt.entryId,
      },
    };
  } catch (error) {
    return { intent, ...toActionFailure(error) };
  }
}
