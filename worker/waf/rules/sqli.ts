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
  "(?:\\d{1,10} ?(?:,|from\\b|into\\b|--|#|\\)|;|$)|[@*'\"`(]|null\\b|top\\b|distinct\\b|case\\b|[a-z_][a-z0-9_.$]{0,63} ?(?:,|\\(|\\|\\||from\\b))";

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
      /\( ?select\b ?(?:\*|@|\( ?@|null\b|\d{1,10} ?(?:\)|,|from\b)|\( ?(?:case|select|sleep)\b|case when\b|[a-z_][a-z0-9_.$]{0,63} ?(?:,|\(|from\b))/,
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
      /(?:['"`)]|\b\d{1,10}) ?(?:or|and|xor|\|\||&&) ?[( ]{0,4}(?:(['"]?)([a-z0-9_.]{1,32})\1 ?(?:=|<=>) ?\1\2(?:[^a-z0-9_.]|$)|(['"])\3 ?= ?\3)/,
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
    id: "sqli-tautology-quoted",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    chars: `${QUOTES})`,
    anyOf: ["or", "and", "||", "&&"],
    // `'or'1'='1`, `') or ('x')=('x`, `')) or (('x'))=(('x`: the same tautology with quotes and
    // brackets wrapped differently around each operand.
    pattern:
      /['"`)] ?(?:or|and|xor|\|\||&&) ?[('"` ]{0,6}([a-z0-9_.]{1,32})['"`)]{0,4} ?(?:=|<=>|like) ?[('"` ]{0,6}\1(?:[^a-z0-9_.]|$)/,
    description: "a tautology with quoted or bracketed operands (') or ('x')=('x)",
  }),
  pattern({
    id: "sqli-comparison-probe",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    anyOf: ["or", "and", "||", "&&"],
    // ' AND 1=0--, " OR 1=2#, ') AND 5>3 AND ('a: a true or false condition the injection
    // toggles to read the answer, then the end of the statement or the next condition.
    pattern:
      /(?:['"`)]|\b\d{1,10}) ?(?:or|and|xor|\|\||&&) ?[( ]{0,4}(?:-?\d{1,10}(?:\.\d{1,8})?|(['"])[a-z0-9_]{0,16}\1) ?(?:=|<>|!=|<=|>=|<|>|like) ?[( ]{0,4}(?:-?\d{1,10}(?:\.\d{1,8})?|(['"])[a-z0-9_]{0,16}\2?) ?\)? ?(?:$|;|(?:and|or|xor)\b)/,
    description: "a numeric condition after a break-out (' AND 1=0--)",
  }),
  pattern({
    id: "sqli-condition-after-quote",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    chars: `${QUOTES})`,
    anyOf: ["or", "and"],
    // ' AND id IS NULL;, ' or (exists), 'or select *, and user()=user(): conditions and
    // sub-queries only SQL puts after a break-out.
    pattern:
      /['"`)] ?(?:or|and) ?(?:[a-z_][a-z0-9_.]{0,32} is (?:not )?null ?(?:$|;)|\( ?exists\b|exists ?\(|\(? ?select (?:\*|top\b|@@|\d|null\b))|\b(?:or|and) ([a-z_]{2,32}) ?\( ?\) ?= ?\1 ?\( ?\)/,
    description: "IS NULL, EXISTS or a sub-query after a break-out; f()=f()",
  }),
  pattern({
    id: "sqli-condition-only",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    anyOf: ["or ", "and ", "xor ", "||", "&&", "order by", "group by", "where ", "like "],
    // A value that is nothing but a condition or clause, appended to the query by the
    // application: ` OR 1=1`, ` AND x=y--`, ` ORDER BY 3`, ` WHERE 1=1 AND 1=0`, ` AND true`,
    // ` like '%'`. A condition may end in a dash outside ASCII (` and 1=1–`, masked as \x01).
    pattern:
      // biome-ignore lint/suspicious/noControlCharactersInRegex: \x01 is the mask for text outside ASCII.
      /^[ '"`)]{0,4}(?:(?:or|and|xor|\|\||&&) [( ]{0,4}['"]?[a-z0-9_.]{1,32}['"]? ?(?:=|<>|!=|<|>| like ) ?[('"]{0,2}[a-z0-9_.%]{1,32}['")]{0,2} ?(?:$|;|\x01$|(?:and|or) )|(?:\d{1,10} )?(?:order|group) by \d{1,5} ?(?:$|;|,)|(?:as [a-z_]{1,32} )?where \d{1,10} ?= ?\d{1,10}\b|(?:or|and|xor) (?:not )?(?:true|false|\d{1,10}) ?(?:$|;)|like ['"]%)/,
    description: "a value that is only an SQL condition or clause (' OR 1=1', ' ORDER BY 3')",
  }),
  pattern({
    id: "sqli-value-is-call",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    anyOf: ["(", "exec"],
    // A value that is an SQL function call or procedure and nothing else (`now()`,
    // `database()`, `exec xp_cmdshell`): sent to see whether the value is evaluated.
    pattern:
      /^(?:(?:now|sysdate|getdate|version|database|user|current_user|session_user|system_user|schema|uuid|rand|connection_id|last_insert_id) ?\( ?\)|exec(?:ute)? (?:sp|xp)(?:_[a-z_]{1,32})?) ?;?$/,
    description: "a value that is only an SQL function call or stored-procedure call",
  }),
  pattern({
    id: "sqli-boolean-arithmetic",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    tokens: true,
    anyOf: ["true", "false"],
    // `1-false`, `2*true`: a number value turned into an expression, nothing else in it.
    pattern: /^\d{1,10} ?[-+*/] ?(?:true|false)$/,
    description: "a value that is arithmetic on a boolean literal (1-false)",
  }),
  pattern({
    id: "sqli-statement",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    anyOf: ["select", "create", "insert", "grant", "drop", "backup", "delete", "update", "@@"],
    // A statement only SQL writes: at the value's start or after a break-out (`' insert into
    // users(`), or anywhere when what follows the keyword is SQL-only (`select @@x`,
    // `select current_setting(`, `from sysusers`). "Create user account failed", "select the
    // best" and a pasted `SELECT * FROM trades WHERE ...` (a query a user ran on their own
    // export) are not.
    pattern: new RegExp(
      "(?:^|['\"(;] ?)(?:insert into [a-z_.\\[]{1,64} ?\\(|grant [a-z ,]{1,40} to [a-z_]" +
        "|drop (?:table|function|database|procedure|user|view) (?:if exists )?[a-z_.`\\[]{1,64} ?(?:;|$|cascade\\b)|delete from [a-z_.\\[]{1,64} ?(?:where\\b|$|;)|update [a-z_.\\[\\]]{1,64} set [a-z_]{1,64} ?=)" +
        "|\\b(?:select|print|set) @@[a-z_]|\\bselect (?:current_setting ?\\(|pg_[a-z_]{2,32}\\b|current_database ?\\(|version ?\\( ?\\)|(?:current|session|system)_user\\b)" +
        "|\\bcreate (?:table [a-z_][a-z0-9_]{0,63} ?\\(|user [a-z_][a-z0-9_]{0,63} identified by\\b)" +
        "|\\bfrom (?:master\\.\\.|sys(?:users|objects|columns|logins|databases|servers?|processes|comments|filegroups)\\b|pg_(?:group|user|shadow|roles|authid|database|tables|stat_activity)\\b)|\\bbackup (?:database|log) [a-z_\\[]{1,64} to (?:disks?|url)\\b|\\bif ?\\( ?\\d{1,10} ?= ?\\d{1,10} ?\\) ?select\\b|\\belse drop\\b",
    ),
    description: "an SQL statement: at the start, after a break-out, or with SQL-only syntax (select @@x)",
  }),
  pattern({
    id: "sqli-concatenation-breakout",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    chars: "|",
    anyOf: ["||"],
    // `1'||'asd'||'`: string concatenation spliced into a literal; `' || f('x') || '` at the
    // start of a value calls a function inside the query (Oracle).
    pattern: /['"]\|\|['"]|^['"] ?\|\| ?[a-z_][a-z0-9_.]{0,63} ?\(/,
    description: "string concatenation spliced into a quoted literal ('||')",
  }),
  pattern({
    id: "sqli-nosql-operator",
    category: "sqli",
    score: 5,
    targets,
    form: "text",
    anyOf: [
      "$where",
      "$regex",
      "$ne",
      "$gt",
      "$lt",
      "$comment",
      "$exists",
      "$expr",
      "$function",
      "$nin",
      "$elemmatch",
      "this.",
      "db.",
      "return",
      "new date",
    ],
    // MongoDB operators and server-side JavaScript: `$where: '1 == 1'`, `' && this.password.
    // match(/.*/)//`, `';return 'a'=='a'`, `db.x.insert({...})`.
    pattern:
      /\$(?:where|regex|ne|gt|gte|lt|lte|comment|exists|expr|function|nin|elemmatch) ?['"]? ?:|['"] ?(?:&&|\|\|) ?this\.[a-z_]|(?:['"]|^\d{1,10}) ?; ?(?:return ?(?:\(|true\b|false\b|['"]|\d)|[a-z_]{1,16} ?= ?new date ?\()|\bdb\.[a-z_][a-z0-9_]{0,63}\.(?:insert|find|remove|update|drop|aggregate|delete[a-z]{0,4}) ?\(/,
    description: "NoSQL (MongoDB) operators and server-side JavaScript injection",
  }),
  pattern({
    id: "sqli-ldap-filter",
    category: "sqli",
    score: 5,
    targets,
    form: "text",
    chars: "(",
    alsoChars: "|&!",
    // `*(|(mail=*))`, `*)(uid=*))(|(uid=*`: LDAP filter injection (scored with SQL: the same
    // breaking out of a query the application builds from the value).
    pattern: /\( ?[|&!] ?\( ?[a-z][a-z0-9-]{0,32} ?[~<>]?= ?[^()]{0,64}\) ?\)?/,
    description: "an LDAP filter combinator ((|(attr=*)))",
  }),
  pattern({
    id: "sqli-blind-extraction",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    chars: "(",
    // ascii(substr(version(),1,1))=51, length(database())>5, mid((select ...),1,1): reading
    // data out one character at a time.
    pattern:
      /\b(?:ascii|ord|hex|unicode|length|len|char_length|bin|conv) ?\( ?(?:substr|substring|mid|left|right|version|database|user|current_user|system_user|schema|\( ?select\b|@@)|\b(?:substr|substring|mid|left|right) ?\( ?(?:\( ?select\b|(?:version|database|user|current_user|system_user|schema) ?\( ?\)|@@[a-z])/,
    description: "blind extraction: a string function around a data function or sub-query",
  }),
  pattern({
    id: "sqli-union-after-breakout",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    chars: `${QUOTES})`,
    anyOf: ["union"],
    pattern: /['"`)] ?union (?:all |distinct )?select\b/,
    description: "UNION SELECT straight after a quote or bracket",
  }),
  pattern({
    id: "sqli-having-group-by",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    anyOf: ["having"],
    // ' GROUP BY username HAVING 1=1--: the error names the next column.
    pattern:
      /\bhaving \(? ?\d{1,10} ?(?:=|<>|!=|<|>) ?\(? ?\d{1,10}|\bgroup by [a-z_`"][a-z0-9_.`"]{0,63}(?: ?, ?[a-z_`"][a-z0-9_.`"]{0,63}){0,8} having\b/,
    description: "GROUP BY ... HAVING 1=1",
  }),
  pattern({
    id: "sqli-user-variable",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    chars: "@",
    anyOf: [":="],
    // @a:=(select ...), (@:=0x00): MySQL user variables accumulate a whole table in one query.
    pattern: /@[a-z0-9_]{0,32} ?:= ?(?:\(|0x|\d|concat|select|@|'|"|if\b|case\b)/,
    description: "a MySQL user variable assigned in the query (one-shot dumps)",
  }),
  pattern({
    id: "sqli-error-conversion",
    category: "sqli",
    score: 5,
    targets,
    form: "sql",
    chars: "(",
    anyOf: ["convert", "cast", "rand"],
    pattern:
      /\bconvert ?\( ?int ?,|\bcast ?\( ?\(? ?select\b|\bconvert ?\( ?\(? ?select\b|\bfloor ?\( ?rand ?\( ?0? ?\) ?\* ?2 ?\)/,
    description: "error-based extraction through a failing type conversion (CONVERT(INT,...))",
  }),
  pattern({
    id: "sqli-like-wildcard",
    category: "sqli",
    score: 5,
    targets,
    form: "text",
    chars: "%",
    anyOf: [" like "],
    pattern: /['"`)] ?(?:or|and) [a-z_][a-z0-9_.]{0,32} like ['"]%/,
    description: "' OR username LIKE '%: matching every row",
  }),
  pattern({
    id: "sqli-empty-string-operator",
    category: "sqli",
    score: 5,
    targets,
    form: "text",
    chars: QUOTES,
    anyOf: ["or", "and", "||", "&&"],
    // ' or ''-', ' or ''&': an operator between empty strings, true in MySQL.
    // `'=' 'or' and '=' 'or'`: the operators themselves quoted, so the query reads ''='' or ''.
    pattern: /['"] ?(?:or|and|\|\||&&) ?(['"])\1 ?[-+*&^|%/=<>] ?\1|(['"])=\2 \2(?:or|and)\2/,
    description: "an operator between empty strings after a quote (' or ''-')",
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
    // `'test--`, `'#mysql`: a value opening with a quote, a word at most, and a comment.
    pattern: /['"`] ?\)? ?(?:--[ +-]{0,3}|#|\/\*) ?$|^['"`][a-z0-9_]{0,32} ?(?:--|#)(?:[a-z0-9_]{0,32}$|$)/,
    description: "a quote closed by a comment at the end of the value (admin'--, 'test--)",
  }),
  pattern({
    id: "sqli-log-evasion",
    category: "sqli",
    score: 5,
    targets,
    form: "text",
    tokens: true,
    anyOf: ["sp_password"],
    // MSSQL leaves a statement containing `sp_password` out of its trace: `--sp_password`
    // after an injection hides it (the SQL form drops comments, so this reads the text form).
    pattern: /-- ?sp_password\b/,
    description: "--sp_password: hiding the statement from the SQL Server trace",
  }),
  pattern({
    id: "sqli-comment-after-quote",
    category: "sqli",
    score: 3,
    targets,
    form: "text",
    chars: QUOTES,
    alsoChars: "-#*",
    // Not `'limit' or 'market' -- limit is cheaper` (a dash in prose), `\`--symbol\`` (an
    // option in markdown), `'x' #hashtag`, or `'advice'` then `/* legacy */ address` (a closed
    // comment holding words is a note; injections close theirs empty, `'/**/or`, or never).
    pattern: /['"`] ?\)? ?(?:--(?! [a-z]|[a-z]{2})|#(?![a-z0-9])|\/\*(?! ?[a-z][a-z ]{0,40}\*\/))/,
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
        "|create (?:table|user|database|function|procedure|trigger)\\b|copy [a-z_][a-z0-9_.]{0,63} (?:to|from) ['\"]?(?:/|program\\b)" +
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
      /\b(?:pg_sleep ?\(|benchmark ?\( ?\d|(?<!\.)sleep\( ?\d{1,4}(?:\.\d{1,4})? ?\)|waitfor (?:delay|time) ?['"]|dbms_pipe\.receive_message ?\(|dbms_lock\.sleep ?\(|randomblob ?\( ?\d{5,})/,
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
      /\b(?:information_schema|pg_catalog|pg_shadow|sqlite_master|xp_cmdshell|sp_executesql|sp_password|sp_oacreate|utl_http|utl_inaddr|dbms_[a-z_]{3,24}\.|pg_read_file ?\(|lo_import ?\(|group_concat ?\(|load_file ?\(|exec(?:ute)? ?(?:xp_|sp_))/,
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
