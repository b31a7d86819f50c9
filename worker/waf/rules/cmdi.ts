import { check, PARAMETERS, pattern, TARGET, type ValueRule } from "../rule.ts";

/**
 * OS command injection. Separators (`;`, `|`, `&`) are ordinary punctuation in "AT&T" and
 * "price; qty", and "cat", "sleep" and "ping" are English; so a command word only counts
 * after a separator *and* with something shell-like after it (a flag, a path, a URL, a
 * number and nothing else, the end of the value), or inside `$( )` or backticks.
 */
const targets = PARAMETERS | TARGET.header;

/** Commands that take arguments: they count only when one follows. */
const COMMANDS =
  "(?:cat|ls|id|uname|wget|curl|nc|ncat|netcat|bash|sh|zsh|ksh|ping|nslookup|dig|sleep|echo|printf|rm|chmod|chown|python[23]?|perl|php|ruby|powershell|pwsh|cmd|certutil|bitsadmin|busybox|telnet|sudo|base64|nohup|xterm|socat|type|dir|tftp|ipconfig|ifconfig|netstat|systeminfo|tasklist|whoami|hostname|uname|head|tail|tac|nl|xxd|od|strings|timeout|find|arp|route|net1|ver)";

/** Commands attackers run bare, to see whether injection works at all. */
const BARE_COMMANDS =
  "(?:id|whoami|uname|pwd|ls|ifconfig|ipconfig|netstat|systeminfo|tasklist|printenv|hostname|dir|sysinfo|ver|env|ps|set|getuid|read)";

/** What follows a command in a shell, but not in a sentence. */
const SHELL_ARGUMENT =
  "(?: (?:-{1,2}[a-z]|[/\\\\~]|[a-z]:\\\\|https?:|ftp:|\\$|%[a-z_]{2,32}%|\\d{1,3}\\.\\d{1,3}\\.|\\d{1,4} ?(?:$|[;|&`)#]))| ?[<>]|\\$)";

const BARE = `${BARE_COMMANDS}(?: ?$| ?[;|&\`)#])`;

/**
 * What separates commands: `;`, `|`, `&`, `$(`, a
 * backtick that is not markdown inline code in prose (there a space precedes it: "Run
 * \`python bot.py\` on my Pi"), and a line break.
 */
const SEPARATOR = "(?:;|\\||&|(?<=^|[^ `])`(?!`)|\\$\\(|\\n|^['\"])";

