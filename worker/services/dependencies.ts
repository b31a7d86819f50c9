/**
 * Recognises "a dependency is down or too slow" among errors, wherever they come from: the
 * libSQL client (fetch failures, timeouts, 5xx), or a Durable Object RPC that failed for the
 * same reason (RPC keeps only name and message, hence the message patterns).
 */
const UNAVAILABLE_MESSAGE =
  /fetch failed|network connection lost|connection refused|econnrefused|econnreset|socket hang up|timed? ?out|aborted due to timeout|server returned http status 5\d\d|service_unavailable|durable object reset|broken\.outputgateBroken|internal error; reference/i;

export function isDependencyUnavailable(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const { name, code, message } = error as { name?: string; code?: string; message?: string };
  if (name === "TimeoutError" || name === "AbortError") return true;
  if (code === "SERVER_ERROR" || code === "HRANA_WEBSOCKET_ERROR") return true;
  if (typeof message === "string" && UNAVAILABLE_MESSAGE.test(message)) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isDependencyUnavailable(cause);
}
