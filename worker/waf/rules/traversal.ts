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
    anyOf: ["etc", "system32", ".ini"],
    // Fuzzers spell the separator every way a decoder might accept (`etc%c1%8spasswd`,
    // `etc0x2fissue`): the file names are specific enough that any junk between them counts.
    pattern:
      /etc[^ ]{1,12}?(?:passwd|shadow|issue|hosts|group)\b|system32[^ ]{1,12}?(?:drivers|config)\b|(?:^|[^a-z0-9_-])(?:boot|win|system)\.ini\b/,
    description: "etc/passwd, windows/system32, boot.ini with mangled separators",
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
