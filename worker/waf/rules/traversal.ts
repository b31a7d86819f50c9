import { check, PARAMETERS, pattern, TARGET, type ValueRule } from "../rule.ts";

/**
 * Path traversal and local file inclusion. URL parsers resolve a literal `/../` before we see
 * the path, so what arrives is encoded (`..%2f`, `%252e%252e`), backslashed or in a parameter;
 * normalisation has already decoded it.
 */
const targets = PARAMETERS | TARGET.path | TARGET.header;

/** Counts `..` segments (`../`, `..\`, `..;/`, a trailing `/..`), stopping at `limit`. */
function countDotDotSegments(text: string, limit: number): number {
  let count = 0;
  let index = text.indexOf("..");
  while (index >= 0 && count < limit) {
    const before = index === 0 ? 0x2f : text.charCodeAt(index - 1);
    const after = index + 2 >= text.length ? 0x2f : text.charCodeAt(index + 2);
    const startsSegment = before === 0x2f || before === 0x5c || before === 0x20 || before === 0x3d;
    const endsSegment = after === 0x2f || after === 0x5c || after === 0x3b;
    if (startsSegment && endsSegment) count++;
    index = text.indexOf("..", index + 2);
  }
  return count;
}

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
  pattern({
    id: "traversal-system-file",
    category: "traversal",
    score: 5,
    targets,
    chars: "/\\",
    // Starts at a slash and looks back for the directory: one scan for one character.
    pattern:
      /[/\\](?:(?<=etc[/\\])(?:passwd|shadow|group|hosts|issue|sudoers|crontab|os-release|hostname)|(?<=proc[/\\](?:self|\d{1,7})[/\\])(?:environ|cmdline|fd|maps|mem|status|cwd|root)|(?<=(?:windows|winnt)[/\\])(?:win\.ini|system\.ini|system32|repair)|(?<=\.ssh[/\\])(?:id_[a-z0-9]{2,8}|authorized_keys|known_hosts)|(?<=\.aws[/\\])credentials|(?<=\.docker[/\\])config\.json|(?<=\.kube[/\\])config|(?<=inetpub[/\\])[a-z])\b/,
    description: "a well-known system or credential file",
  }),
  pattern({
    id: "traversal-windows-file",
    category: "traversal",
    score: 5,
    targets,
    chars: ".",
    anyOf: ["boot.ini", "win.ini", "system.ini"],
    pattern: /(?:^|[/\\ :=])(?:boot|win|system)\.ini\b/,
    description: "boot.ini, win.ini, system.ini",
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
