import { check, PARAMETERS, pattern, TARGET, type ValueRule } from "../rule.ts";

/**
 * Path traversal and local file inclusion. URL parsers resolve a literal `/../` before we see
 * the path, so what arrives is encoded (`..%2f`, `%252e%252e`), backslashed or in a parameter;
 * normalisation has already decoded it.
 */
const targets = PARAMETERS | TARGET.path | TARGET.header;

/** A separator a server's path resolution splits on. */
function isSeparator(code: number): boolean {
  return code === 0x2f || code === 0x5c;
}

/**
 * Counts dot-dot segments, stopping at `limit`: a run of two or more dots that starts a segment
 * (after a separator, a space, `=` or at the start) and ends one (a separator, `;` or the end).
 * Longer runs count because filters that strip `../` once turn `....//` into `../`, and some
 * servers read `.../` as `../`.
 */
function countDotDotSegments(text: string, limit: number): number {
  let count = 0;
  let index = text.indexOf("..");
  while (index >= 0 && count < limit) {
    let end = index + 2;
    while (end < text.length && text.charCodeAt(end) === 0x2e) end++;
    const before = index === 0 ? 0x2f : text.charCodeAt(index - 1);
    const after = end >= text.length ? 0x2f : text.charCodeAt(end);
    const startsSegment = isSeparator(before) || before === 0x20 || before === 0x3d;
    const endsSegment = isSeparator(after) || after === 0x3b;
    if (startsSegment && endsSegment) count++;
    index = text.indexOf("..", end);
  }
  return count;
}

/**
 * A dot-dot (or the `?` fuzzers put for a dot that a lax decoder might produce) followed by a
 * separator in a spelling no standard decoder accepts but some lax one did: `0x2f`, bare hex
 * `2f`/`5c`, a percent-escape left undecoded (`%bg%qf`, `%c1%pc`) or a byte outside ASCII left
 * from an overlong sequence (masked as \x01). Dot-dot itself must start the value or follow a
 * non-letter, so `v1..2f` in a version string needs a second one.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: \x01 is the mask for text outside ASCII, \x00 a decoded NUL.
const ENCODED_DOT_DOT = /[.?]{2,5}(?:[/\\]\.?)?(?:0x(?:2f|5c)|2f|5c|%[0-9a-z]{0,2}|\x01 ?|\x00){1,6}/g;
/** What the fuzzers aim such a path at: one spelled dot-dot before it is enough. */
const MANGLED_TARGET =
  /(?:boot|win|system)\.ini|passwd|shadow|system32|etc[^a-z]{1,12}?(?:issue|hosts|group)\b/;

function countEncodedDotDots(text: string, limit: number): number {
  if (!text.includes("..") && !text.includes("?")) return 0;
  let count = 0;
  let lastEnd = -1;
  ENCODED_DOT_DOT.lastIndex = 0;
  for (
    let match = ENCODED_DOT_DOT.exec(text);
    match !== null && count < limit;
    match = ENCODED_DOT_DOT.exec(text)
  ) {
    const before = match.index === 0 ? 0x2f : text.charCodeAt(match.index - 1);
    const letterOrDigit = (before >= 0x61 && before <= 0x7a) || (before >= 0x30 && before <= 0x39);
    // A segment right after another counts whatever the other ended with (`..0x5c..0x5c`).
    if (!letterOrDigit || match.index === lastEnd) count++;
    lastEnd = match.index + match[0].length;
  }
  return count;
}

/** The end of a mangled path: a file name specific enough that junk before it is an attack. */
const MANGLED_END =
  /^(?:(?:boot|win|system)\.ini\b|etc[^a-z]{1,12}?(?:passwd|shadow|issue|hosts|group)\b|(?:windows|winnt)[^a-z]{1,12}?(?:system32|win\.ini|system\.ini|repair)\b)/;

function isAlphanumeric(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39);
}

/**
 * A value that is nothing but dots, separators and encoding debris (escapes left undecoded,
 * `0x2f`, bytes outside ASCII from overlong forms) up to a system file: the dots themselves
 * may be spelled so that nothing recognisable is left (`%f8%80%80%80%ae%f8%80%80%80%ae%c1%pc
 * boot.ini`). At least two pieces of debris; one scan, bounded.
 */
function mangledPrefixTarget(text: string): boolean {
  let index = 0;
  let debris = 0;
  const end = Math.min(text.length, 512);
  while (index < end) {
    const code = text.charCodeAt(index);
    if (code === 0x25) {
      debris++;
      index++;
      for (let digits = 0; digits < 2 && index < end && isAlphanumeric(text.charCodeAt(index)); digits++)
        index++;
      continue;
    }
    if (code === 0x30 && text.charCodeAt(index + 1) === 0x78) {
      const pair = text.slice(index + 2, index + 4);
      if (pair === "2f" || pair === "5c") {
        debris++;
        index += 4;
        continue;
      }
      break;
    }
    if (code === 0x01) {
      debris++;
      index++;
      continue;
    }
    if (
      code <= 0x20 ||
      code === 0x2e ||
      code === 0x3f ||
      code === 0x2f ||
      code === 0x5c ||
      code === 0x3e ||
      code === 0x5e
    ) {
      index++;
      continue;
    }
    break;
  }
  return debris >= 2 && MANGLED_END.test(text.slice(index, index + 64));
}

