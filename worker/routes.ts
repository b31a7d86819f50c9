import type { Handler } from "hono";
import type { AppEnv } from "./app-env.ts";
import type { WafRouteOptions } from "./waf/types.ts";

/**
 * Every route declares its class where it is defined. The WAF, the rate limits and the auth
 * checks read the class; no path is special-cased anywhere.
 */
export const ROUTE_CLASSES = ["public", "authenticated", "ops", "static"] as const;
export type RouteClass = (typeof ROUTE_CLASSES)[number];

type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RouteDefinition {
  method: HttpMethod;
  /** Hono path pattern, relative to the mount point of its group. */
  path: string;
  routeClass: RouteClass;
  /**
   * Who may call it. Defaults by class: public/static -> anyone, authenticated -> session,
   * ops -> operator (OPS_TOKEN or an operator's session). Probes are ops routes anyone may read.
   */
  access?: "anyone" | "session" | "operator";
  /**
   * WAF settings: exclusions switch rule categories off for one named parameter that
   * legitimately carries attack-like text (a free-text label). There is no way to exclude a
   * path.
   */
  waf?: WafRouteOptions;
  handler: Handler<AppEnv>;
}

export function defineRoutes(routes: RouteDefinition[]): RouteDefinition[] {
  return routes;
}

export function accessFor(route: Pick<RouteDefinition, "routeClass" | "access">) {
  if (route.access) return route.access;
  switch (route.routeClass) {
    case "authenticated":
      return "session";
    case "ops":
      return "operator";
    default:
      return "anyone";
  }
}