const CHAINED = new RegExp(`${SEPARATOR} ?(?:${BARE}|${COMMANDS}${SHELL_ARGUMENT})`);
const NET_COMMAND = /(?:;|\||&|`|\$\() ?net (?:user|localgroup|view|share|use)\b/;
/**
 * A command at the start of a line after the first (`%0aid`, `%0acat /etc/passwd`). Runs on
 * the decoded text, where line breaks survive; `m` makes `$` the end of that line.
 */
const LINE_COMMAND = new RegExp(
  `[\\r\\n][ \\t]*(?:${BARE}|${COMMANDS}${SHELL_ARGUMENT}|/(?:usr/)?(?:local/)?s?bin/[a-z]|net (?:user|localgroup|view|share|use)\\b|echo\\b)`,
  "im",
);
const LINE_BREAK = /[\r\n]/;
/** `\n` written out, as payloads meant for an `echo -e` or a PHP string carry it. */
const ESCAPED_LINE_BREAK = /\\[nr]/g;

/** Shells drop quotes and backslashes inside a word: `w'h'o'am'i` runs whoami. */
const SHELL_QUOTING = /['"\\]/g;
/** A separator, then a word with quoting inside it within a few letters. */
const QUOTED_WORD_AFTER_SEPARATOR = /(?:[;|&`]|\$\() ?[a-z/]{0,8}['"\\][a-z]/;

const SUBSTITUTION = new RegExp(
  `\\$\\( ?(?:${COMMANDS}|${BARE_COMMANDS})\\b|(?<=^|[^ \`])\`(?!\`)[ (]?(?:${COMMANDS}|${BARE_COMMANDS})(?:\\b[^\`]{0,128})?\``,
);

function hasQuotedCommand(text: string): boolean {
  return QUOTED_WORD_AFTER_SEPARATOR.test(text) && CHAINED.test(text.replace(SHELL_QUOTING, ""));
}

/**
 * Whether a line after the first starts with a command. Strong when the value looks like a
 * parameter with a line injected (`127.0.0.1\nid`, `\n/bin/ls`): its first line is one token
 * and there is no markdown fence; a support message that pastes a shell session ("Steps:\n
 * ls -la logs/", a ``` block) is only weak.
 */
function commandOnLaterLine(decoded: string): "strong" | "weak" | null {
  const text = decoded.includes("\\") ? decoded.replace(ESCAPED_LINE_BREAK, "\n") : decoded;
  if (!LINE_BREAK.test(text)) return null;
  if (!LINE_COMMAND.test(text)) {
    // The command may be spelled with shell quoting or empty expansions (`\nw'h'o'am'i`).
    const unquoted = text.toLowerCase().replace(EMPTY_EXPANSION, "").replace(SHELL_QUOTING, "");
    if (unquoted === text.toLowerCase() || !LINE_COMMAND.test(unquoted)) return null;
  }
  const firstLine = text.slice(0, text.search(LINE_BREAK)).trim();
  const injected = !text.includes("```") && !/\s/.test(firstLine) && !firstLine.endsWith(":");
  return injected ? "strong" : "weak";
}

/**
 * Variables a shell expands to nothing split a word without changing it: `c$@at`,
 * `$u/bin$u/cat`, `w${x}hoami`, `who$()ami`, `ca''t`. `$IFS` is a space.
 */
const EMPTY_EXPANSION =
  /\$\{ifs\}|\$ifs\b|\$\{[a-z_0-9@*#?!-]{0,16}\}|\$\(\)|\$[a-z_][a-z0-9_]{0,15}|\$[0-9@*#?!]|''|""/g;
/** An absolute path to a binary where a command starts: the value's start or after a separator. */
const BINARY_AT_COMMAND_START =
  /(?:^|[;|&`'"(=\n]) ?\/(?:usr\/)?(?:local\/)?s?bin\/[a-z]|[;|&`] ?usr\/(?:local\/)?s?bin\/[a-z]|(?:^|[;|&`(]) ?\/etc\/(?:passwd|shadow)\b/;

function hasCommandAfterExpansion(text: string): boolean {
  if (!text.includes("$") && !text.includes("''") && !text.includes('""')) return false;
  const expanded = text.replace(EMPTY_EXPANSION, (match) => (match.includes("ifs") ? " " : ""));
  if (expanded === text) return false;
  return CHAINED.test(expanded) || BINARY_AT_COMMAND_START.test(expanded) || SUBSTITUTION.test(expanded);
}

/**
 * A value that is a command line and nothing else, as a fuzzer sends it to a parameter the
 * application might pass to a shell whole (`whoami`, `uname -a`, `ls -l /etc/`, `dir C:\`,
 * `net user x y /add`). Only commands that are no English word count alone or with a flag;
 * English ones (cat, type, find, sleep, which) only with an argument a sentence never has.
 * `curl https://...` alone is left out: it is also how a developer asks why the API refused.
 */
const COMMAND_LINE_VALUE = new RegExp(
  "^(?:" +
    [
      "(?:whoami|ifconfig|ipconfig|netstat|systeminfo|sysinfo|tasklist|uname|printenv|getuid|nslookup)(?: ?$| (?:-{1,2}[a-z]|/[a-z]))",
      // Flags, then nothing but paths: "rm -rf node_modules fixed it" is a sentence.
      "(?:ls|uname|netstat|chmod|chown|rm|xxd|nc|ncat|netcat|bash|sh|zsh|ksh|cat|ps|kill|id)(?: -{1,2}[a-z0-9]{1,12})+(?: [/~.*][^ ]{0,128})*$",
      "(?:ls|cat|cd|more|tree) /(?:etc|home|tmp|var|usr|root|proc|bin|opt|srv)\\b[^ ]{0,128}$",
      "(?:dir|type) [a-z]:[\\\\/][^;|&]{0,128}$",
      "sleep \\d{1,3}$",
      `which ${COMMANDS}$`,
      "net (?:user|localgroup|group) [^;|&]{0,64} /(?:add|del|delete|active|domain)$",
    ].join("|") +
    ")",
);

/** Code that runs a shell command given as a string: eval('whoami'), system("ls -la"). */
const CODE_RUNS_COMMAND = new RegExp(
  `\\b(?:eval|exec|system|passthru|shell_exec|popen|proc_open|assert|execsync|spawnsync) ?\\( ?['"\`] ?(?:${BARE}|${BARE_COMMANDS}['"\`]|${COMMANDS}\\b)`,
);

export const cmdiRules: ValueRule[] = [
  pattern({
    id: "cmdi-command-line-value",
    category: "cmdi",
    score: 5,
    targets,
    // `whoami` is a plain token.
    tokens: true,
    anyOf: [
      "whoami",
      "config",
      "netstat",
      "sysinfo",
      "systeminfo",
      "tasklist",
      "uname",
      "printenv",
      "getuid",
      "nslookup",
      "-",
      "/",
      "\\",
      "sleep ",
      "which ",
      "net ",
    ],
    pattern: COMMAND_LINE_VALUE,
    description: "a value that is a command line and nothing else (whoami, uname -a, ls -l /etc/)",
  }),
  pattern({
    id: "cmdi-code-runs-command",
    category: "cmdi",
    score: 5,
    targets,
    chars: "(",
    alsoChars: "'\"`",
    pattern: CODE_RUNS_COMMAND,
    description: "eval/system/exec given a shell command as a string (eval('ls'))",
  }),
  pattern({
    id: "cmdi-template-injection",
    category: "cmdi",
    score: 5,
    targets,
    chars: "{",
    anyOf: ["{{", "{%"],
    // Jinja/Twig/Liquid: `{{ ''.__class__.__mro__ }}`, `{% for c in [1,2,3] %}`: server-side
    // templates reaching Python objects, or statements only a template engine runs.
    pattern:
      /\{\{[^}]{0,64}__ ?[a-z]{2,16} ?__|\{% ?(?:for|if|set|import|include|extends|macro|block|raw|print|debug|with)\b[^%]{0,128}%\}/,
    description: "server-side template injection (Jinja/Twig statements, Python dunder chains)",
  }),
  pattern({
    id: "cmdi-chained-command",
    category: "cmdi",
    score: 5,
    targets,
    // A quote only at the start of the value (`' whoami`: breaking out of a quoted argument).
    chars: ";|&`$'\"",
    pattern: CHAINED,
    description: "a separator, a command and a shell argument (; cat /etc/passwd)",
  }),
  check({
    id: "cmdi-quoted-command",
    category: "cmdi",
    score: 5,
    targets,
    chars: ";|&`$",
    check: (value) => hasQuotedCommand(value.text),
    description: "a chained command spelled with shell quoting (;w'h'o'am'i)",
  }),
  pattern({
    id: "cmdi-net-command",
    category: "cmdi",
    score: 5,
    targets,
    chars: ";|&`$",
    anyOf: ["net "],
    pattern: NET_COMMAND,
    description: "Windows net user/localgroup after a separator",
  }),
  check({
    id: "cmdi-newline-command",
    category: "cmdi",
    score: 5,
    targets,
    check: (value) => commandOnLaterLine(value.decoded) === "strong",
    description: "a command on a line of its own after a line break (%0aid)",
  }),
  check({
    id: "cmdi-newline-command-in-prose",
    category: "cmdi",
    score: 2,
    targets,
    check: (value) => commandOnLaterLine(value.decoded) === "weak",
    description: "a command on its own line in a multi-line text (weak: pasted shell sessions)",
  }),
  pattern({
    id: "cmdi-substitution",
    category: "cmdi",
    score: 5,
    targets,
    chars: "$`",
    pattern: SUBSTITUTION,
    description: "command substitution: $(id), `whoami` (not markdown inline code in prose)",
  }),
  pattern({
    id: "cmdi-substitution-in-prose",
    category: "cmdi",
    score: 2,
    targets,
    chars: "`",
    pattern: new RegExp(`(?<=[ \`])\`[ (]?(?:${COMMANDS}|${BARE_COMMANDS})(?:\\b[^\`]{0,128})?\``),
    description: "a command in markdown inline code (weak: people paste commands they ran)",
  }),
  check({
    id: "cmdi-empty-expansion",
    category: "cmdi",
    score: 5,
    targets,
    chars: "$'\"",
    check: (value) => hasCommandAfterExpansion(value.text),
    description: "a command split by variables that expand to nothing ($u/bin$u/cat, c$@at)",
  }),
  pattern({
    id: "cmdi-binary-path",
    category: "cmdi",
    score: 5,
    targets,
    chars: "/",
    anyOf: ["bin/", "etc/"],
    pattern: BINARY_AT_COMMAND_START,
    description: "an absolute path to a binary where a command starts (/usr/bin/id, ;/bin/ls)",
  }),
  pattern({
    id: "cmdi-glob-path",
    category: "cmdi",
    score: 5,
    targets,
    chars: "?*",
    alsoChars: "/",
    // /???/??t /???/p??s??: the shell expands the wildcards to /bin/cat /etc/passwd.
    pattern: /\/[?*]{1,4}\/[a-z]{0,6}[?*]|\/(?:bin|etc|usr|dev|proc)\/[a-z]{0,8}[?*][a-z?*]{0,8}\b/,
    description: "a path spelled with shell wildcards (/???/??t, /bin/c?t)",
  }),
  pattern({
    id: "cmdi-decode-and-run",
    category: "cmdi",
    score: 5,
    targets,
    chars: "|<",
    // printf 'dwssap/cte/ tac' | rev | sh, echo Y2F0... | base64 -d | bash, rev<<<'...'.
    pattern:
      /\b(?:printf|echo) [^|;]{1,128}\| ?(?:rev|base64 -{1,2}d|xxd -r|tr ['"a-z])|\| ?(?:ba|z|k|da)?sh ?(?:$|[;|&)`'"]|-[a-z])|\brev ?<<</,
    description: "a command decoded or reversed and piped to a shell",
  }),
  pattern({
    id: "cmdi-php-interpolation",
    category: "cmdi",
    score: 5,
    targets: targets | TARGET.path,
    chars: "$",
    anyOf: ["{$", "${", "$_"],
    // {$_GET["cmd"]}, ${@print(md5(x))}, {${sleep(5)}}: PHP evaluating what it interpolates.
    pattern:
      /\{ ?\$ ?_(?:get|post|request|cookie|server|env|files|session)\b|\$\{ ?@|\{ ?\$\{ ?[a-z_]{2,32} ?\(|\$_(?:get|post|request|cookie|server)\[/,
    description: "PHP superglobals or calls in an interpolated string",
  }),
  pattern({
    id: "cmdi-server-side-include",
    category: "cmdi",
    score: 5,
    targets,
    chars: "<",
    anyOf: ["<!--#", "<esi:"],
    // <!--#exec cmd="id"-->, <esi:include src=...>: directives a server or CDN executes.
    pattern:
      /<!--# ?(?:exec|include|echo|config|set|printenv|fsize|flastmod|if|elif|else|endif)\b|<esi:[a-z]/,
    description: "a server-side or edge-side include directive",
  }),

  pattern({
    id: "cmdi-ifs",
    category: "cmdi",
    score: 5,
    targets,
    chars: "$",
    anyOf: ["$ifs", "${ifs"],
    pattern: /\$\{?ifs\b/,
    description: "$IFS used as a space",
  }),
  pattern({
    id: "cmdi-unix-shell",
    category: "cmdi",
    score: 5,
    targets,
    chars: "/",
    anyOf: ["bin/"],
    pattern:
      /(?:^|[\s;|&`'"(=])\/?(?:usr\/(?:local\/)?)?s?bin\/(?:ba|z|k|c|da)?sh\b|[;|&`] ?\/(?:usr\/)?(?:local\/)?s?bin\/[a-z]/,
    description: "a shell binary, or any binary by absolute path after a separator",
  }),
  pattern({
    id: "cmdi-reverse-shell",
    category: "cmdi",
    score: 5,
    targets,
    anyOf: ["/dev/tcp/", "/dev/udp/", "mkfifo", "nc", "netcat"],
    pattern: /\/dev\/(?:tcp|udp)\/|\bmkfifo\b|\bn(?:c|cat|etcat) (?:[-a-z0-9. ]{0,64} )?-[a-z]{0,4}[ec]\b/,
    description: "a reverse shell (/dev/tcp, mkfifo, nc -e)",
  }),
  pattern({
    id: "cmdi-interpreter-one-liner",
    category: "cmdi",
    score: 5,
    targets,
    chars: "-",
    anyOf: [" -"],
    pattern: /\b(?:ba)?sh -[ic]\b|\bpython[23]? -c\b|\bperl -e\b|\bruby -e\b|\bphp -r\b/,
    description: "an interpreter running a one-liner (sh -c, python -c, perl -e)",
  }),
  pattern({
    id: "cmdi-windows-shell",
    category: "cmdi",
    score: 5,
    targets,
    anyOf: [
      "cmd",
      "powershell",
      "pwsh",
      "certutil",
      "bitsadmin",
      "wmic",
      "rundll32",
      "regsvr32",
      "mshta",
      "netsh",
      "reg ",
      "reg.exe",
      "schtasks",
      "wevtutil",
      "vssadmin",
      "icacls",
      "taskkill",
    ],
    pattern:
      /\bcmd(?:\.exe)? ?\/[ck]\b|\bpowershell(?:\.exe)? ?-|\bpwsh ?-|\bcertutil(?:\.exe)? ?-|\bbitsadmin(?:\.exe)? ?\/|\bwmic(?:\.exe)? |\brundll32(?:\.exe)? |\bregsvr32(?:\.exe)? |\bmshta(?:\.exe)? |\bnetsh(?:\.exe)? (?:firewall|advfirewall|interface|wlan|http|winsock|int)\b|\breg(?:\.exe)? (?:add|query|delete|save|export|import) |\b(?:schtasks|wevtutil|vssadmin|icacls|taskkill)(?:\.exe)? [/-]?[a-z]/,
    description: "a Windows command interpreter or living-off-the-land binary",
  }),
  pattern({
    id: "cmdi-expression-language",
    category: "cmdi",
    score: 5,
    targets: targets | TARGET.path,
    // `class.module.classLoader...=` is a plain token: checked even so.
    tokens: true,
    anyOf: ["ognl", "#_memberaccess", "#context", "%{", "classloader"],
    // OGNL (Struts) and Spring data binding reach the JVM's runtime: remote code execution.
    pattern:
      /\bognl\b|@ognl\.|\bognlcontext\b|#_memberaccess\b|#context\[|%\{ ?\( ?#|\bclass\.(?:module\.)?classloader\b/,
    description: "OGNL or Spring class-loader expressions (Struts, Spring4Shell)",
  }),
  pattern({
    id: "cmdi-php-code",
    category: "cmdi",
    score: 5,
    targets: targets | TARGET.path,
    chars: "(_<",
    // PHP code injection (ThinkPHP, eval-stdin): we run no PHP, but its probes are attacks.
    pattern:
      /\b(?:call_user_func(?:_array)?|shell_exec|proc_open|pcntl_exec)\b|\((?<=\b(?:system|exec|popen|assert|create_function|file_put_contents|base64_decode|preg_replace|passthru)\()|<\?php\b/,
    description: "PHP functions that run code or commands",
  }),
  pattern({
    id: "cmdi-php-function-name",
    category: "cmdi",
    score: 5,
    targets: targets | TARGET.path,
    // `vars[0]=phpinfo`: the function name alone, as a plain token.
    tokens: true,
    anyOf: ["phpinfo", "invokefunction", "passthru", "call_user_func"],
    pattern: /\b(?:phpinfo|invokefunction|passthru|call_user_func(?:_array)?)\b/,
    description: "PHP function names only exploit payloads pass as parameters",
  }),
  pattern({
    id: "cmdi-shellshock",
    category: "cmdi",
    score: 5,
    targets: targets | TARGET.anyHeader | TARGET.path,
    chars: "(",
    anyOf: ["()"],
    pattern: /\(\) ?\{/,
    description: "a bash function definition (shellshock)",
  }),
];