function encodedDotDotPath(text: string): boolean {
  if (mangledPrefixTarget(text)) return true;
  const count = countEncodedDotDots(text, 2);
  return count >= 2 || (count === 1 && MANGLED_TARGET.test(text));
}

/**
 * The path as a server resolves it before opening a file: runs of separators and `./`
 * segments collapse to one `/` (`/etc//passwd`, `/etc/./passwd`, `\etc\passwd`).
 */
const SEPARATOR_RUN = /[/\\](?:\.?[/\\])*/g;

let pathMemo: { text: string; path: string } | undefined;

function pathForm(text: string): string {
  if (pathMemo?.text !== text) pathMemo = { text, path: text.replace(SEPARATOR_RUN, "/") };
  return pathMemo.path;
}

/** Files under /etc whose contents an attacker reads (credentials, configuration, versions). */
const ETC_FILES =
  "passwd|shadow|group|gshadow|master\\.passwd|security\\/(?:passwd|opasswd|lastlog)|hosts(?:\\.allow|\\.deny)?|issue(?:\\.net)?|sudoers|crontab|cron\\.[a-z]|os-release|lsb-release|[a-z]{2,16}-release|hostname|motd|resolv\\.conf|fstab|mtab|profile|bashrc|environment|inittab|shells|ftpusers|aliases|exports|timezone|machine-id|login\\.defs|securetty|subuid|subgid|crypttab|sysctl\\.conf|ld\\.so\\.[a-z]|my\\.cnf|mysql\\/|apache2?\\/|httpd\\/|nginx\\/|lighttpd\\/|php[0-9.]{0,4}(?:\\/|\\.d\\/|\\.ini)|ssh\\/|ssl\\/|pam\\.d\\/|init\\.d\\/|sysconfig\\/|samba\\/|vsftpd|proftpd|pure-?ftpd|redis|mongod|postfix\\/|openvpn\\/|logrotate|xinetd|tomcat[0-9]{0,2}\\/|haproxy\\/|squid|named\\.conf|krb5\\.conf|knockd|snmp\\/|ntp\\.conf|network\\/|wpa_supplicant|docker\\/|kubernetes\\/|selinux\\/|systemd\\/|x11\\/|cups\\/|rc\\.[a-z]";

/**
 * A well-known system or credential file, on the path form. Starts at a slash and looks back
 * for the directory, so a long text is scanned for one character.
 */
const SYSTEM_FILE = new RegExp(
  "\\/(?:" +
    `(?<=(?:^|[^a-z0-9_.-])etc\\/)(?:${ETC_FILES})` +
    "|(?<=proc\\/(?:self|\\d{1,7}|thread-self)\\/)(?:environ|cmdline|fd|maps|mem|status|cwd|root|exe|mounts|stat|net)" +
    "|(?<=(?:^|\\/)proc\\/)(?:version|cpuinfo|meminfo|mounts|net\\/|sched_debug|kcore|partitions|modules)" +
    "|(?<=(?:^|\\/)var\\/)(?:log\\/[a-z]|www\\/|mail\\/|spool\\/(?:cron|mail)|lib\\/(?:mysql|pgsql|php|postgresql|mlocate)|run\\/secrets|adm\\/|backups\\/)" +
    "|(?<=(?:^|\\/)usr\\/local\\/)(?:apache|etc\\/|php|lib\\/php|nginx|www)" +
    "|(?<=(?:windows|winnt)\\/)(?:win\\.ini|system\\.ini|system32|repair|panther|debug\\/|php\\.ini|my\\.ini|iis[0-9]\\.log|windowsupdate\\.log|sysnative|syswow64)" +
    "|(?<=(?:repair|system32\\/config)\\/)(?:sam|system|security|software)\\b" +
    "|(?<=inetpub\\/)[a-z]" +
    "|(?<=\\.ssh\\/)(?:id_[a-z0-9]{2,8}|authorized_keys|known_hosts|config)" +
    "|(?<=\\.aws\\/)(?:credentials|config)" +
    "|(?<=\\.docker\\/)config\\.json" +
    "|(?<=\\.kube\\/)config" +
    "|(?<=\\.git\\/)(?:config|head|index|logs)" +
    "|(?<=(?:documents and settings|users)\\/[a-z0-9_. -]{1,32}\\/)(?:ntuser\\.|desktop\\.ini|appdata\\/)" +
    ")" +
    // Files whose name alone says what they are, wherever they sit.
    "|\\/(?:\\.bash_history|\\.zsh_history|\\.mysql_history|\\.psql_history|\\.netrc|\\.pgpass|\\.my\\.cnf|\\.htpasswd|\\.htaccess|web\\.config|global\\.asa|php\\.ini|my\\.ini|httpd\\.conf|httpd-vhosts\\.conf|apache2\\.conf|nginx\\.conf|lighttpd\\.conf|sshd_config|wp-config\\.php|access[._]log|error[._]log|ntuser\\.dat|pagefile\\.sys|hiberfil\\.sys|desktop\\.ini|autoexec\\.bat|config\\.sys)(?:$|[.\\/ ;?&#%\\x00]|\\.\\d)",
);

