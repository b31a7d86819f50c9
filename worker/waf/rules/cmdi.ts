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
  "(?:cat|ls|id|uname|wget|curl|nc|ncat|netcat|bash|sh|zsh|ksh|ping|nslookup|dig|sleep|echo|rm|chmod|chown|python[23]?|perl|php|ruby|powershell|pwsh|cmd|certutil|bitsadmin|busybox|telnet|sudo|base64|nohup|xterm|socat|type|dir|tftp)";

/** Commands attackers run bare, to see whether injection works at all. */
const BARE_COMMANDS =
  "(?:id|whoami|uname|pwd|ls|ifconfig|ipconfig|netstat|systeminfo|tasklist|printenv|hostname)";

/** What follows a command in a shell, but not in a sentence. */
const SHELL_ARGUMENT =
  "(?: (?:-{1,2}[a-z]|[/\\\\~]|[a-z]:\\\\|https?:|ftp:|\\$|\\d{1,3}\\.\\d{1,3}\\.|\\d{1,4} ?(?:$|[;|&`)]))| ?[<>]|\\$)";

const BARE = `${BARE_COMMANDS}(?: ?$| ?[;|&\`)])`;

const CHAINED = new RegExp(`(?:;|\\||&|\`|\\$\\() ?(?:${BARE}|${COMMANDS}${SHELL_ARGUMENT})`);
const NET_COMMAND = /(?:;|\||&) ?net (?:user|localgroup|view|share|use)\b/;
/**
 * A command at the start of a line after the first (`%0aid`, `%0acat /etc/passwd`). Runs on
 * the decoded text, where line breaks survive; `m` makes `$` the end of that line.
 */
const LINE_COMMAND = new RegExp(`[\\r\\n][ \\t]*(?:${BARE}|${COMMANDS}${SHELL_ARGUMENT})`, "im");
const LINE_BREAK = /[\r\n]/;

/** Shells drop quotes and backslashes inside a word: `w'h'o'am'i` runs whoami. */
const SHELL_QUOTING = /['"\\]/g;
/** A separator, then a word with quoting inside it within a few letters. */
const QUOTED_WORD_AFTER_SEPARATOR = /[;|&`] ?[a-z/]{0,8}['"\\][a-z]/;

function hasQuotedCommand(text: string): boolean {
  return QUOTED_WORD_AFTER_SEPARATOR.test(text) && CHAINED.test(text.replace(SHELL_QUOTING, ""));
}

function hasCommandOnLaterLine(decoded: string): boolean {
  return LINE_BREAK.test(decoded) && LINE_COMMAND.test(decoded);
}

export const cmdiRules: ValueRule[] = [
  pattern({
    id: "cmdi-chained-command",
    category: "cmdi",
    score: 5,
    targets,
    chars: ";|&`$",
    pattern: CHAINED,
    description: "a separator, a command and a shell argument (; cat /etc/passwd)",
  }),
  check({
    id: "cmdi-quoted-command",
    category: "cmdi",
    score: 5,
    targets,
    chars: ";|&`",
    check: (value) => hasQuotedCommand(value.text),
    description: "a chained command spelled with shell quoting (;w'h'o'am'i)",
  }),
  pattern({
    id: "cmdi-net-command",
    category: "cmdi",
    score: 5,
    targets,
    chars: ";|&",
    anyOf: ["net "],
    pattern: NET_COMMAND,
    description: "Windows net user/localgroup after a separator",
  }),
  check({
    id: "cmdi-newline-command",
    category: "cmdi",
    score: 5,
    targets,
    check: (value) => hasCommandOnLaterLine(value.decoded),
    description: "a command on a line of its own after a line break (%0aid)",
  }),
  pattern({
    id: "cmdi-substitution",
    category: "cmdi",
    score: 5,
    targets,
    chars: "$`",
    pattern: new RegExp(
      `\\$\\( ?(?:${COMMANDS}|${BARE_COMMANDS})\\b|\`[ (]?(?:${COMMANDS}|${BARE_COMMANDS})(?:\\b[^\`]{0,128})?\``,
    ),
    description: "command substitution: $(id), `whoami`",
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
    anyOf: ["cmd", "powershell", "pwsh", "certutil", "bitsadmin", "wmic", "rundll32", "regsvr32", "mshta"],
    pattern:
      /\bcmd(?:\.exe)? ?\/[ck]\b|\bpowershell(?:\.exe)? ?-|\bpwsh ?-|\bcertutil(?:\.exe)? ?-|\bbitsadmin(?:\.exe)? ?\/|\bwmic(?:\.exe)? |\brundll32(?:\.exe)? |\bregsvr32(?:\.exe)? |\bmshta(?:\.exe)? /,
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
