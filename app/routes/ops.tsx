import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { FormError } from "../components/form.tsx";
import { Money } from "../components/money.tsx";
import { opsAction, opsLoader, type RECONCILE_INTENT, type WITHDRAWAL_ACTIONS } from "./ops.server.ts";

// Server code lives beside the page (ops.server.ts). Thin wrappers rather than a re-export:
// Remix's Vite plugin strips `loader`/`action` from the client bundle only when they are
// declared here, and refuses a re-exported `.server` module ("Server-only module referenced
// by client").
export const loader = (args: LoaderFunctionArgs) => opsLoader(args);
export const action = (args: ActionFunctionArgs) => opsAction(args);

export const meta: MetaFunction = () => [{ title: "Operations · CoinHubX" }];

const RECONCILE: typeof RECONCILE_INTENT = "reconcile";

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
  const navigation = useNavigation();
  const running = navigation.state !== "idle" && navigation.formData?.get("intent") === RECONCILE;
  const report = reconciliation.report;
  const reconcileResult = result && "intent" in result ? result : undefined;
  const withdrawalResult = result && !("intent" in result) ? result : undefined;
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
          {report === null ? null : report.ok ? (
            <span className="status-positive">· all checks pass</span>
          ) : (
            <span className="status-warning">· MISMATCH</span>
          )}
        </h2>
        {report === null ? (
          <p className="muted">No reconciliation has run yet.</p>
        ) : (
          <>
            <p className="muted">
              Last run {report.ranAt.replace("T", " ").slice(0, 19)} UTC by <code>{report.trigger}</code>,
              took <span className="numeric">{`${report.durationMs.toLocaleString("en-GB")} ms`}</span>.
            </p>
            <table className="table">
              <tbody>
                {report.checks.map((check) => (
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
          </>
        )}
        {reconciliation.nextRunAt ? (
          <p className="muted">
            Runs every {reconciliation.intervalMinutes} minutes; next scheduled run{" "}
            {reconciliation.nextRunAt.replace("T", " ").slice(0, 19)} UTC.
          </p>
        ) : null}
        <FormError
          error={reconcileResult && "error" in reconcileResult ? reconcileResult.error : undefined}
        />
        <Form method="post" className="inline-actions">
          <button
            className="button button-secondary button-small"
            name="intent"
            value={RECONCILE}
            type="submit"
            disabled={running}
          >
            {running ? "Running…" : "Run reconciliation now"}
          </button>
        </Form>
      </article>

      <article className="panel" data-testid="ops-withdrawals">
        <h2>Pending withdrawals</h2>
        <FormError
          error={withdrawalResult && "error" in withdrawalResult ? withdrawalResult.error : undefined}
        />
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
