import { Form } from "@remix-run/react";
import { type Column, DataTable } from "../data-table.tsx";
import { DateTime } from "../date-time.tsx";
import type { SessionRow } from "./types.ts";

const COLUMNS: Column<SessionRow>[] = [
  {
    id: "device",
    header: "Device",
    cell: (row) => <span title={row.userAgent || undefined}>{row.device}</span>,
  },
  { id: "ip", header: "IP address", cell: (row) => row.ipAddress },
  { id: "seen", header: "Last seen", cell: (row) => <DateTime value={row.lastSeenAt} /> },
  {
    id: "action",
    numeric: true,
    cell: (row) =>
      row.current ? (
        <span className="badge">This device</span>
      ) : (
        <Form method="post">
          <input type="hidden" name="intent" value="revoke" />
          <input type="hidden" name="sessionId" value={row.id} />
          <button className="link-button" type="submit">
            Log out
          </button>
        </Form>
      ),
  },
];

/** Where the account is signed in; any other session can be signed out from here. */
export function SessionsPanel({ sessions, busy }: { sessions: SessionRow[]; busy: boolean }) {
  return (
    <article className="panel">
      <div className="panel-header">
        <h2>Devices and sessions</h2>
        <Form method="post">
          <input type="hidden" name="intent" value="revoke-others" />
          <button className="button button-secondary" type="submit" disabled={busy || sessions.length < 2}>
            Log out other sessions
          </button>
        </Form>
      </div>
      <DataTable testId="sessions-table" columns={COLUMNS} rows={sessions} rowKey={(row) => row.id} />
    </article>
  );
}
