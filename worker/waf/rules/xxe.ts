import { PARAMETERS, pattern, type RequestRule, requestRule, type ValueRule } from "../rule.ts";

/**
 * XML external entities and content types the application never accepts. Nothing in CoinHubX
 * parses XML, so an XML body is a probe; and a body in a type we do not parse is a body the
 * rules cannot see into, which is exactly what an evasion wants.
 */
const XML_MEDIA_TYPE = /(?:^|\/|\+)xml$/;

/** The bodies the site and the API contract send: JSON, HTML forms, and plain text. */
function isAcceptedMediaType(mediaType: string): boolean {
  return (
    mediaType === "application/json" ||
    (mediaType.startsWith("application/") && mediaType.endsWith("+json")) ||
    mediaType === "application/x-www-form-urlencoded" ||
    mediaType === "text/plain"
  );
}

export const xxeRequestRules: RequestRule[] = [
  requestRule({
    id: "xxe-xml-content-type",
    category: "xxe",
    score: 5,
    check: (facts) => XML_MEDIA_TYPE.test(facts.mediaType),
    description: "an XML content type (no route accepts XML)",
  }),
  requestRule({
    id: "xxe-unexpected-content-type",
    category: "xxe",
    score: 5,
    check: (facts) =>
      facts.bodyBytes > 0 &&
      facts.mediaType !== "" &&
      !XML_MEDIA_TYPE.test(facts.mediaType) &&
      !isAcceptedMediaType(facts.mediaType),
    description: "a body in a content type no route accepts (multipart, octet-stream, ...)",
  }),
  requestRule({
    id: "xxe-missing-content-type",
    category: "xxe",
    score: 3,
    check: (facts) => facts.bodyBytes > 0 && facts.mediaType === "",
    description: "a body without a content type (weak on its own)",
  }),
];

export const xxeRules: ValueRule[] = [
  pattern({
    id: "xxe-entity-declaration",
    category: "xxe",
    score: 5,
    targets: PARAMETERS,
    chars: "<",
    anyOf: ["<!"],
    pattern: /<!(?:entity|element|attlist)\b|<!doctype [a-z_:][a-z0-9_.:-]{0,64} ?(?:\[|system\b|public\b)/,
    description: "a DTD with an internal subset or external identifier",
  }),
  pattern({
    id: "xxe-external-identifier",
    category: "xxe",
    score: 5,
    targets: PARAMETERS,
    chars: "'\"",
    anyOf: ["system", "public"],
    pattern:
      /\b(?:system|public) ?(?:"[^"]{0,128}" ?)?["'](?:file|https?|ftp|php|expect|jar|netdoc|gopher|data|dict):/,
    description: "an external entity identifier pointing at a file or URL",
  }),
  pattern({
    id: "xxe-xinclude",
    category: "xxe",
    score: 5,
    targets: PARAMETERS,
    chars: ":",
    anyOf: ["xi:", "xinclude"],
    pattern: /<xi:include\b|xmlns:xi ?=|\/xinclude\b/,
    description: "XInclude",
  }),
  pattern({
    id: "xxe-xml-declaration",
    category: "xxe",
    score: 3,
    targets: PARAMETERS,
    chars: "<",
    anyOf: ["<?xml"],
    pattern: /<\?xml\b/,
    description: "an XML declaration in a parameter (weak on its own)",
  }),
];
