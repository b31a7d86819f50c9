import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The one error type routes and services throw. `onError` turns it into the API's error
 * shape; anything else becomes a 500 that says nothing about the internals.
 */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly fields: Record<string, string> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    extra?: { fields?: Record<string, string>; headers?: Record<string, string> },
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = extra?.fields;
    this.headers = extra?.headers;
  }
}

export function errorBody(error: ApiError, requestId: string) {
  return {
    error: {
      code: error.code,
      message: error.message,
      requestId,
      ...(error.fields ? { fields: error.fields } : {}),
    },
  };
}

/** Database unreachable or too slow: an operator problem, not the client's. */
export class DependencyUnavailableError extends ApiError {
  constructor(dependency: string, cause?: unknown) {
    super(
      503,
      "service_unavailable",
      `The service is temporarily unavailable (${dependency}). Try again shortly.`,
    );
    this.cause = cause;
  }
}
