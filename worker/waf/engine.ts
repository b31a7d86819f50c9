// biome-ignore-all lint/suspicious/noControlCharactersInRegex: control characters are what these patterns find.
import type { RouteClass } from "../routes.ts";
import { KeywordIndex } from "./keywords.ts";
import {
  type DecodeState,
  type Encoding,
  hasInvalidPercent,
  isToken,
  normalise,
  sqlForm,
} from "./normalise.ts";
import {
  FLAG,
  type InspectedValue,
  type NormalisedValue,
  type RequestFacts,
  type RequestRule,
  TARGET,
  type ValueRule,
} from "./rule.ts";
import { REQUEST_RULES, VALUE_RULES } from "./rules/index.ts";
import { isScannerHeader } from "./rules/scanner.ts";
import {
  WAF_CATEGORIES,
  type WafCategory,
  type WafClassPolicy,
  type WafExclusion,
  type WafFindings,
  type WafInput,
  type WafLimits,
  type WafMatch,
  type WafVerdict,
} from "./types.ts";

/** parameter -> bit set of excluded categories. */
export type ExclusionIndex = ReadonlyMap<string, number>;

export interface InspectOptions {
  limits: WafLimits;
  exclusions?: ExclusionIndex | undefined;
  /** In block mode the verdict is known once the threshold is reached: stop there. */
  stopAtScore?: number;
}

function categoryBit(category: WafCategory): number {
  return 1 << WAF_CATEGORIES.indexOf(category);
}

export function indexExclusions(exclusions: readonly WafExclusion[] | undefined): ExclusionIndex | undefined {
  if (!exclusions || exclusions.length === 0) return undefined;
  const index = new Map<string, number>();
  for (const exclusion of exclusions) {
    let bits = index.get(exclusion.parameter) ?? 0;
    for (const category of exclusion.categories) bits |= categoryBit(category);
    index.set(exclusion.parameter, bits);
  }
  return index;
}

/**
 * One value rule, flattened to a single object shape (every field always present) so the hot
 * loop's property reads stay monomorphic.
 */
interface CompiledValueRule {
  rule: ValueRule;
  /** Position in the rule set: matches are recorded in a byte array, not a Set of ids. */
  index: number;
  categoryBit: number;
  targets: number;
  tokens: boolean;
  /** Gates as needle ids in the keyword index: one of each non-null list must be present. */
  chars: Int32Array | null;
  alsoChars: Int32Array | null;
  anyOf: Int32Array | null;
  sqlForm: boolean;
  pattern: RegExp | null;
  check: ((value: NormalisedValue) => boolean) | null;
}

/**
 * The rule set, indexed once per isolate: for each combination of target bits, the rules that
 * apply, so a value costs one Map lookup to find its rules. The regexes themselves are
 * literals compiled when their module loads.
 */
class CompiledRules {
  private readonly all: CompiledValueRule[];
  private readonly byTarget = new Map<number, CompiledValueRule[]>();
  private readonly tokensByTarget = new Map<number, CompiledValueRule[]>();
  readonly keywords: KeywordIndex;
  readonly requestRules: readonly { rule: RequestRule; index: number }[];
  readonly size: number;

