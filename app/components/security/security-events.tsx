import { type Column, DataTable } from "../data-table.tsx";
import { DateTime } from "../date-time.tsx";
import type { SecurityEvent } from "./types.ts";

/** The audit log's event names, as the account's owner reads them. */
const EVENT_LABELS: Record<string, string> = {
  "account.signup": "Account created",
  "login.succeeded": "Signed in",
  "login.failed": "Failed sign-in",
  "two_factor.enabled": "Two-factor turned on",
  "two_factor.disabled": "Two-factor turned off",
  "two_factor.recovery_code_used": "Recovery code used",
  "session.revoked": "Session signed out",
  "session.revoked_others": "Other sessions signed out",
  "password.changed": "Password changed",
  "step_up.failed": "Wrong verification code",
};

const COLUMNS: Column<SecurityEvent>[] = [
  { id: "when", header: "When", cell: (event) => <DateTime value={event.at} /> },
  { id: "event", header: "Event", cell: (event) => EVENT_LABELS[event.event] ?? event.event },
  { id: "ip", header: "IP address", cell: (event) => event.ipAddress ?? "" },
];

export function SecurityEvents({ events }: { events: SecurityEvent[] }) {
  return (
    <article className="panel">
      <h2>Recent security events</h2>
      <DataTable
        testId="security-events"
        columns={COLUMNS}
        rows={events}
        rowKey={(event) => `${event.at}-${event.event}`}
        rowProps={(event) => ({ className: event.outcome === "failure" ? "row-warning" : undefined })}
      />
    </article>
  );
}
