import type { Bindings } from "./env.ts";
import type { RequestIdVariables } from "./middleware/request-id/index.ts";
import type { RequestLogVariables } from "./middleware/request-log/index.ts";
import type { SecurityHeadersVariables } from "./middleware/security-headers/index.ts";
import type { SessionVariables } from "./middleware/session/index.ts";
import type { WafVariables } from "./middleware/waf/index.ts";
import type { Services } from "./services/context.ts";

type AppVariables = RequestIdVariables &
  RequestLogVariables &
  SessionVariables &
  SecurityHeadersVariables &
  WafVariables & {
    services: Services;
  };

export type AppEnv = { Bindings: Bindings; Variables: AppVariables };
