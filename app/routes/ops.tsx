import type { LinksFunction, MetaFunction } from "@remix-run/cloudflare";
import { useActionData, useLoaderData } from "@remix-run/react";
import { DataTable } from "../components/data-table.tsx";
import { DateTime } from "../components/date-time.tsx";
import { formatCount } from "../components/money.tsx";
import { BotsKillSwitch } from "../components/ops/bots-kill-switch.tsx";
import { CREDIT_DEPOSIT_INTENT, DepositCredit } from "../components/ops/deposit-credit.tsx";
import { ReconciliationPanel } from "../components/ops/reconciliation-panel.tsx";
import type { OpsPageData } from "../components/ops/types.ts";
import { WithdrawalQueue } from "../components/ops/withdrawal-queue.tsx";
import formStyles from "../styles/forms.css?url";
import type { action, loader } from "./ops.server.ts";

export { action, loader } from "./ops.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }];

export const meta: MetaFunction = () => [{ title: "Operations · CoinHubX" }];

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

type ReadinessChecks = OpsPageData["readiness"]["checks"];
type ReadinessCheck = [name: string, check: ReadinessChecks[keyof ReadinessChecks]];

export default function Ops() {
  const { readiness, figures, wafBlocks, reconciliation, audit, pendingWithdrawals, depositKey } =
    useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const reconcileResult = result && "intent" in result && result.intent === "reconcile" ? result : undefined;
  const killResult = result && "intent" in result && result.intent === "kill-live-bots" ? result : undefined;
  const withdrawalResult = result && !("intent" in result) ? result : undefined;
  const depositResult =
    result && "intent" in result && result.intent === CREDIT_DEPOSIT_INTENT ? result : undefined;
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
        <DataTable<ReadinessCheck>
          label="Readiness checks"
          rows={Object.entries(readiness.checks)}
          rowKey={([name]) => name}
          columns={[
            { id: "name", cell: ([name]) => name },
            {
              id: "state",
              cell: ([, check]) => (
                <span className={check.ok ? "status-positive" : "status-warning"}>
                  {check.ok ? "ok" : "failing"}
                </span>
              ),
            },
            { id: "latency", numeric: true, cell: ([, check]) => `${formatCount(check.latencyMs)} ms` },
            { id: "detail", className: "muted", cell: ([, check]) => check.detail ?? "" },
          ]}
        />
      </article>

      <article className="panel">
        <h2>Key figures</h2>
        <div className="figures">
          {Object.entries(figures).map(([name, value]) => (
            <div className="figure" key={name}>
              <span className="figure-label">{FIGURE_LABELS[name] ?? name}</span>
              <span className="figure-value numeric">{formatCount(value)}</span>
            </div>
          ))}
        </div>
      </article>

      <ReconciliationPanel
        reconciliation={reconciliation}
        error={reconcileResult && "error" in reconcileResult ? reconcileResult.error : undefined}
      />

      <BotsKillSwitch
        result={
          killResult
            ? {
                ...("stopped" in killResult ? { stopped: killResult.stopped } : {}),
                ...("error" in killResult ? { error: killResult.error } : {}),
              }
            : undefined
        }
      />

      <DepositCredit
        depositKey={depositKey}
        result={depositResult as Parameters<typeof DepositCredit>[0]["result"]}
      />

      <WithdrawalQueue
        withdrawals={pendingWithdrawals}
        error={withdrawalResult && "error" in withdrawalResult ? withdrawalResult.error : undefined}
      />

      <article className="panel">
        <h2>WAF blocks</h2>
        <DataTable
          label="Blocked requests by rule"
          rows={wafBlocks}
          rowKey={(block) => JSON.stringify(block.labels)}
          empty="No requests blocked since the metrics store was created."
          columns={[
            {
              id: "labels",
              cell: (block) =>
                Object.entries(block.labels)
                  .map(([key, value]) => `${key}=${value}`)
                  .join(" "),
            },
            { id: "count", numeric: true, cell: (block) => block.count },
          ]}
        />
      </article>

      <article className="panel">
        <h2>Recent audit events</h2>
        <DataTable
          rows={audit}
          rowKey={(row) => String(row.sequence)}
          rowProps={(row) => ({ className: row.outcome === "failure" ? "row-warning" : undefined })}
          columns={[
            { id: "sequence", header: "#", numeric: true, cell: (row) => row.sequence },
            { id: "at", header: "When", cell: (row) => <DateTime value={row.at} /> },
            { id: "event", header: "Event", cell: (row) => row.event },
            { id: "actor", header: "Actor", cell: (row) => row.actor },
            { id: "outcome", header: "Outcome", cell: (row) => row.outcome },
          ]}
        />
      </article>
    </section>
  );
}
