import { describe, expect, it } from "vitest";
import {
  collapseWhitespace,
  decode,
  normalise,
  sqlForm,
  stripSqlComments,
} from "../../../worker/waf/normalise.ts";
import { FLAG } from "../../../worker/waf/rule.ts";

const text = (raw: string, encoding: "form" | "url" | "text" = "form") =>
  normalise(raw, encoding, { flags: 0 }).text;
const sql = (raw: string) => sqlForm(normalise(raw, "form", { flags: 0 }));

describe("normalisation", () => {
  it("percent-decodes repeatedly, but a bounded number of times", () => {
    expect(text("%3Cscript%3E")).toBe("<script>");
    expect(text("%253Cscript%253E")).toBe("<script>");
    expect(text("%25253Cscript%25253E")).toBe("<script>");
    // A fourth layer stays encoded: the bound is what keeps decoding linear.
    expect(text("%2525253C")).toBe("%3c");
  });

  it("decodes + as a space only where it means one (query strings and forms)", () => {
    expect(text("a+b", "form")).toBe("a b");
    expect(text("a+b", "text")).toBe("a+b");
  });

  it("decodes %uXXXX, JavaScript escapes and HTML entities", () => {
    expect(text("%u003cscript%u003e")).toBe("<script>");
    expect(text("\\x3cscript\\u003e")).toBe("<script>");
    expect(text("&lt;script&gt;&#x61;&#108;ert&lpar;1&rpar;")).toBe("<script>alert(1)");
    expect(text("&amp;lt;3")).toBe("<3");
    // Not an entity: left alone.
    expect(text("AT&T and M&S")).toBe("at&t and m&s");
  });

  it("folds Unicode compatibility forms and slash look-alikes, drops invisible characters", () => {
    expect(text("＜ｓｃｒｉｐｔ＞")).toBe("<script>");
    expect(text("𝐬𝐞𝐥𝐞𝐜𝐭")).toBe("select");
    expect(text("①②⑦.0.0.1")).toBe("127.0.0.1");
    expect(text("sel\u200bect")).toBe("select");
    expect(text("..\u2215..\u2215etc")).toBe("../../etc");
    // Decoding can produce a fullwidth character; it is folded after decoding too.
    expect(text("%EF%BC%9Cscript")).toBe("<script");
  });

  it("lower-cases, collapses whitespace runs and control characters to one space", () => {
    expect(text("UNION\t\n  SELECT")).toBe("union select");
    expect(collapseWhitespace("a \u000b b")).toBe("a b");
    expect(collapseWhitespace("one two")).toBe("one two");
  });

  it("masks text outside ASCII with one non-word character per run", () => {
    expect(text("Müller & Söhne 東京")).toBe("m\u0001ller & s\u0001hne \u0001");
  });

  it("strips SQL comments the way the database reads them", () => {
    expect(sql("1 UNION/**/SELECT 1")).toBe("1 union select 1");
    expect(sql("/*!50000UNION*/ /*!SELECT*/ 1")).toBe(" union select 1");
    expect(sql("1 union--x%0aselect 1")).toBe("1 union select 1");
    expect(sql("1 union#x%0aselect 1")).toBe("1 union select 1");
    expect(sql("order/**/by/**/5")).toBe("order by 5");
    expect(stripSqlComments("no comments here")).toBe("no comments here");
  });

  it("flags NUL and invalid UTF-8 only where percent-encoding is the transport", () => {
    const transport = { flags: 0 };
    decode("%c0%ae%c0%ae", "form", transport);
    expect(transport.flags & FLAG.invalidUtf8).not.toBe(0);
    const nul = { flags: 0 };
    decode("abc%00", "url", nul);
    expect(nul.flags & FLAG.nul).not.toBe(0);
    // "30%better" in a JSON string is not an encoding: "%be" decoding to a stray byte is no anomaly.
    const free = { flags: 0 };
    decode("30%better", "text", free);
    expect(free.flags).toBe(0);
    // A real NUL character is always one.
    const real = { flags: 0 };
    decode("a\u0000b", "text", real);
    expect(real.flags & FLAG.nul).not.toBe(0);
  });
});
