// biome-ignore-all lint/suspicious/noControlCharactersInRegex: control characters are what these patterns find.
import { FLAG } from "./rule.ts";

/**
 * Normalisation undoes the encodings an attacker uses to slip a payload past a pattern:
 * percent-encoding (repeated), `%uXXXX`, JavaScript escapes, HTML entities, Unicode
 * compatibility forms (fullwidth `＜`), case, SQL comments and whitespace tricks. Every step is
 * linear in the input and bounded in rounds, and is skipped when its trigger character is
 * absent, because most values (amounts, symbols, ids) need none of it.
 */

/** Double and triple encoding are real evasions; more rounds than this are not needed. */
const MAX_DECODE_ROUNDS = 3;

const PERCENT_TRIPLET = /%[0-9a-fA-F]{2}/;
const PERCENT_RUN = /(?:%[0-9a-fA-F]{2})+/g;
const PERCENT_U = /%u[0-9a-fA-F]{4}/g;
const INVALID_PERCENT = /%(?![0-9a-fA-F]{2})/;
/**
 * A percent-escape whose hex digits are themselves escaped (`%%32%%66`, `%%35c`, `%2%66`): a
 * decoder that runs twice (old IIS) reads `%2f`. Decoded to the escape it spells, which the
 * ordinary percent step then decodes; a digit that does not decode to hex is left alone.
 */
const NIBBLE_ESCAPE =
  /%(?:%([0-9a-fA-F]{2})|([0-9a-fA-F]))(?:%%?([0-9a-fA-F]{2})|%([0-9a-fA-F])(?![0-9a-fA-F])|([0-9a-fA-F]))/g;
const HEX_DIGIT = /^[0-9a-fA-F]$/;
const JS_ESCAPE = /\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|u\{([0-9a-fA-F]{1,6})\})/g;
const HTML_ENTITY = /&(?:#[xX]([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([a-zA-Z][a-zA-Z0-9]{1,7}));?/g;
const NON_ASCII = /[^\x00-\x7f]/;
/** Invisible characters that split a keyword (`sel\u200bect`) without showing. */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: U+034F is matched on its own, to be removed.
const INVISIBLE = /[\u00ad\u034f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g;
/**
 * Slashes NFKC leaves alone but some servers map to `/` and `\` ("best fit"): an old
 * traversal evasion (`..%u2215..%u2215etc`); and the prime, which best fit makes a quote.
 */
const SLASH_LOOKALIKES = /[\u2044\u2215\u29f8\u29f5\u29f9\ufe68\u2216\u2032]/g;
/** Either of the above: one scan decides whether any replacing is needed. */
const INVISIBLE_OR_LOOKALIKE =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: U+034F is matched on its own, to be removed.
  /[\u00ad\u034f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u2044\u2215\u29f8\u29f5\u29f9\ufe68\u2216\u2032]/;
const LOOKALIKE_MAP: Record<string, string> = {
  "\u2044": "/",
  "\u2215": "/",
  "\u29f8": "/",
  "\u29f5": "\\",
  "\u29f9": "\\",
  "\ufe68": "\\",
  // SET MINUS, which best-fit mappings turn into a backslash.
  "\u2216": "\\",
  // PRIME, which best-fit mappings (SQL Server's among them) turn into an apostrophe:
  // `1′) and '1′='1`. The typographic apostrophe U+2019 is prose and stays.
  "\u2032": "'",
};
/**
 * Whitespace runs other than a single space (control characters count as space, except
 * \x01, the mask below). Matching only those, not every space, keeps a long note with
 * ordinary spacing from being rebuilt.
 */
const WHITESPACE_RUN =
  /(?:[^\S ]|[\x00\x02-\x08\x0e-\x1f\x7f])[\s\x00\x02-\x1f\x7f]*| [\s\x00\x02-\x1f\x7f]+/g;
const NEEDS_COLLAPSE = /[^\S ]| \s|[\x00\x02-\x08\x0e-\x1f\x7f]/;
/** Values made only of these need no decoding and cannot carry an injection on their own. */
const TOKEN = /^[A-Za-z0-9_.@=:,-]*$/;

const NAMED_ENTITIES: Record<string, string> = {
  lt: "<",
  gt: ">",
  amp: "&",
  quot: '"',
  apos: "'",
  colon: ":",
  semi: ";",
  comma: ",",
  period: ".",
  sol: "/",
  bsol: "\\",
  lpar: "(",
  rpar: ")",
  lsqb: "[",
  rsqb: "]",
  lbrack: "[",
  rbrack: "]",
  lcub: "{",
  rcub: "}",
  lbrace: "{",
  rbrace: "}",
  equals: "=",
  excl: "!",
  quest: "?",
  num: "#",
  dollar: "$",
  percnt: "%",
  ast: "*",
  plus: "+",
  vert: "|",
  verbar: "|",
  grave: "`",
  lowbar: "_",
  hyphen: "-",
  dash: "-",
  tab: "\t",
  newline: "\n",
  nbsp: " ",
};

/** Mutable per-request anomaly flags, shared by every value of the request. */
export interface DecodeState {
  flags: number;
}

/**
 * How a value travelled. `form` (query strings, form bodies): percent-encoded with `+` for a
 * space. `url` (the path): percent-encoded. `text` (JSON strings, headers, cookies): not
 * encoded at all, so decoding it is only a guess at an evasion, and what the guess turns up
 * (a byte that is not UTF-8 in "30%better") is no protocol anomaly.
 */
export type Encoding = "form" | "url" | "text";

export function isToken(raw: string): boolean {
  return TOKEN.test(raw);
}

export function hasInvalidPercent(raw: string): boolean {
  return raw.includes("%") && INVALID_PERCENT.test(raw);
}

/** Continuation bytes a lead byte announces (0 for ASCII and stray continuation bytes). */
function sequenceLength(lead: number): number {
  if (lead >= 0xc0 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf7) return 4;
  return 1;
}

/**
 * Decodes bytes that are not valid UTF-8 the way lax decoders (old IIS, some Java and PHP
 * stacks) did: the lead byte says how many bytes follow, and their low six bits are taken
 * whether or not they are continuation bytes. So the overlong `%c0%ae` is `.`, `%c0%af` and
 * `%e0%80%af` are `/`, `%c1%9c` is `\` — the dot-dot-slash evasions. A code point that is
 * still not a character stands for itself, byte by byte.
 */
function decodeLaxUtf8(bytes: number[]): string {
  let out = "";
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index] as number;
    const length = sequenceLength(lead);
    if (length === 1 || index + length > bytes.length) {
      out += String.fromCharCode(lead);
      index++;
      continue;
    }
    let codePoint = lead & (0x7f >> length);
    for (let offset = 1; offset < length; offset++) {
      codePoint = (codePoint << 6) | ((bytes[index + offset] as number) & 0x3f);
    }
    // A control character out of an overlong form (`%c0%5c` is 0x1c) is no evasion a server
    // reads: the lead byte stands for itself and the next byte is read again (here `\`).
    const valid = codePoint <= 0x10ffff && (codePoint >= 0x20 || codePoint === 0x09);
    out += valid ? String.fromCodePoint(codePoint) : String.fromCharCode(lead);
    index += valid ? length : 1;
  }
  return out;
}