export const traversalRules: ValueRule[] = [
  check({
    id: "traversal-dot-dot",
    category: "traversal",
    score: 5,
    targets,
    chars: ".",
    check: (value) => value.text.includes("..") && countDotDotSegments(value.text, 2) >= 2,
    description: "two or more ../ segments",
  }),
  check({
    id: "traversal-dot-dot-single",
    category: "traversal",
    score: 3,
    targets,
    chars: ".",
    check: (value) => value.text.includes("..") && countDotDotSegments(value.text, 2) === 1,
    description: "one ../ segment (weak on its own)",
  }),
  check({
    id: "traversal-system-file",
    category: "traversal",
    score: 5,
    targets,
    chars: "/\\",
    check: (value) => SYSTEM_FILE.test(pathForm(value.text)),
    description: "a well-known system, log or credential file (separators collapsed)",
  }),
  pattern({
    id: "traversal-system-file-mangled",
    category: "traversal",
    score: 5,
    targets,
    // A token too: `..2f..2fetc2fpasswd`, `..0x5cetc0x5cissue` have no separator left.
    tokens: true,
    anyOf: ["etc", "system32", ".ini"],
    // Fuzzers spell the separator every way a decoder might accept (`etc%c1%8spasswd`,
    // `etc0x2fissue`): the file names are specific enough that any junk between them counts.
    pattern:
      /etc[^ ]{1,12}?(?:passwd|shadow|issue|hosts|group)\b|system32[^ ]{1,12}?(?:drivers|config)\b|(?:^|[^a-z0-9_-])(?:boot|win|system)\.ini\b/,
    description: "etc/passwd, windows/system32, boot.ini with mangled separators",
  }),
  check({
    id: "traversal-dot-dot-encoded",
    category: "traversal",
    score: 5,
    targets,
    tokens: true,
    chars: ".?%\x01",
    check: (value) => encodedDotDotPath(value.text),
    description:
      "dot-dot segments whose separator is spelled as no standard decoder reads it (..0x2f, ..%bg%qf, ..%c0): two, or one before a system file",
  }),
  pattern({
    id: "traversal-windows-system-path",
    category: "traversal",
    score: 5,
    targets,
    chars: "/\\",
    // A value that is an absolute Windows path (and nothing else) into the system or a server
    // stack's directories: `C:\WINDOWS\TEMP\`, `c:/xampp/apache/conf/httpd.conf`,
    // `\inetpub\wwwroot\web.config`. `C:\Program Files\Ledger Live` and a path quoted in a
    // sentence are not (the value must end where the path does), nor `/windows`, a site path.
    pattern:
      /^\/?(?:[a-z]:[/\\]|\\)(?:windows|winnt|system32|xampp|inetpub|wamp\d{0,2}|appserv|php\d?|mysql|sysprep|unattend\.(?:xml|txt)|boot\.ini|apache\d?|tomcat\d{0,2}|nginx)(?:[/\\][^ /\\]{0,64}){0,12}[/\\]?$/,
    description: "a value that is an absolute Windows path into system or server directories",
  }),
  pattern({
    id: "traversal-base64",
    category: "traversal",
    score: 5,
    targets,
    tokens: true,
    anyOf: ["li4v", "li5c"],
    pattern: /li4v(?:li4v|li5c)|li5cli4u/,
    description: "../../ encoded in base64 (a file parameter decoded by the application)",
  }),
  pattern({
    id: "traversal-server-path",
    category: "traversal",
    score: 4,
    targets,
    chars: "/\\",
    anyOf: ["var", "usr", "tmp"],
    pattern: /(?:^|[/\\])(?:var[/\\](?:log|www|lib|run)|usr[/\\](?:local|share|lib)|tmp)[/\\]/,
    description: "an absolute server path (weak on its own)",
  }),
  pattern({
    id: "traversal-stream-wrapper",
    category: "traversal",
    score: 5,
    targets,
    chars: ":",
    anyOf: ["//"],
    // Starts at the ":" and looks back for the scheme.
    pattern:
      /:(?<=\b(?:php|phar|zip|expect|glob|file|jar|netdoc|compress\.zlib|compress\.bzip2|zlib|ogg|rar|ssh2\.[a-z]{3,8}) ?:) ?\/\//,
    description: "a file or stream wrapper URL (file://, php://filter)",
  }),
  pattern({
    id: "traversal-config-file",
    category: "traversal",
    score: 5,
    targets,
    // `.env` on its own is a plain token.
    tokens: true,
    chars: ".",
    anyOf: [".ht", "config", ".env", "settings.py", "database.yml"],
    pattern:
      /(?:^|[/\\])(?:\.htaccess|\.htpasswd|web\.config|wp-config\.php|\.env(?:\.[a-z]{1,12})?|config\.php|localsettings\.php|settings\.py|database\.yml)$/,
    description: "an application secrets or server configuration file",
  }),
];
