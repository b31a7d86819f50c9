import {
  DEFAULT_LIMITS,
  indexExclusions,
  inspect,
  type WafExclusion,
  type WafFindings,
  type WafInput,
} from "../../../worker/waf/index.ts";

const encoder = new TextEncoder();

export interface TestRequest {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  exclusions?: readonly WafExclusion[];
}

export function wafInput(request: TestRequest): WafInput {
  const body =
    request.body === undefined
      ? null
      : typeof request.body === "string"
        ? encoder.encode(request.body)
        : request.body;
  return {
    method: request.method ?? (body ? "POST" : "GET"),
    url: request.url ?? "https://coinhubx.com/",
    headers: Object.entries(request.headers ?? {}).map(
      ([name, value]) => [name.toLowerCase(), value] as [string, string],
    ),
    body,
  };
}

/** Every rule evaluated (no early stop), so tests see every match. */
export function findings(request: TestRequest): WafFindings {
  return inspect(wafInput(request), {
    limits: DEFAULT_LIMITS,
    exclusions: indexExclusions(request.exclusions),
  });
}

export function ruleIds(request: TestRequest): string[] {
  return findings(request).matches.map((match) => match.ruleId);
}

/** The default threshold of every class. */
export const THRESHOLD = 5;

export function blocked(request: TestRequest): boolean {
  return findings(request).score >= THRESHOLD;
}

/** A value in the places it can arrive: a query parameter, a JSON field, a form field. */
export function asQuery(value: string, name = "q"): TestRequest {
  return { url: `https://coinhubx.com/markets?${name}=${encodeURIComponent(value)}` };
}

export function asJson(value: string, name = "label"): TestRequest {
  return {
    url: "https://coinhubx.com/api/v1/withdrawal-addresses",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ asset: "BTC", [name]: value }),
  };
}

export function asForm(value: string, name = "email"): TestRequest {
  return {
    url: "https://coinhubx.com/login.data",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `intent=password&${name}=${encodeURIComponent(value)}`,
  };
}