function decodePercentRun(run: string, state: DecodeState, transport: boolean): string {
  try {
    return decodeURIComponent(run);
  } catch {
    // Not UTF-8 (an overlong `%c0%ae` for `.`, say): flagged, and decoded as lax decoders do.
    if (transport) state.flags |= FLAG.invalidUtf8;
    const bytes: number[] = [];
    for (let index = 0; index < run.length; index += 3) {
      bytes.push(Number.parseInt(run.slice(index + 1, index + 3), 16));
    }
    return decodeLaxUtf8(bytes);
  }
}

function decodeNibbles(
  match: string,
  highEscaped?: string,
  highPlain?: string,
  lowEscaped?: string,
  lowStray?: string,
  lowPlain?: string,
): string {
  // Only a spelled escape, not an ordinary `%41` followed by text (`%4` + `1` is no nibble pair).
  if (highEscaped === undefined && lowEscaped === undefined && lowStray === undefined) return match;
  const high = highPlain ?? String.fromCharCode(Number.parseInt(highEscaped ?? "", 16));
  let low = lowStray ?? lowPlain ?? String.fromCharCode(Number.parseInt(lowEscaped ?? "", 16));
  let rest = "";
  if (lowEscaped !== undefined && !HEX_DIGIT.test(low) && highPlain !== undefined) {
    // `%5%ce`: one decoding round already took the other `%` (`%%35%%63etc` -> `%5%cetc`).
    low = lowEscaped.charAt(0);
    rest = lowEscaped.charAt(1);
  }
  return HEX_DIGIT.test(high) && HEX_DIGIT.test(low) ? `%${high}${low}${rest}` : match;
}

function decodeEntity(match: string, hex?: string, decimal?: string, name?: string): string {
  if (hex !== undefined || decimal !== undefined) {
    const codePoint = hex !== undefined ? Number.parseInt(hex, 16) : Number.parseInt(decimal ?? "", 10);
    return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : match;
  }
  const replacement = name === undefined ? undefined : NAMED_ENTITIES[name.toLowerCase()];
  return replacement ?? match;
}

function decodeJsEscape(_match: string, byte?: string, unit?: string, codePoint?: string): string {
  const value = Number.parseInt(byte ?? unit ?? codePoint ?? "0", 16);
  return value <= 0x10ffff ? String.fromCodePoint(value) : "";
}

/** Invisible characters out, slash look-alikes and compatibility forms folded (NFKC). */
function foldUnicode(value: string): string {
  if (!NON_ASCII.test(value)) return value;
  let out = value;
  if (INVISIBLE_OR_LOOKALIKE.test(out)) {
    out = out.replace(INVISIBLE, "").replace(SLASH_LOOKALIKES, (char) => LOOKALIKE_MAP[char] ?? char);
  }
  return out.normalize("NFKC");
}

