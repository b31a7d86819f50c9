import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { listRecentAudit } from "../../worker/services/audit/recent.ts";
import { checkReadiness } from "../../worker/services/health.ts";
import { collectMetrics } from "../../worker/services/metrics/scrape.ts";
import { runReconciliation } from "../../worker/services/ops/reconciliation.ts";
import { listWithdrawalsByStatus, transitionWithdrawal } from "../../worker/services/withdrawals/service.ts";
import { FormError } from "../components/form.tsx";
import { Money } from "../components/money.tsx";
import { withDependencies } from "../utils/dependencies.server.ts";
import { auditContext, requirePageAuth, toActionFailure } from "../utils/session.server.ts";

export const meta: MetaFunction = () => [{ title: "Operations · CoinHubX" }];

function sum(
  series: { name: string; labels: Record<string, string>; value: number }[],
  name: string,
  filter = (_: Record<string, string>) => true,
) {
  return series
    .filter((entry) => entry.name === name && filter(entry.labels))
    .reduce((total, entry) => total + entry.value, 0);
}

async function requireOperatorPage(request: Request, context: LoaderFunctionArgs["context"]) {
  const { user } = await withDependencies(() => requirePageAuth(context, request));
  // Operators only; everyone else sees the same 404 as for any unknown page.
  if (user.role !== "operator") throw data(null, { status: 404, statusText: "Not Found" });
  return user;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireOperatorPage(request, context);
  const services = context.services;
  const [readiness, series, reconciliation, audit, pendingWithdrawals] = await Promise.all([
    checkReadiness(services),
    collectMetrics(services),
    withDependencies(() => runReconciliation(services)),
    withDependencies(() => listRecentAudit(services.client, 25)),
    withDependencies(() => listWithdrawalsByStatus(services, ["held", "approved", "processing"])),
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
    reconciliation,
    audit,
  };
}

const WITHDRAWAL_ACTIONS = ["approve", "reject", "process", "complete", "fail"] as const;

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireOperatorPage(request, context);
  const form = await request.formData();
  const transition = String(form.get("transition") ?? "");
  if (!(WITHDRAWAL_ACTIONS as readonly string[]).includes(transition)) {
    return { error: { code: "invalid_request", message: "Unknown action." } };
  }
  const reference = String(form.get("transactionReference") ?? "").trim();
  try {
    const withdrawal = await transitionWithdrawal(
      context.services,
      String(form.get("withdrawalId") ?? ""),
      transition as (typeof WITHDRAWAL_ACTIONS)[number],
      { actor: `operator:${user.id}`, ...(reference ? { transactionReference: reference } : {}) },
      auditContext(context),
    );
    return { done: withdrawal };
  } catch (error) {
    return toActionFailure(error);
  }
}

const NEXT_ACTIONS: Record<string, readonly (typeof WITHDRAWAL_ACTIONS)[number][]> = {
  held: ["approve", "reject"],
  approved: ["process", "reject"],
  processing: ["complete", "fail"],
};

const FIGURE_LABELS: Record<string, string> = {
  requests: "Requests",
  serverErrors: "5xx responses",
  clientErrors: "4xx responses",
  wafBlocks: "WAF blocks",
  rateLimited: "Rate-limited",
  ledgerMovements: "Ledger movements",
  activeSessions: "Active sessions",
  unhandledErrors: "Unhandled errors",
};