  constructor(valueRules: readonly ValueRule[], requestRules: readonly RequestRule[]) {
    const ids = new Set<string>();
    for (const rule of [...valueRules, ...requestRules]) {
      if (ids.has(rule.id)) throw new Error(`WAF rule id ${rule.id} is used twice`);
      ids.add(rule.id);
      if (!(rule.score > 0)) throw new Error(`WAF rule ${rule.id} has no score`);
      // A global or sticky regex keeps lastIndex between test() calls: a match would depend
      // on the previous request.
      if (rule.kind === "pattern" && (rule.pattern.global || rule.pattern.sticky)) {
        throw new Error(`WAF rule ${rule.id} must not use the g or y flag`);
      }
    }
    const characters = (text: string | undefined) => (text === undefined ? [] : [...text]);
    this.keywords = new KeywordIndex(
      valueRules.flatMap((rule) => [
        ...characters(rule.chars),
        ...(rule.kind === "pattern" ? [...characters(rule.alsoChars), ...(rule.anyOf ?? [])] : []),
      ]),
    );
    const gate = (needles: readonly string[]) =>
      needles.length === 0 ? null : Int32Array.from(new Set(needles), (needle) => this.keywords.id(needle));
    this.all = valueRules.map((rule, index) => ({
      rule,
      index,
      categoryBit: categoryBit(rule.category),
      targets: rule.targets,
      tokens: rule.tokens === true,
      chars: gate(characters(rule.chars)),
      alsoChars: rule.kind === "pattern" ? gate(characters(rule.alsoChars)) : null,
      anyOf: rule.kind === "pattern" ? gate(rule.anyOf ?? []) : null,
      sqlForm: rule.kind === "pattern" && rule.form === "sql",
      pattern: rule.kind === "pattern" ? rule.pattern : null,
      check: rule.kind === "check" ? rule.check : null,
    }));
    this.requestRules = requestRules.map((rule, index) => ({ rule, index: valueRules.length + index }));
    this.size = valueRules.length + requestRules.length;
  }

  forTarget(target: number, token: boolean): CompiledValueRule[] {
    const cache = token ? this.tokensByTarget : this.byTarget;
    let rules = cache.get(target);
    if (!rules) {
      rules = this.all.filter((rule) => (rule.targets & target) !== 0 && (!token || rule.tokens));
      cache.set(target, rules);
    }
    return rules;
  }
}

let compiled: CompiledRules | undefined;

export function compiledRules(): CompiledRules {
  compiled ??= new CompiledRules(VALUE_RULES, REQUEST_RULES);
  return compiled;
}

/** Headers whose values the application reads, stores or logs, and how to inspect them. */
const SELECTED_HEADERS = new Map<string, number>([
  ["user-agent", TARGET.header | TARGET.userAgent | TARGET.anyHeader],
  ["referer", TARGET.header | TARGET.anyHeader],
  ["origin", TARGET.header | TARGET.anyHeader],
  ["content-type", TARGET.header | TARGET.anyHeader],
  ["x-forwarded-for", TARGET.header | TARGET.anyHeader],
  ["x-forwarded-host", TARGET.header | TARGET.anyHeader],
  ["x-real-ip", TARGET.header | TARGET.anyHeader],
  ["cf-connecting-ip", TARGET.header | TARGET.anyHeader],
  ["true-client-ip", TARGET.header | TARGET.anyHeader],
  ["x-client-ip", TARGET.header | TARGET.anyHeader],
  ["forwarded", TARGET.header | TARGET.anyHeader],
  ["x-host", TARGET.header | TARGET.anyHeader],
  ["x-original-url", TARGET.header | TARGET.anyHeader],
  ["x-rewrite-url", TARGET.header | TARGET.anyHeader],
  ["idempotency-key", TARGET.header | TARGET.anyHeader],
]);
const METHOD_OVERRIDE_HEADERS = new Set(["x-http-method-override", "x-http-method", "x-method-override"]);
/** Other headers are only worth decoding when they could hold `${`, `() {` or an encoding. */
const HEADER_TRIGGER = /[$(%&\\]|[^\x00-\x7f]/;
const HEADER_CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]{1,40})/i;
const MAX_LOCATION_NAME = 64;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const lenientUtf8 = new TextDecoder("utf-8");

function decodeParameterName(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll("+", " "));
  } catch {
    return raw;
  }
}

/**
 * Bodies longer than this are measured before JSON.parse: parsing 60 KB of `{"k1":1,...}`
 * costs milliseconds (V8 builds a dictionary object), measuring it a tenth of that. Shorter
 * bodies cannot hold enough values to matter.
 */
