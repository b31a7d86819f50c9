import type { Bindings } from "../../env.ts";
import { DependencyUnavailableError } from "../../errors.ts";
import { isDependencyUnavailable } from "../dependencies.ts";
import type { ReportTrigger, StoredReport } from "./reports.ts";

/**
 * The Worker's handle on the Reconciler Durable Object (one instance, "global"): the schedule
 * of reconciliation reports. A dependency that is down (the object, or the database behind a
 * run) becomes the usual 503.
 */
const RECONCILER_NAME = "global";

interface ReconcilerClient {
  /** Arms the schedule if no alarm is set; answers when the next run is due (Unix ms). */
  ensureScheduled(): Promise<number>;
  /** Runs every check now and stores the report. */
  runNow(trigger: ReportTrigger): Promise<StoredReport>;
}

export function reconciler(env: Pick<Bindings, "RECONCILER">): ReconcilerClient {
  const stub = () => env.RECONCILER.get(env.RECONCILER.idFromName(RECONCILER_NAME));
  const call = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (isDependencyUnavailable(error)) throw new DependencyUnavailableError("reconciler", error);
      throw error;
    }
  };
  return {
    ensureScheduled: () => call(() => stub().ensureScheduled()),
    runNow: (trigger) => call(async () => (await stub().runNow(trigger)) as StoredReport),
  };
}
