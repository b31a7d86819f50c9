import type { Encoding } from "./normalise.ts";
import type { WafCategory, WafLimits } from "./types.ts";

/**
 * Where a value comes from, as bit flags so each rule states its targets and the engine picks
 * the rules for a value with one AND.
 */
export const TARGET = {
  path: 1 << 0,
  query: 1 << 1,
  body: 1 << 2,
  cookie: 1 << 3,
  /** Headers the application reads, stores or logs (User-Agent, Referer, forwarding headers). */
  header: 1 << 4,
  userAgent: 1 << 5,
  /**
   * Every header. Only the few attacks that work wherever a header is logged (log4shell,
   * shellshock) target it: browsers put quotes, semicolons and brackets in Accept, Sec-CH-UA
   * and friends, and those headers reach no code of ours.
   */
  anyHeader: 1 << 6,
} as const;

/** Parameters and request content: where injection payloads live. */
export const PARAMETERS = TARGET.query | TARGET.body | TARGET.cookie;

/** Anomalies found while reading and decoding, checked by the protocol rules at the end. */
export const FLAG = {
  nul: 1 << 0,
  invalidUtf8: 1 << 1,
  invalidPercent: 1 << 2,
  jsonInvalid: 1 << 3,
  jsonTooDeep: 1 << 4,
  jsonTooLarge: 1 << 5,
  tooManyParameters: 1 << 6,
  controlCharacterInHeader: 1 << 7,
} as const;

export interface InspectedValue {
  target: number;
  /** `path`, `query`, `body`, `cookie` or `header`. */
  source: "path" | "query" | "body" | "cookie" | "header";
  /**
   * The parameter (query/form name, JSON dotted path without array indices), cookie or header
   * name; empty for the path and for names inspected as values.
   */
  name: string;
  raw: string;
  encoding: Encoding;
}

export interface NormalisedValue extends InspectedValue {
  /** Fully decoded (percent, entities, escapes, NFKC), case and whitespace kept. */
  decoded: string;
  /** Decoded, NFKC, lower-case, entities decoded, whitespace runs collapsed to one space. */
  text: string;
  /** `text` with SQL comments (`/* *\/`, `--`, `#`) replaced by a space. */
  sql: string;
  /** A plain token (letters, digits, `_.@=:,-`): only rules marked `tokens` run on it. */
  token: boolean;
}

interface RuleBase {
  /** Stable id, logged (never sent to the client). */
  id: string;
  category: WafCategory;
  score: number;
  description: string;
}

interface PatternRule extends RuleBase {
  kind: "pattern";
  targets: number;
  /**
   * Gates, cheapest first, all of which must pass before the regex runs: the text contains one
   * of the characters in `chars`, one of those in `alsoChars`, one of the substrings in `anyOf`.
   * Character presence is looked up once per value and shared by every rule.
   */
  chars?: string;
  alsoChars?: string;
  anyOf?: readonly string[];
  form?: "text" | "sql";
  /**
   * Runs on normalised lower-case text. Linear time by construction: every repetition is
   * bounded or cannot overlap what follows (see worker/waf/README.md).
   */
  pattern: RegExp;
  tokens?: boolean;
}

interface CheckRule extends RuleBase {
  kind: "check";
  targets: number;
  /** As for patterns: the check runs only when the text contains one of these characters. */
  chars?: string;
  tokens?: boolean;
  check: (value: NormalisedValue) => boolean;
}

export type ValueRule = PatternRule | CheckRule;

export interface RequestFacts {
  method: string;
  urlLength: number;
  headerCount: number;
  totalHeaderBytes: number;
  largestHeaderBytes: number;
  contentLength: string | null;
  transferEncoding: string | null;
  contentEncoding: string | null;
  methodOverride: string | null;
  scannerHeader: boolean;
  /** Media type without parameters, lower-case; "" when absent. */
  mediaType: string;
  charset: string | null;
  bodyBytes: number;
  bodyTooLarge: boolean;
  flags: number;
}

export interface RequestRule extends RuleBase {
  kind: "request";
  check: (facts: RequestFacts, limits: WafLimits) => boolean;
}

export function pattern(rule: Omit<PatternRule, "kind">): PatternRule {
  return { kind: "pattern", ...rule };
}

export function check(rule: Omit<CheckRule, "kind">): CheckRule {
  return { kind: "check", ...rule };
}

export function requestRule(rule: Omit<RequestRule, "kind">): RequestRule {
  return { kind: "request", ...rule };
}

/**
 * A regex source matching exactly one of `words` (lower-case ASCII letters, digits, `-`),
 * written as a trie (`on(?:a(?:bort|fterprint)|b(?:lur|...))`): at each position the engine
 * follows one branch per character instead of trying every word in turn, so a list of a few
 * hundred names costs what a handful does.
 */
export function wordAlternation(words: Iterable<string>): string {
  interface Node {
    end: boolean;
    children: Map<string, Node>;
  }
  const root: Node = { end: false, children: new Map() };
  for (const word of words) {
    if (!/^[a-z0-9-]+$/.test(word)) throw new Error(`"${word}" is not a lower-case word`);
    let node = root;
    for (const character of word) {
      let child = node.children.get(character);
      if (!child) {
        child = { end: false, children: new Map() };
        node.children.set(character, child);
      }
      node = child;
    }
    node.end = true;
  }
  const emit = (node: Node): string => {
    const branches = [...node.children.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([character, child]) => `${character === "-" ? "\\-" : character}${emit(child)}`);
    if (branches.length === 0) return "";
    const body = branches.length === 1 && !node.end ? (branches[0] as string) : `(?:${branches.join("|")})`;
    return node.end ? `${branches.length === 1 ? `(?:${branches[0]})` : body}?` : body;
  };
  return `(?:${emit(root)})`;
}