export default function Ops() {
  const { readiness, figures, wafBlocks, reconciliation, audit, pendingWithdrawals } =
    useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <section className="stack">
      <header className="page-header">
        <h1>Operations</h1>
        <p className="muted">Platform totals since the metrics store was created. Refresh to update.</p>
      </header>

      <article className="panel" data-testid="ops-health">
        <h2>
          Health{" "}
          {readiness.ok ? (
            <span className="status-positive">· ready</span>
          ) : (
            <span className="status-warning">· not ready</span>
          )}
        </h2>
        <table className="table">
          <tbody>
            {Object.entries(readiness.checks).map(([name, check]) => (
              <tr key={name}>
                <td>{name}</td>
                <td className={check.ok ? "status-positive" : "status-warning"}>
                  {check.ok ? "ok" : "failing"}
                </td>
                <td className="numeric">{check.latencyMs} ms</td>
                <td className="muted">{check.detail ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </article>

      <article className="panel">
        <h2>Key figures</h2>
        <div className="figures">
          {Object.entries(figures).map(([name, value]) => (
            <div className="figure" key={name}>
              <span className="figure-label">{FIGURE_LABELS[name] ?? name}</span>
              <span className="figure-value numeric">{value.toLocaleString("en-GB")}</span>
            </div>
          ))}
        </div>
      </article>

      <article className="panel" data-testid="ops-reconciliation">
        <h2>
          Reconciliation{" "}
          {reconciliation.ok ? (
            <span className="status-positive">· all checks pass</span>
          ) : (
            <span className="status-warning">· MISMATCH</span>
          )}
        </h2>
        <table className="table">
          <tbody>
            {reconciliation.checks.map((check) => (
              <tr key={check.name}>
                <td>{check.name}</td>
                <td className={check.ok ? "status-positive" : "status-warning"}>
                  {check.ok ? "ok" : "failed"}
                </td>
                <td className="muted">{check.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </article>

      <article className="panel" data-testid="ops-withdrawals">
        <h2>Pending withdrawals</h2>
        <FormError error={result && "error" in result ? result.error : undefined} />
        {pendingWithdrawals.length === 0 ? (
          <p className="muted">No withdrawal waits for an operator.</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Requested (UTC)</th>
                <th scope="col">Amount</th>
                <th scope="col">To</th>
                <th scope="col">Status</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {pendingWithdrawals.map((withdrawal) => (
                <tr key={withdrawal.id}>
                  <td>{withdrawal.createdAt.replace("T", " ").slice(0, 19)}</td>
                  <td className="numeric">
                    <Money value={withdrawal.amount} unit={withdrawal.asset} />
                  </td>
                  <td>
                    <code>…{withdrawal.address.slice(-10)}</code>
                  </td>
                  <td>{withdrawal.status}</td>
                  <td>
                    <Form method="post" className="inline-actions">
                      <input type="hidden" name="withdrawalId" value={withdrawal.id} />
                      {withdrawal.status === "processing" ? (
                        <input
                          name="transactionReference"
                          placeholder="Transaction reference"
                          maxLength={200}
                        />
                      ) : null}
                      {(NEXT_ACTIONS[withdrawal.status] ?? []).map((transition) => (
                        <button
                          key={transition}
                          className="button button-secondary button-small"
                          name="transition"
                          value={transition}
                          type="submit"
                        >
                          {transition}
                        </button>
                      ))}
                    </Form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </article>

      <article className="panel">
        <h2>WAF blocks</h2>
        {wafBlocks.length === 0 ? (
          <p className="muted">No requests blocked since the metrics store was created.</p>
        ) : (
          <table className="table">
            <tbody>
              {wafBlocks.map((block) => (
                <tr key={JSON.stringify(block.labels)}>
                  <td>
                    {Object.entries(block.labels)
                      .map(([key, value]) => `${key}=${value}`)
                      .join(" ")}
                  </td>
                  <td className="numeric">{block.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </article>

      <article className="panel">
        <h2>Recent audit events</h2>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When (UTC)</th>
              <th scope="col">Event</th>
              <th scope="col">Actor</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {audit.map((row) => (
              <tr key={row.sequence} className={row.outcome === "failure" ? "row-warning" : undefined}>
                <td className="numeric">{row.sequence}</td>
                <td>{row.at.replace("T", " ").slice(0, 19)}</td>
                <td>{row.event}</td>
                <td>{row.actor}</td>
                <td>{row.outcome}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </article>
    </section>
  );
}
