// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` here are literal Log4j lookups, the payloads under test.
import { check, PARAMETERS, pattern, TARGET, type ValueRule } from "../rule.ts";

/**
 * Log4Shell: a `${jndi:...}` lookup anywhere a Java logger downstream might print. Payloads
 * hide the word behind nested lookups (`${${lower:j}ndi:`, `${${::-j}${::-n}di:`,
 * `${${env:X:-j}ndi:`), so the lookups are resolved the way Log4j would, innermost first, a
 * bounded number of times, before looking for `jndi:`.
 */
const targets = PARAMETERS | TARGET.path | TARGET.header | TARGET.anyHeader;

const MAX_RESOLVE_ROUNDS = 8;
const INNERMOST_LOOKUP = /\$\{([^${}]{0,512})\}/g;
const JNDI_SCHEME = /(?:^|[^a-z])jndi ?:/;

function resolveLookup(inner: string): string {
  // `jndi:` stays visible, marked, since it is what we look for (its URL may contain `:-`).
  if (inner.startsWith("jndi")) return `\u0001${inner}`;
  if (inner.startsWith("lower:") || inner.startsWith("upper:")) return inner.slice(6);
  const fallback = inner.indexOf(":-");
  if (fallback >= 0) return inner.slice(fallback + 2);
  if (inner.startsWith("date:")) return inner.slice(5).replaceAll("'", "");
  // Unknown lookups (`${env:X}` with no default) resolve to nothing, as Log4j's would.
  return "";
}

function resolvesToJndi(text: string): boolean {
  if (!text.includes("${")) return false;
  let resolved = text;
  for (let round = 0; round < MAX_RESOLVE_ROUNDS; round++) {
    const next = resolved.replace(INNERMOST_LOOKUP, (_match, inner: string) => resolveLookup(inner));
    if (next === resolved) break;
    resolved = next;
  }
  return resolved.includes("\u0001jndi") || (resolved.includes("${") && JNDI_SCHEME.test(resolved));
}

export const jndiRules: ValueRule[] = [
  check({
    id: "jndi-lookup",
    category: "jndi",
    score: 5,
    targets,
    chars: "$",
    check: (value) => resolvesToJndi(value.text),
    description: "a ${jndi:...} lookup, nested obfuscation resolved",
  }),
  pattern({
    id: "jndi-log4j-lookup",
    category: "jndi",
    score: 5,
    targets,
    chars: "$",
    anyOf: ["${"],
    pattern:
      /\$\{ ?(?:jndi|env|sys|java|ctx|main|bundle|docker|k8s|spring|log4j|date|lower|upper|web|sd|base64|marker|jvmrunargs|event|map|script)? ?:/,
    description: "any Log4j lookup (${env:...}, ${::-j}): only a payload writes one",
  }),
];
