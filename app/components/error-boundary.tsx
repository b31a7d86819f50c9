import { isRouteErrorResponse, useRouteError } from "@remix-run/react";

/** The one error boundary: every route shows failures the same way, inside the shell. */
export function GeneralErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error)) {
    if (error.status === 404) {
      return (
        <section className="notice" data-testid="not-found">
          <h1>Page not found</h1>
          <p>The page you asked for does not exist. Check the address, or go back to the markets.</p>
          <a className="button" href="/">
            Go to markets
          </a>
        </section>
      );
    }
    if (error.status === 503) {
      return (
        <section className="notice" data-testid="maintenance">
          <h1>Temporarily unavailable</h1>
          <p>
            We are having trouble reaching part of the platform. Nothing has been lost; try again in a moment.
          </p>
        </section>
      );
    }
    return (
      <section className="notice" data-testid="error">
        <h1>
          {error.status} {error.statusText}
        </h1>
        <p>We could not complete that request. Try again in a moment.</p>
      </section>
    );
  }
  // Never render an exception's message or stack to the user: it may carry internals.
  return (
    <section className="notice" data-testid="error">
      <h1>Something went wrong</h1>
      <p>An unexpected error occurred on our side. It has been logged; please try again.</p>
    </section>
  );
}