/** One round of the escapes, each only when its trigger character is present. */
function decodeRound(value: string, state: DecodeState, transport: boolean): string {
  let out = value;
  if (out.includes("%")) {
    if (out.includes("%%") || INVALID_PERCENT.test(out)) out = out.replace(NIBBLE_ESCAPE, decodeNibbles);
    if (PERCENT_TRIPLET.test(out))
      out = out.replace(PERCENT_RUN, (run) => decodePercentRun(run, state, transport));
    if (out.includes("%u") || out.includes("%U")) {
      out = out.replace(PERCENT_U, (match) => String.fromCharCode(Number.parseInt(match.slice(2), 16)));
    }
  }
  if (out.includes("\\")) out = out.replace(JS_ESCAPE, decodeJsEscape);
  if (out.includes("&")) out = out.replace(HTML_ENTITY, decodeEntity);
  return out;
}

/** Fully decoded, before case folding: what the SSRF check parses as a URL. */
export function decode(raw: string, encoding: Encoding, state: DecodeState): string {
  if (raw.includes("\0")) state.flags |= FLAG.nul;
  // Fold first (a fullwidth `％３Ｃ` is an escape only after folding), then decode, folding
  // again whatever a round produced (`%EF%BC%9C` is a fullwidth `<`).
  let value = foldUnicode(encoding === "form" && raw.includes("+") ? raw.replaceAll("+", " ") : raw);
  for (let round = 0; round < MAX_DECODE_ROUNDS; round++) {
    // Only the first round undoes the transport encoding; what later rounds find is a guess
    // at an evasion, and a password "%95" (sent as %2595) decoding to a stray byte is no anomaly.
    const transport = encoding !== "text" && round === 0;
    const next = decodeRound(value, state, transport);
    if (transport && next.includes("\0")) state.flags |= FLAG.nul;
    if (next === value) break;
    value = foldUnicode(next);
  }
  return value;
}

export function collapseWhitespace(value: string): string {
  return NEEDS_COLLAPSE.test(value) ? value.replace(WHITESPACE_RUN, " ") : value;
}

/** The markers of SQL comments: block open (with MySQL's `!` and version), block close, line. */
const COMMENT_MARKER = /\/\*(!\d{0,6})?|\*\/|--|#/g;

/**
 * Replaces SQL comments with a space, as the database would: `union/**\/select` is
 * `union select`. MySQL's executable comments (`/*!50000union*\/`) keep their content. The
 * scan jumps from marker to marker (regex and indexOf), so it is linear however many comments
 * there are and cheap when there are few.
 */
export function stripSqlComments(value: string): string {
  const parts: string[] = [];
  let start = 0;
  COMMENT_MARKER.lastIndex = 0;
  for (let match = COMMENT_MARKER.exec(value); match !== null; match = COMMENT_MARKER.exec(value)) {
    const marker = match[0];
    parts.push(value.slice(start, match.index), " ");
    let end: number;
    if (marker.startsWith("/*!") || marker === "*/") {
      // An executable comment's markers go; its content stays.
      end = match.index + marker.length;
    } else if (marker === "/*") {
      const close = value.indexOf("*/", match.index + 2);
      end = close < 0 ? value.length : close + 2;
    } else {
      const newline = value.indexOf("\n", match.index);
      end = newline < 0 ? value.length : newline;
    }
    start = end;
    COMMENT_MARKER.lastIndex = end;
  }
  if (start === 0) return value;
  parts.push(value.slice(start));
  return parts.join("");
}

interface Normalised {
  /** Decoded, case preserved. */
  decoded: string;
  /** Decoded, lower-case, whitespace collapsed, letters outside ASCII masked (see below). */
  text: string;
  /** Lower-case, line breaks kept, masked: what `sqlForm` strips comments from. */
  lower: string;
}

/** Whitespace outside ASCII (U+2028, U+0085) is left for whitespace collapsing. */
const NON_ASCII_RUN = /[^\x00-\x7f\s]+/g;
/**
 * Stands in for text outside ASCII: a non-word character that no rule names and whitespace
 * collapsing leaves alone.
 */
const MASK = "\x01";

/**
 * Every rule is written in ASCII, and after NFKC what is left outside ASCII (Cyrillic, kana,
 * emoji) can only ever match a negated class or end a word, exactly as one control character
 * does. Masking it keeps the string one byte per character, where V8's substring search and
 * regexes are several times faster than on two-byte strings: long notes in Japanese or with
 * emoji cost what English ones do.
 */
function maskNonAscii(value: string): string {
  return NON_ASCII.test(value) ? value.replace(NON_ASCII_RUN, MASK) : value;
}

export function normalise(raw: string, encoding: Encoding, state: DecodeState): Normalised {
  const decoded = decode(raw, encoding, state);
  const lower = maskNonAscii(decoded.toLowerCase());
  return { decoded, text: collapseWhitespace(lower), lower };
}

/** `text` with SQL comments out; computed only when an SQL rule gets past its gates. */
export function sqlForm(normalised: Pick<Normalised, "lower" | "text">): string {
  const { lower, text } = normalised;
  const hasComment = lower.includes("/*") || lower.includes("--") || lower.includes("#");
  return hasComment ? collapseWhitespace(stripSqlComments(lower)) : text;
}
