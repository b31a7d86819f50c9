import { FLAG, type RequestRule, requestRule } from "../rule.ts";

/**
 * Protocol anomalies: requests no browser or HTTP library sends, and requests too large or
 * too deep to inspect (an uninspectable request is how an evasion looks, so it is blocked
 * rather than waved through).
 */
const ALLOWED_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const ALLOWED_CHARSETS = new Set(["utf-8", "utf8", "us-ascii", "iso-8859-1"]);
const CONTENT_LENGTH = /^\d{1,15}$/;

const flagRule = (id: string, flag: number, score: number, description: string) =>
  requestRule({ id, category: "protocol", score, check: (facts) => (facts.flags & flag) !== 0, description });

export const protocolRules: RequestRule[] = [
  requestRule({
    id: "protocol-method",
    category: "protocol",
    score: 5,
    check: (facts) => !ALLOWED_METHODS.has(facts.method),
    description: "a method outside GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS (TRACE, PROPFIND)",
  }),
  requestRule({
    id: "protocol-method-override",
    category: "protocol",
    score: 3,
    check: (facts) => facts.methodOverride !== null,
    description: "a method-override header (no route honours one; weak on its own)",
  }),
  requestRule({
    id: "protocol-length-and-chunked",
    category: "protocol",
    score: 5,
    check: (facts) => facts.contentLength !== null && facts.transferEncoding !== null,
    description: "both Content-Length and Transfer-Encoding (request smuggling)",
  }),
  requestRule({
    id: "protocol-transfer-encoding",
    category: "protocol",
    score: 5,
    check: (facts) =>
      facts.transferEncoding !== null && facts.transferEncoding.trim().toLowerCase() !== "chunked",
    description: "a Transfer-Encoding other than chunked",
  }),
  requestRule({
    id: "protocol-content-length",
    category: "protocol",
    score: 5,
    check: (facts) => facts.contentLength !== null && !CONTENT_LENGTH.test(facts.contentLength.trim()),
    description: "a Content-Length that is not one number (repeated, signed, padded)",
  }),
  requestRule({
    id: "protocol-content-encoding",
    category: "protocol",
    score: 5,
    check: (facts) =>
      facts.contentEncoding !== null && facts.contentEncoding.trim().toLowerCase() !== "identity",
    description: "a compressed request body, which the rules cannot see into",
  }),
  requestRule({
    id: "protocol-charset",
    category: "protocol",
    score: 5,
    check: (facts) => facts.charset !== null && !ALLOWED_CHARSETS.has(facts.charset),
    description: "a body charset other than UTF-8 (UTF-7 and UTF-16 hide payloads)",
  }),
  requestRule({
    id: "protocol-url-length",
    category: "protocol",
    score: 5,
    check: (facts, limits) => facts.urlLength > limits.maxUrlLength,
    description: "a URL longer than the limit",
  }),
  requestRule({
    id: "protocol-header-count",
    category: "protocol",
    score: 5,
    check: (facts, limits) => facts.headerCount > limits.maxHeaderCount,
    description: "more headers than the limit",
  }),
  requestRule({
    id: "protocol-header-size",
    category: "protocol",
    score: 5,
    check: (facts, limits) =>
      facts.largestHeaderBytes > limits.maxHeaderValueBytes ||
      facts.totalHeaderBytes > limits.maxTotalHeaderBytes,
    description: "a header, or all headers together, larger than the limit",
  }),
  requestRule({
    id: "protocol-body-size",
    category: "protocol",
    score: 5,
    check: (facts) => facts.bodyTooLarge,
    description: "a body larger than the limit",
  }),
  flagRule("protocol-json-depth", FLAG.jsonTooDeep, 5, "JSON nested deeper than the limit"),
  flagRule("protocol-json-size", FLAG.jsonTooLarge, 5, "more JSON keys and values than the limit"),
  flagRule(
    "protocol-json-invalid",
    FLAG.jsonInvalid,
    2,
    "a JSON body that does not parse (weak: the API answers 400)",
  ),
  flagRule(
    "protocol-parameter-count",
    FLAG.tooManyParameters,
    5,
    "more query or form parameters than the limit",
  ),
  flagRule(
    "protocol-invalid-percent",
    FLAG.invalidPercent,
    3,
    "a % not followed by two hex digits (weak on its own)",
  ),
  flagRule(
    "protocol-invalid-utf8",
    FLAG.invalidUtf8,
    5,
    "bytes that are not UTF-8 (overlong %c0%ae and friends)",
  ),
  flagRule("protocol-nul-byte", FLAG.nul, 5, "a NUL byte"),
  flagRule(
    "protocol-header-control-character",
    FLAG.controlCharacterInHeader,
    5,
    "a control character in a header",
  ),
];