const JSON_PRESCAN_BYTES = 4096;

/**
 * Depth and an upper bound on the number of values of a JSON text, in one pass that skips
 * strings: every value is a container or is followed by a separator. Stops at the limits.
 */
export function measureJson(
  text: string,
  limits: Pick<WafLimits, "maxJsonDepth" | "maxJsonNodes">,
): "ok" | "too-deep" | "too-large" {
  let depth = 0;
  let values = 1;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index++;
      else if (code === 0x22) inString = false;
      continue;
    }
    if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      depth++;
      values += 2;
      if (depth > limits.maxJsonDepth) return "too-deep";
    } else if (code === 0x5d || code === 0x7d) depth--;
    else if (code === 0x2c) values++;
    if (values > limits.maxJsonNodes) return "too-large";
  }
  return "ok";
}

function isJsonMediaType(mediaType: string): boolean {
  return (
    mediaType === "application/json" || (mediaType.startsWith("application/") && mediaType.endsWith("+json"))
  );
}

/** One request's evaluation: the running score, the matches, and the decoding anomalies. */
const CATEGORY_INDEX = new Map(WAF_CATEGORIES.map((category, index) => [category, index]));
const PROTOCOL_INDEX = WAF_CATEGORIES.indexOf("protocol");

class Inspection {
  score = 0;
  private readonly categoryScores = new Int32Array(WAF_CATEGORIES.length);
  readonly matches: WafMatch[] = [];
  readonly state: DecodeState = { flags: 0 };
  private readonly matched: Uint8Array;
  private jsonNodes = 0;
  private readonly stopAt: number;
  /** Which gate needles the current value's text (and, when it differs, SQL form) contains. */
  private readonly present: Uint8Array;
  private readonly presentInSql: Uint8Array;

  constructor(
    private readonly rules: CompiledRules,
    private readonly options: InspectOptions,
  ) {
    this.stopAt = options.stopAtScore ?? Number.POSITIVE_INFINITY;
    this.matched = new Uint8Array(rules.size);
    this.present = new Uint8Array(rules.keywords.size);
    this.presentInSql = new Uint8Array(rules.keywords.size);
  }

  get done(): boolean {
    return this.score >= this.stopAt;
  }

  /**
   * Weak signals add up within a category (a quote then `or`, and a comment after a quote, are
   * one SQL injection), and with protocol anomalies, but not across categories: in a long
   * support message, a quoted word followed by "or" and a pasted `print(` are two
   * coincidences, not one attack. The request's score is its highest category's.
   */
  private add(rule: ValueRule | RequestRule, index: number, location: string) {
    this.matched[index] = 1;
    const category = CATEGORY_INDEX.get(rule.category) ?? 0;
    this.categoryScores[category] = (this.categoryScores[category] ?? 0) + rule.score;
    const protocol = this.categoryScores[PROTOCOL_INDEX] ?? 0;
    let highest = 0;
    for (let other = 0; other < this.categoryScores.length; other++) {
      if (other !== PROTOCOL_INDEX) highest = Math.max(highest, this.categoryScores[other] ?? 0);
    }
    this.score = protocol + highest;
    this.matches.push({ ruleId: rule.id, category: rule.category, score: rule.score, location });
  }

