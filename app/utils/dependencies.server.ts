import { data } from "@remix-run/cloudflare";
import { isDependencyUnavailable } from "../../worker/services/dependencies.ts";

/**
 * Loaders and actions run their data access through this: an unreachable database becomes
 * a 503 that the shared error boundary shows as maintenance, not a 500.
 */
export async function withDependencies<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isDependencyUnavailable(error)) {
      throw data({ maintenance: true }, { status: 503, statusText: "Service Unavailable" });
    }
    throw error;
  }
}
