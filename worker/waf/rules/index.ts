import type { RequestRule, ValueRule } from "../rule.ts";
import { cmdiRules } from "./cmdi.ts";
import { jndiRules } from "./jndi.ts";
import { protocolRules } from "./protocol.ts";
import { scannerRequestRules, scannerRules } from "./scanner.ts";
import { sqliRules } from "./sqli.ts";
import { ssrfRules } from "./ssrf.ts";
import { traversalRules } from "./traversal.ts";
import { xssRules } from "./xss.ts";
import { xxeRequestRules, xxeRules } from "./xxe.ts";

/** Rules on values (path, parameters, cookies, headers), in evaluation order. */
export const VALUE_RULES: readonly ValueRule[] = [
  ...jndiRules,
  ...sqliRules,
  ...xssRules,
  ...traversalRules,
  ...cmdiRules,
  ...ssrfRules,
  ...xxeRules,
  ...scannerRules,
];

/** Rules on the request as a whole (method, framing, sizes, content type, decoding anomalies). */
export const REQUEST_RULES: readonly RequestRule[] = [
  ...protocolRules,
  ...xxeRequestRules,
  ...scannerRequestRules,
];
