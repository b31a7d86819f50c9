import { ApiError } from "../errors.ts";
import { defineRoutes } from "../routes.ts";

export const opsRoutes = defineRoutes([
  {
    method: "POST",
    path: "/ops/sentry-test",
    routeClass: "ops",
    // Operators check the error pipeline end to end: this throws an unhandled error on purpose.
    handler: (c) => {
      if (!c.get("services").sentry) {
        throw new ApiError(409, "sentry_not_configured", "SENTRY_DSN is not set on this deployment.");
      }
      throw new Error("Sentry pipeline test raised by an operator");
    },
  },
]);