  /**
   * Runs the value rules for one value. Each rule scores at most once per request: a payload
   * repeated in twenty parameters is one attack, and a weak signal repeated in a long form is
   * still weak.
   */
  value(
    target: number,
    source: InspectedValue["source"],
    name: string,
    raw: string,
    encoding: Encoding,
    isName = false,
  ) {
    if (raw.length === 0 || this.done) return;
    const token = isToken(raw);
    const rules = this.rules.forTarget(target, token);
    if (rules.length === 0) return;
    const excluded = !isName && name !== "" ? (this.options.exclusions?.get(name) ?? 0) : 0;
    let decoded: string;
    let text: string;
    let lower: string;
    if (token) {
      decoded = raw;
      text = raw.toLowerCase();
      lower = text;
    } else {
      const normalised = normalise(raw, encoding, this.state);
      decoded = normalised.decoded;
      text = normalised.text;
      lower = normalised.lower;
    }
    // Only values with comment markers differ in their SQL form; built on first use.
    let sql: string | undefined;
    let checked: NormalisedValue | undefined;
    const present = this.present;
    present.fill(0);
    this.rules.keywords.scan(text, present);
    let presentInSql: Uint8Array | undefined;
    for (let position = 0; position < rules.length; position++) {
      const compiled = rules[position] as CompiledValueRule;
      if ((excluded & compiled.categoryBit) !== 0 || this.matched[compiled.index] === 1) continue;
      let subject = text;
      let gates = present;
      if (compiled.sqlForm) {
        sql ??= sqlForm({ lower, text });
        subject = sql;
        if (sql !== text) {
          // Taking comments out can join what was apart (`order/**/by` is `order by`).
          if (presentInSql === undefined) {
            presentInSql = this.presentInSql;
            presentInSql.fill(0);
            this.rules.keywords.scan(sql, presentInSql);
          }
          gates = presentInSql;
        }
      }
      if (compiled.chars !== null && !anyPresent(compiled.chars, gates)) continue;
      if (compiled.alsoChars !== null && !anyPresent(compiled.alsoChars, gates)) continue;
      if (compiled.anyOf !== null && !anyPresent(compiled.anyOf, gates)) continue;
      if (compiled.pattern !== null) {
        if (!compiled.pattern.test(subject)) continue;
      } else if (compiled.check !== null) {
        sql ??= sqlForm({ lower, text });
        checked ??= {
          target,
          source,
          name: isName ? "" : name,
          raw,
          encoding,
          decoded,
          text,
          sql,
          token,
        };
        if (!compiled.check(checked)) continue;
      }
      this.add(compiled.rule, compiled.index, locationOf(source, name, isName));
      if (this.done) return;
    }
  }

  urlEncoded(raw: string, source: "query" | "body", target: number) {
    if (hasInvalidPercent(raw)) this.state.flags |= FLAG.invalidPercent;
    let count = 0;
    let start = 0;
    while (start < raw.length && !this.done) {
      let end = raw.indexOf("&", start);
      if (end < 0) end = raw.length;
      if (end > start) {
        count++;
        if (count > this.options.limits.maxParameters) {
          this.state.flags |= FLAG.tooManyParameters;
          return;
        }
        const equals = raw.indexOf("=", start);
        const hasValue = equals >= 0 && equals < end;
        const rawName = raw.slice(start, hasValue ? equals : end);
        const name = isToken(rawName) ? rawName : decodeParameterName(rawName);
        if (hasValue) this.value(target, source, name, raw.slice(equals + 1, end), "form");
        this.value(target, source, name, rawName, "form", true);
      }
      start = end + 1;
    }
  }

  /**
   * Checks a parsed JSON body against the depth and size limits before any value is
   * inspected, so an oversized body costs a walk, not thousands of inspections. Returns
   * whether it is within them.
   */
  jsonWithinLimits(node: unknown, depth = 0): boolean {
    if (depth > this.options.limits.maxJsonDepth) {
      this.state.flags |= FLAG.jsonTooDeep;
      return false;
    }
    this.jsonNodes++;
    if (this.jsonNodes > this.options.limits.maxJsonNodes) {
      this.state.flags |= FLAG.jsonTooLarge;
      return false;
    }
    if (Array.isArray(node)) {
      for (const item of node) if (!this.jsonWithinLimits(item, depth + 1)) return false;
    } else if (node !== null && typeof node === "object") {
      for (const child of Object.values(node)) if (!this.jsonWithinLimits(child, depth + 1)) return false;
    }
    return true;
  }

