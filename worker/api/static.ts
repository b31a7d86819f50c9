import { ApiError } from "../errors.ts";
import { defineRoutes } from "../routes.ts";

/**
 * Files from app/public that live outside /assets/ (which Workers assets serves before the
 * Worker). They pass the Worker like every other request, as route class `static`.
 */
const PUBLIC_FILES = ["/favicon.svg", "/robots.txt"] as const;

export const staticRoutes = defineRoutes(
  PUBLIC_FILES.map((path) => ({
    method: "GET" as const,
    path,
    routeClass: "static" as const,
    handler: async (c) => {
      if (!c.env.ASSETS) throw new ApiError(404, "not_found", "Not found.");
      return c.env.ASSETS.fetch(c.req.raw);
    },
  })),
);
