import { Form, useNavigation } from "@remix-run/react";
import type { RECONCILE_INTENT } from "../../routes/ops.server.ts";
import { DataTable } from "../data-table.tsx";
import { DateTime } from "../date-time.tsx";
import { FormError } from "../form.tsx";
import { formatCount } from "../money.tsx";
import type { Reconciliation } from "./types.ts";

/** The intent the page's action runs a reconciliation for; a value here, not an import of server code. */
const RECONCILE: typeof RECONCILE_INTENT = "reconcile";

type Check = NonNullable<Reconciliation["report"]>["checks"][number];

/** The newest stored reconciliation report, the schedule, and the button that runs one now. */
export function ReconciliationPanel({
  reconciliation,
  error,
}: {
  reconciliation: Reconciliation;
  error: { code: string; message: string } | undefined;
}) {
  const navigation = useNavigation();
  const running = navigation.state !== "idle" && navigation.formData?.get("intent") === RECONCILE;
  const { report } = reconciliation;
  return (
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
            Last run <DateTime value={report.ranAt} /> by <code>{report.trigger}</code>, took{" "}
            <span className="numeric">{`${formatCount(report.durationMs)} ms`}</span>.
          </p>
          <DataTable<Check>
            label="Reconciliation checks"
            rows={report.checks}
            rowKey={(check) => check.name}
            columns={[
              { id: "name", cell: (check) => check.name },
              {
                id: "result",
                cell: (check) => (
                  <span className={check.ok ? "status-positive" : "status-warning"}>
                    {check.ok ? "ok" : "failed"}
                  </span>
                ),
              },
              { id: "detail", className: "muted", cell: (check) => check.detail },
            ]}
          />
        </>
      )}
      {reconciliation.nextRunAt ? (
        <p className="muted">
          Runs every {reconciliation.intervalMinutes} minutes; next scheduled run{" "}
          <DateTime value={reconciliation.nextRunAt} />.
        </p>
      ) : null}
      <FormError error={error} />
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
  );
}