  /** Inspects every string and key of a JSON body already within the limits. */
  json(node: unknown, path: string) {
    if (this.done) return;
    if (typeof node === "string") {
      this.value(TARGET.body, "body", path, node, "text");
    } else if (Array.isArray(node)) {
      // Array elements share their array's parameter name, so one exclusion covers them all.
      for (const item of node) this.json(item, path);
    } else if (node !== null && typeof node === "object") {
      for (const [key, child] of Object.entries(node)) {
        this.value(TARGET.body, "body", path, key, "text", true);
        this.json(child, path === "" ? key : `${path}.${key}`);
      }
    }
  }

  cookies(header: string) {
    let start = 0;
    while (start < header.length && !this.done) {
      let end = header.indexOf(";", start);
      if (end < 0) end = header.length;
      const equals = header.indexOf("=", start);
      const hasValue = equals >= 0 && equals < end;
      const name = header.slice(start, hasValue ? equals : end).trim();
      if (hasValue) this.value(TARGET.cookie, "cookie", name, header.slice(equals + 1, end).trim(), "text");
      this.value(TARGET.cookie, "cookie", name, name, "text", true);
      start = end + 1;
    }
  }

  /** Runs after the headers (a verdict before the body is parsed) and again at the end. */
  requestRules(facts: RequestFacts) {
    facts.flags = this.state.flags;
    for (const { rule, index } of this.rules.requestRules) {
      if (this.done) return;
      if (this.matched[index] === 0 && rule.check(facts, this.options.limits))
        this.add(rule, index, "request");
    }
  }
}

function anyPresent(ids: Int32Array, present: Uint8Array): boolean {
  for (let index = 0; index < ids.length; index++) if (present[ids[index] as number] === 1) return true;
  return false;
}

function locationOf(source: InspectedValue["source"], name: string, isName: boolean): string {
  if (source === "path") return "path";
  const shown = name.length > MAX_LOCATION_NAME ? `${name.slice(0, MAX_LOCATION_NAME)}…` : name;
  return isName ? `${source}-name:${shown}` : `${source}:${shown}`;
}

/**
 * Inspects one request: the path, the query, the headers the application reads, the cookies
 * and the (JSON, form or text) body, each value normalised before the rules see it; then the
 * request-level rules. Pure and synchronous, so it runs the same in workerd and in Node.
 */
