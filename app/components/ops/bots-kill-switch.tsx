import { Form, useNavigation } from "@remix-run/react";
import type { KILL_BOTS_INTENT } from "../../routes/ops.server.ts";
import { FormError } from "../form.tsx";

const KILL_BOTS: typeof KILL_BOTS_INTENT = "kill-live-bots";

/** Stops every LIVE bot of every user (their orders cancelled, allocations returned), audited. */
export function BotsKillSwitch({
  result,
}: {
  result: { stopped?: number; error?: { code: string; message: string } } | undefined;
}) {
  const navigation = useNavigation();
  const busy = navigation.state !== "idle" && navigation.formData?.get("intent") === KILL_BOTS;
  return (
    <article className="panel" data-testid="ops-bots-kill-switch">
      <h2>LIVE bots</h2>
      <p className="muted">
        Stops every LIVE bot of every user: their open orders are cancelled and what their allocations hold is
        returned. The reason goes to the audit log.
      </p>
      {result?.stopped !== undefined ? (
        <p className="status status-positive" role="status">
          {result.stopped === 1 ? "1 LIVE bot stopped." : `${result.stopped} LIVE bots stopped.`}
        </p>
      ) : null}
      <FormError error={result?.error} />
      <Form method="post" className="form inline-form">
        <input type="hidden" name="intent" value={KILL_BOTS} />
        <label className="field">
          <span>Reason</span>
          <input name="reason" required maxLength={300} autoComplete="off" />
        </label>
        <button className="button button-danger" type="submit" disabled={busy}>
          {busy ? "Stopping…" : "Stop every LIVE bot"}
        </button>
      </Form>
    </article>
  );
}
