import { PARAMETERS, pattern, TARGET, type ValueRule } from "../rule.ts";

/**
 * SQL injection. Every rule needs SQL *structure* (a quote breaking out followed by an
 * operator, a keyword followed by what only SQL puts after it), never a bare keyword: people
 * write "select the best", "drop me a note" and "union of savers". Rules run on normalised
 * text where whitespace is a single space, so ` ?` is enough and nothing repeats unbounded.
 */
const targets = PARAMETERS | TARGET.header;

/** What may follow `select` in a query: a column list, a literal, a function, a star. */
const SELECT_LIST =
  "(?:\\d{1,10} ?(?:,|from\\b|--|#|\\)|;|$)|[@*'\"`(]|null\\b|top\\b|distinct\\b|case\\b|[a-z_][a-z0-9_.$]{0,63} ?(?:,|\\(|\\|\\||from\\b))";

const QUOTES = "'\"`";

export const sqliRules: ValueRule[] = [
  pattern({
    id: "sqli-union-select",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    anyOf: ["union"],
    pattern: new RegExp(
      `(?:^|[^a-z_])union[ (]{0,4}(?:all[ (]{1,4}|distinct[ (]{1,4})?select\\b[ (]{0,4}${SELECT_LIST}`,
    ),
    description: "UNION SELECT with a select list",
  }),
  pattern({
    id: "sqli-subquery",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    chars: "(",
    anyOf: ["select"],
    pattern:
      /\( ?select\b ?(?:\*|@@|null\b|\d{1,10} ?(?:\)|,|from\b)|\( ?(?:case|select|sleep)\b|case when\b|[a-z_][a-z0-9_.$]{0,63} ?(?:,|\(|from\b))/,
    description: "a parenthesised SELECT sub-query",
  }),
  pattern({
    id: "sqli-tautology",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    chars: "=",
    anyOf: ["or", "and", "||", "&&"],
    // `' or 'a'='a`, `1 and 5=5`, `" or ""="`: a boolean operator after a break-out, then two
    // equal operands (the back-references keep this to real tautologies, not comparisons).
    pattern:
      /(?:['"`)]|\b\d{1,10}) ?(?:or|and|xor|\|\||&&) ?[( ]{0,4}(?:(['"]?)([a-z0-9_]{1,32})\1 ?(?:=|<=>) ?\1\2(?:[^a-z0-9_]|$)|(['"])\3 ?= ?\3)/,
    description: "a tautology after a quote or number (' or 1=1)",
  }),
  pattern({
    id: "sqli-tautology-like",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    chars: QUOTES,
    anyOf: [" like ", " is "],
    pattern:
      /['"`)] ?(?:or|and|xor|\|\||&&) ?[( ]{0,4}(['"]?)([a-z0-9_]{1,32})\1 ?(?:like|is) ?\1\2(?:[^a-z0-9_]|$)/,
    description: "a LIKE or IS tautology after a quote (' and 'a' like 'a)",
  }),
  pattern({
    id: "sqli-tautology-literal",
    category: "sqli",
    score: 5,
    targets,
    form: "text",
    chars: `${QUOTES})`,
    anyOf: ["or", "||"],
    pattern: /['"`)] ?(?:or|\|\|) ?(?:true|1|not false)\b ?(?:--|#|\/\*|;|$)/,
    description: "' or true-- and friends",
  }),
  pattern({
    id: "sqli-boolean-after-quote",
    category: "sqli",
    score: 3,
    targets,
    form: "sql",
    chars: `${QUOTES})`,
    pattern:
      /['"`)] ?(?:or|and|xor|\|\||&&|div|rlike|regexp) ?(?:\(|['"]|\d|true\b|false\b|not\b|null\b|exists\b|select\b|sleep\b|[a-z_]{1,32}\(|[a-z_]{1,32} ?(?:=|<|>|!=|like\b|is\b|in ?\())/,
    description: "a boolean operator straight after a quote (weak on its own)",
  }),
  pattern({
    id: "sqli-comment-at-end",
    category: "sqli",
    score: 5,
    targets,
    form: "text",
    chars: QUOTES,
    alsoChars: "-#*",
    pattern: /['"`] ?\)? ?(?:--[ +-]{0,3}|#|\/\*) ?$/,
    description: "a quote closed by a comment at the end of the value (admin'--)",
  }),
  pattern({
    id: "sqli-comment-after-quote",
    category: "sqli",
    score: 3,
    targets,
    form: "text",
    chars: QUOTES,
    alsoChars: "-#*",
    pattern: /['"`] ?\)? ?(?:--|#|\/\*)/,
    description: "a comment right after a quote (weak on its own)",
  }),
  pattern({
    id: "sqli-stacked-query",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    chars: ";",
    pattern: new RegExp(
      "; ?(?:drop (?:table|database|schema|view|index|user|function|procedure|trigger)\\b" +
        '|truncate (?:table )?[a-z_`"\\[]|delete from\\b|insert into\\b' +
        '|update [a-z0-9_.`"\\[\\]]{1,64} set\\b|alter (?:table|user|database)\\b' +
        "|create (?:table|user|database|function|procedure|trigger)\\b" +
        "|exec(?:ute)? ?(?:\\(|xp_|sp_|master\\.)|declare @|shutdown\\b|waitfor (?:delay|time)\\b" +
        "|grant (?:all|select|insert|update|delete)\\b" +
        "|select (?:\\*|\\d{1,10} ?(?:,|from\\b|--|#|;|$)|@@|null\\b|pg_sleep|sleep\\(|[a-z_][a-z0-9_.]{0,63}(?: ?,| from\\b| ?\\()))",
    ),
    description: "a second statement after a semicolon",
  }),
  pattern({
    id: "sqli-time-delay",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    chars: "('\"",
    anyOf: ["sleep", "benchmark", "waitfor", "dbms_", "randomblob"],
    pattern:
      /\b(?:pg_sleep ?\(|benchmark ?\( ?\d|sleep\( ?\d{1,4}(?:\.\d{1,4})? ?\)|waitfor (?:delay|time) ?['"]|dbms_pipe\.receive_message ?\(|dbms_lock\.sleep ?\(|randomblob ?\( ?\d{5,})/,
    description: "time-based blind injection",
  }),
  pattern({
    id: "sqli-sleep-spaced",
    category: "sqli",
    score: 3,
    targets,
    form: "sql",
    chars: "(",
    anyOf: ["sleep ("],
    pattern: /\bsleep \( ?\d{1,4} ?\)/,
    description: "sleep (n) with a space (weak: also English)",
  }),
  pattern({
    id: "sqli-system-catalog",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    // `information_schema.tables` alone is a plain token: checked even so.
    tokens: true,
    chars: "_",
    pattern:
      /\b(?:information_schema|pg_catalog|pg_shadow|sqlite_master|xp_cmdshell|sp_executesql|sp_oacreate|utl_http|utl_inaddr|dbms_[a-z_]{3,24}\.|pg_read_file ?\(|lo_import ?\(|group_concat ?\(|load_file ?\(|exec(?:ute)? ?(?:xp_|sp_))/,
    description: "catalogue tables, file and network procedures (underscore names)",
  }),
  pattern({
    id: "sqli-server-variable",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    tokens: true,
    chars: "@",
    pattern: /@@(?:version|datadir|hostname|basedir|servername)\b/,
    description: "a database server variable (@@version)",
  }),
  pattern({
    id: "sqli-file-and-error-functions",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    anyOf: [
      "extractvalue",
      "updatexml",
      "outfile",
      "dumpfile",
      "mysql.user",
      "sys.objects",
      "sysobjects",
      "syscolumns",
      "master.",
    ],
    pattern:
      /\b(?:extractvalue ?\(|updatexml ?\(|into (?:out|dump)file\b|mysql\.user\b|sysobjects\b|syscolumns\b|sys\.objects\b|exec(?:ute)? ?master\.)/,
    description: "error-based extraction, file writes, MSSQL catalogue",
  }),
  pattern({
    id: "sqli-function-call",
    category: "sqli",
    score: 3,
    targets,
    form: "sql",
    chars: "(",
    // Starts at the "(" and looks back for the name, so a long text is scanned for one
    // character instead of tried for every name at every position.
    pattern:
      /\((?:(?<=\b(?:(?:current_)?database|version|user|schema|current_user|system_user) ?\() ?\)|(?<=\b(?:char|chr) ?\() ?\d{2,3} ?[,)]|(?<=\b(?:concat(?:_ws)?|substring|substr|ascii|unhex|make_set|elt|iif) ?\()|(?<=\b(?:mid|ord|hex|if|cast|convert)\())/,
    description: "functions injections use to read data out (weak on their own)",
  }),
  pattern({
    id: "sqli-order-by-probe",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    chars: `${QUOTES})`,
    anyOf: [" by ", "having"],
    pattern: /['"`)] ?(?:order|group) by \d{1,3}\b|['"`)] ?having \d/,
    description: "ORDER BY n after a quote: column counting",
  }),
  pattern({
    id: "sqli-order-by-comment",
    category: "sqli",
    score: 3,
    targets,
    form: "text",
    chars: "-#*",
    anyOf: [" by "],
    pattern: /\b(?:order|group) by \d{1,3} ?(?:--|#|\/\*)/,
    description: "ORDER BY n followed by a comment (weak on its own)",
  }),
];