export function inspect(input: WafInput, options: InspectOptions): WafFindings {
  const inspection = new Inspection(compiledRules(), options);
  const facts: RequestFacts = {
    method: input.method.toUpperCase(),
    urlLength: input.url.length,
    headerCount: 0,
    totalHeaderBytes: 0,
    largestHeaderBytes: 0,
    contentLength: null,
    transferEncoding: null,
    contentEncoding: null,
    methodOverride: null,
    scannerHeader: false,
    mediaType: "",
    charset: null,
    bodyBytes: 0,
    bodyTooLarge: input.bodyTooLarge === true || (input.body?.byteLength ?? 0) > options.limits.maxBodyBytes,
    flags: 0,
  };

  // Headers first: framing, sizes, method and content type decide some requests before any
  // value is decoded. Their values are inspected after the URL's.
  let cookieHeader: string | null = null;
  const inspectedHeaders: [number, string, string][] = [];
  for (const [name, value] of input.headers) {
    facts.headerCount++;
    const bytes = name.length + value.length;
    facts.totalHeaderBytes += bytes;
    if (bytes > facts.largestHeaderBytes) facts.largestHeaderBytes = bytes;
    if (HEADER_CONTROL.test(value)) inspection.state.flags |= FLAG.controlCharacterInHeader;
    switch (name) {
      case "content-length":
        facts.contentLength = value;
        continue;
      case "transfer-encoding":
        facts.transferEncoding = value;
        continue;
      case "content-encoding":
        facts.contentEncoding = value;
        continue;
      case "content-type": {
        const semicolon = value.indexOf(";");
        facts.mediaType = (semicolon < 0 ? value : value.slice(0, semicolon)).trim().toLowerCase();
        facts.charset = CHARSET.exec(value)?.[1]?.toLowerCase() ?? null;
        break;
      }
      case "cookie":
        cookieHeader = value;
        continue;
    }
    if (METHOD_OVERRIDE_HEADERS.has(name)) facts.methodOverride = value;
    if (isScannerHeader(name)) facts.scannerHeader = true;
    const target = SELECTED_HEADERS.get(name);
    if (target !== undefined) inspectedHeaders.push([target, name, value]);
    else if (HEADER_TRIGGER.test(value)) inspectedHeaders.push([TARGET.anyHeader, name, value]);
  }
  if (input.body) facts.bodyBytes = input.body.byteLength;
  inspection.requestRules(facts);

  // The URL as the runtime parsed it: the path and query are still percent-encoded.
  const url = input.url;
  const authority = url.indexOf("//");
  const pathStart = url.indexOf("/", authority < 0 ? 0 : authority + 2);
  const hashStart = url.indexOf("#");
  const urlEnd = hashStart < 0 ? url.length : hashStart;
  const queryStart = url.indexOf("?");
  const hasQuery = queryStart >= 0 && queryStart < urlEnd;
  if (pathStart >= 0 && (!hasQuery || pathStart < queryStart)) {
    const path = url.slice(pathStart, hasQuery ? queryStart : urlEnd);
    if (hasInvalidPercent(path)) inspection.state.flags |= FLAG.invalidPercent;
    inspection.value(TARGET.path, "path", "", path, "url");
  }
  if (hasQuery && urlEnd > queryStart + 1) {
    inspection.urlEncoded(url.slice(queryStart + 1, urlEnd), "query", TARGET.query);
  }
  for (const [target, name, value] of inspectedHeaders)
    inspection.value(target, "header", name, value, "text");
  if (cookieHeader !== null) inspection.cookies(cookieHeader);

  if (!inspection.done && input.body && input.body.byteLength > 0 && !facts.bodyTooLarge) {
    let text: string;
    try {
      text = strictUtf8.decode(input.body);
    } catch {
      inspection.state.flags |= FLAG.invalidUtf8;
      text = lenientUtf8.decode(input.body);
    }
    if (text.includes("\0")) inspection.state.flags |= FLAG.nul;
    const shape =
      isJsonMediaType(facts.mediaType) && text.length > JSON_PRESCAN_BYTES
        ? measureJson(text, options.limits)
        : "ok";
    if (shape !== "ok") {
      inspection.state.flags |= shape === "too-deep" ? FLAG.jsonTooDeep : FLAG.jsonTooLarge;
    } else if (isJsonMediaType(facts.mediaType)) {
      let parsed: unknown;
      let parsedOk = true;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsedOk = false;
      }
      if (parsedOk) {
        if (inspection.jsonWithinLimits(parsed)) inspection.json(parsed, "");
      } else {
        // The API will answer 400; the raw text is still inspected, whole.
        inspection.state.flags |= FLAG.jsonInvalid;
        inspection.value(TARGET.body, "body", "", text, "text");
      }
    } else if (facts.mediaType === "application/x-www-form-urlencoded") {
      inspection.urlEncoded(text, "body", TARGET.body);
    } else {
      inspection.value(TARGET.body, "body", "", text, "text");
    }
  }

  if (!inspection.done) inspection.requestRules(facts);
  return { score: inspection.score, matches: inspection.matches };
}

export function decide(findings: WafFindings, routeClass: RouteClass, policy: WafClassPolicy): WafVerdict {
  const reached = findings.score >= policy.threshold;
  const action = !reached || policy.mode === "off" ? "pass" : policy.mode === "block" ? "block" : "monitor";
  return { ...findings, action, routeClass, mode: policy.mode, threshold: policy.threshold };
}
