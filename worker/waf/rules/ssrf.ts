import { check, TARGET, type ValueRule } from "../rule.ts";

/**
 * Server-side request forgery: an internal or cloud-metadata address in a parameter that is a
 * URL. The URL is parsed with the WHATWG parser, the same one any fetch on our side would
 * use, so decimal (2130706433), hex (0x7f000001), octal (0177.0.0.1) and short (127.1) IPv4
 * forms, IDNA look-alikes and `user@host` tricks all arrive as the address they really mean.
 * Only URL-like parameters are checked (a value that starts with a scheme or `//`, or a
 * parameter named like a URL): a note that mentions localhost is not a request to fetch it.
 */
const targets = TARGET.query | TARGET.body;

const URL_LIKE_NAME =
  /(?:url|uri|link|href|src|callback|webhook|redirect|return|endpoint|host|domain|proxy|dest|target|feed|image|avatar|site)/;
const SCHEME = /^([a-z][a-z0-9+.-]{0,15}):/;
/** A schemeless value in a URL-named parameter is checked only when it looks like a host. */
const HOST_LIKE = /[.:[]|^\d{8,}$|^0x/;
const DANGEROUS_SCHEMES = new Set([
  "gopher",
  "dict",
  "file",
  "ldap",
  "ldaps",
  "tftp",
  "jar",
  "netdoc",
  "smb",
  "rmi",
  "iiop",
  "sftp",
  "ftp",
  "phar",
  "expect",
]);
/** Schemes whose authority is a network host we would connect to. */
const NETWORK_SCHEMES = new Set(["http", "https", "ws", "wss"]);
const INTERNAL_NAMES = new Set([
  "localhost",
  "metadata",
  "metadata.goog",
  "instance-data",
  "kubernetes",
  "kubernetes.default",
  "kubernetes.default.svc",
  "localtest.me",
  "lvh.me",
  "vcap.me",
]);
const INTERNAL_SUFFIXES = [
  ".localhost",
  ".internal",
  ".local",
  ".localdomain",
  ".home.arpa",
  ".localtest.me",
  ".lvh.me",
];
/** Wildcard DNS services that resolve `127.0.0.1.nip.io` to 127.0.0.1. */
const IP_IN_NAME_SUFFIXES = [".nip.io", ".sslip.io", ".xip.io", ".traefik.me", ".localh.st"];
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV4_IN_NAME = /(?:^|[.-])(\d{1,3})[.-](\d{1,3})[.-](\d{1,3})[.-](\d{1,3})(?:[.-]|$)/;

function isInternalIpv4(a: number, b: number, c: number): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 192 && b === 0 && c === 0) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

function ipv4Internal(match: RegExpExecArray | null): boolean {
  if (!match) return false;
  return isInternalIpv4(Number(match[1]), Number(match[2]), Number(match[3]));
}

/** `[::1]`, `[fd00::1]`, `[::ffff:7f00:1]`: expands the canonical form the URL parser gives. */
function isInternalIpv6(address: string): boolean {
  const halves = address.split("::");
  if (halves.length > 2) return false;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return false;
  const groups = [...head, ...Array.from({ length: missing }, () => "0"), ...tail].map((group) =>
    Number.parseInt(group, 16),
  );
  if (groups.some((group) => Number.isNaN(group))) return false;
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const leadingZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (leadingZero && g5 === 0 && g6 === 0 && (g7 === 0 || g7 === 1)) return true;
  if ((g0 & 0xfe00) === 0xfc00 || (g0 & 0xffc0) === 0xfe80) return true;
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) carry an IPv4 address.
  const mapped = leadingZero && g5 === 0xffff;
  const nat64 = g0 === 0x64 && g1 === 0xff9b;
  if (mapped || nat64) return isInternalIpv4(g6 >> 8, g6 & 0xff, g7 >> 8);
  return false;
}

function isInternalHost(hostname: string, networkScheme: boolean): boolean {
  if (hostname.startsWith("[")) return isInternalIpv6(hostname.slice(1, -1));
  const ipv4 = IPV4.exec(hostname);
  if (ipv4) return ipv4Internal(ipv4);
  const name = hostname.endsWith(".") ? hostname.slice(0, -1) : hostname;
  if (INTERNAL_NAMES.has(name)) return true;
  for (const suffix of INTERNAL_SUFFIXES) if (name.endsWith(suffix)) return true;
  for (const suffix of IP_IN_NAME_SUFFIXES) {
    if (name.endsWith(suffix)) return ipv4Internal(IPV4_IN_NAME.exec(name.slice(0, -suffix.length)));
  }
  // A single-label host (`http://redis:6379/`) can only be an internal name.
  return networkScheme && name.length > 0 && !name.includes(".");
}

type SsrfFinding = "internal-host" | "dangerous-scheme" | null;

/** Long enough for any scheme we look at, and for `//` after it. */
const SCHEME_PREFIX_LENGTH = 24;

function classifyUrlValue(decoded: string, parameter: string): SsrfFinding {
  // Most values are not URLs: decide that from their first characters, without copying a
  // long note to parse it.
  const prefix = decoded.slice(0, SCHEME_PREFIX_LENGTH).trimStart().toLowerCase();
  const urlNamed = URL_LIKE_NAME.test(parameter.toLowerCase());
  if (!urlNamed && !prefix.startsWith("//") && !SCHEME.test(prefix)) return null;
  const value = decoded.trim().toLowerCase();
  const scheme = SCHEME.exec(value)?.[1];
  let candidate: string;
  // Only an explicit http(s)/ws(s) URL makes a single-label host suspicious: `//notes` in a
  // label is not a request for the host "notes".
  let explicitScheme = false;
  if (scheme !== undefined && value.startsWith("//", scheme.length + 1)) {
    candidate = value;
    explicitScheme = true;
  } else if (value.startsWith("//")) candidate = `http:${value}`;
  else if (scheme === undefined && urlNamed && !value.startsWith("/") && HOST_LIKE.test(value)) {
    candidate = `http://${value}`;
  } else if (scheme !== undefined && DANGEROUS_SCHEMES.has(scheme)) {
    return "dangerous-scheme";
  } else {
    return null;
  }
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  const protocol = url.protocol.slice(0, -1);
  if (DANGEROUS_SCHEMES.has(protocol)) return "dangerous-scheme";
  return isInternalHost(url.hostname, explicitScheme && NETWORK_SCHEMES.has(protocol))
    ? "internal-host"
    : null;
}

/** Both rules ask about the same value one after the other: parse it once. */
let memo: { text: string; parameter: string; finding: SsrfFinding } | undefined;

function classifyOnce(text: string, parameter: string): SsrfFinding {
  if (memo?.text !== text || memo.parameter !== parameter) {
    memo = { text, parameter, finding: classifyUrlValue(text, parameter) };
  }
  return memo.finding;
}

export const ssrfRules: ValueRule[] = [
  check({
    id: "ssrf-internal-address",
    category: "ssrf",
    score: 5,
    targets,
    tokens: true,
    // The decoded value, not the masked text: the URL parser maps some non-ASCII (`127。0。0。1`).
    check: (value) => classifyOnce(value.decoded, value.name) === "internal-host",
    description: "a URL parameter pointing at a loopback, private, link-local or metadata address",
  }),
  check({
    id: "ssrf-dangerous-scheme",
    category: "ssrf",
    score: 5,
    targets,
    check: (value) => classifyOnce(value.decoded, value.name) === "dangerous-scheme",
    description: "a URL parameter with a scheme used for protocol smuggling (gopher:, dict:, file:)",
  }),
];
