import { DependencyUnavailableError } from "../../errors.ts";

/**
 * One RPC to a Durable Object, retried with a fresh stub when the runtime marks the failure
 * retryable (the object was reset or moved: a stub that saw a disconnect stays broken). Safe
 * only because every call made through the object clients is idempotent. A retryable or
 * overloaded failure that remains is the dependency being unavailable (503).
 */
export async function callObject<T>(dependency: string, run: () => Promise<T>, attempts = 2): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await run();
    } catch (error) {
      lastError = error;
      if (isRetryable(error) && attempt < attempts) continue;
      if (isRetryable(error) || isOverloaded(error)) throw new DependencyUnavailableError(dependency, error);
      throw error;
    }
  }
  throw new DependencyUnavailableError(dependency, lastError);
}

export function isRetryable(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { retryable?: unknown }).retryable === true;
}

export function isOverloaded(error: unknown): boolean {
  return (
    typeof error === "object" && error !== null && (error as { overloaded?: unknown }).overloaded === true
  );
}
