import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, createClient, type InValue, LibsqlError } from "@libsql/client/web";
import Database from "libsql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LibsqlServer, startLibsqlServer } from "../../../db/server/server.ts";

const dir = mkdtempSync(join(tmpdir(), "libsql-server-test-"));
const dbPath = join(dir, "nested", "main.db");

let server: LibsqlServer;
let client: Client;
let other: Client;

beforeAll(async () => {
  server = await startLibsqlServer({ port: 0, databasePath: dbPath, maxBodyBytes: 1024 * 1024 });
  client = createClient({ url: server.url, intMode: "bigint" });
  other = createClient({ url: server.url, intMode: "bigint" });
});

afterAll(async () => {
  client?.close();
  other?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

type PipelineBody = {
  baton: string | null;
  base_url: string | null;
  results: {
    type: "ok" | "error";
    response?: Record<string, unknown>;
    error?: { message: string; code: string };
  }[];
};

async function pipeline(
  url: string,
  version: 2 | 3,
  baton: string | null,
  requests: unknown[],
): Promise<{ status: number; body: PipelineBody & { message?: string; code?: string } }> {
  const res = await fetch(`${url}/v${version}/pipeline`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ baton, requests }),
  });
  return {
    status: res.status,
    body: (await res.json()) as PipelineBody & { message?: string; code?: string },
  };
}

const exec = (sql: string) => ({ type: "execute", stmt: { sql, args: [], want_rows: true } });

async function expectLibsqlError(promise: Promise<unknown>): Promise<LibsqlError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(LibsqlError);
    return e as LibsqlError;
  }
  throw new Error("expected the promise to reject");
}

describe("values", () => {
  it("round-trips integers beyond 2^53, negatives, reals, unicode text, blobs and null", async () => {
    await client.execute(
      "CREATE TABLE vals (id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB, n ANY)",
    );
    const big = 2n ** 62n + 1n;
    const cases: [bigint, number, string, Uint8Array][] = [
      [big, Math.PI, "héllo 🌍 — 日本語", new Uint8Array([0, 1, 2, 254, 255])],
      [-9223372036854775808n, -0.5, "", new Uint8Array([])],
      [9223372036854775807n, 1e300, "quote ' and \" and \\", new Uint8Array([42])],
      [-5n, 0.1 + 0.2, "line\nbreak\ttab", new Uint8Array(1024).fill(7)],
    ];
    for (const [i, r, t, b] of cases) {
      await client.execute({
        sql: "INSERT INTO vals (i, r, t, b, n) VALUES (?, ?, ?, ?, ?)",
        args: [i, r, t, b, null],
      });
    }
    const rs = await client.execute(
      "SELECT i, r, t, b, n, typeof(i) AS ti, typeof(r) AS tr FROM vals ORDER BY id",
    );
    expect(rs.columns).toEqual(["i", "r", "t", "b", "n", "ti", "tr"]);
    expect(rs.columnTypes.slice(0, 4)).toEqual(["INTEGER", "REAL", "TEXT", "BLOB"]);
    expect(rs.rows).toHaveLength(cases.length);
    cases.forEach(([i, r, t, b], idx) => {
      const row = rs.rows[idx]!;
      expect(row.i).toBe(i);
      expect(row.r).toBe(r);
      expect(row.t).toBe(t);
      expect(new Uint8Array(row.b as ArrayBuffer)).toEqual(b);
      expect(row.n).toBeNull();
      expect(row.ti).toBe("integer");
      expect(row.tr).toBe("real");
    });
  });

  it("binds named arguments with and without sigils, mixed with anonymous parameters", async () => {
    const rs = await client.execute({
      sql: "SELECT :a AS a, @b AS b, $c AS c, :a + 1 AS a1",
      args: { a: 10n, b: "x", c: null },
    });
    expect(rs.rows[0]).toMatchObject({ a: 10n, b: "x", c: null, a1: 11n });
  });

  // Expected values are SQLite's own answers (checked against the engine in the next test).
  const bindingCases: { sql: string; args: InValue[] | Record<string, InValue>; expected: unknown[] }[] = [
    // A named parameter and the ?NNN slot it occupies share one value.
    { sql: "SELECT $b, $a, ?1", args: { a: "one", $b: "two" }, expected: ["two", "one", "two"] },
    // Repeated names, every prefix, names given with and without their prefix.
    {
      sql: "SELECT :x, @y, :x, $z, @y, ?1, ?3",
      args: { x: 1n, "@y": "why", z: "zed" },
      expected: [1n, "why", 1n, "zed", "why", 1n, "zed"],
    },
    // ?NNN before a name: the name takes the next index after the highest number seen so far.
    { sql: "SELECT ?2, :a, ?1, :a", args: { a: "A" }, expected: [null, "A", null, "A"] },
    { sql: "SELECT :a, :b, :a, ?3, ?2", args: { ":a": "A", b: "B" }, expected: ["A", "B", "A", null, "B"] },
    // The same prefix-less name under different prefixes is two parameters bound to one value.
    { sql: "SELECT :p, @p, $p, :p", args: { p: 7n }, expected: [7n, 7n, 7n, 7n] },
    { sql: "SELECT #h, :h, #h", args: { h: "H" }, expected: ["H", "H", "H"] },
    // Positional only: ?, ?NNN and named parameters all take positional values by index.
    { sql: "SELECT ?, ?2, ?1, ?", args: ["x", "y", "z"], expected: ["x", "y", "x", "z"] },
    { sql: "SELECT ?3, ?, ?1", args: ["a", "b", "c", "d"], expected: ["c", "d", "a"] },
    { sql: "SELECT :a, ?, :a, ?", args: ["p1", "p2", "p3"], expected: ["p1", "p2", "p1", "p3"] },
    // Parameters inside literals, identifiers and comments are not parameters.
    {
      sql: "SELECT ':a' AS \"?1\", :b AS [$a], /* $b */ ?1 -- :a\n",
      args: { a: "A", b: "B" },
      expected: [":a", "B", "B"],
    },
    // TCL-style names (SQLite accepts `::` and a `(...)` suffix in parameter names).
    {
      sql: "SELECT $ns::v, $arr(k), $ns::v",
      args: { "ns::v": "N", "arr(k)": "K" },
      expected: ["N", "K", "N"],
    },
  ];

  it("binds every parameter slot exactly like SQLite, however often and in whatever form it is used", async () => {
    for (const { sql, args, expected } of bindingCases) {
      const rs = await client.execute({ sql, args });
      expect(Array.from(rs.rows[0]!), sql).toEqual(expected);
    }
    // Integers stay integers through named binding (libsql would bind a JS number as REAL).
    const rs = await client.execute({ sql: "SELECT typeof($n), typeof(?1), $n + ?1", args: { n: 5n } });
    expect(Array.from(rs.rows[0]!)).toEqual(["integer", "integer", 10n]);
    // An out-of-range ?NNN is SQLite's error, not a huge argument array.
    const err = await expectLibsqlError(client.execute({ sql: "SELECT ?99999999999, :a", args: { a: 1n } }));
    expect(err.message).toMatch(/variable number must be between/);
  });

  it("the binding expectations above are what the SQLite engine itself answers", () => {
    const db = new Database(":memory:");
    try {
      for (const { sql, args, expected } of bindingCases) {
        const stmt = db.prepare(sql).raw(true).safeIntegers(true);
        // The engine binds an object by prefix-less name and an array by index.
        const bind = Array.isArray(args)
          ? args
          : Object.fromEntries(Object.entries(args).map(([k, v]) => [k.replace(/^[:@$]/, ""), v]));
        expect((stmt.all(bind) as unknown[][])[0], sql).toEqual(expected);
      }
    } finally {
      db.close();
    }
  });

  it("describe reports SQLite's parameter names, one per index", async () => {
    const describe = async (sql: string) => {
      const r = await pipeline(server.url, 2, null, [{ type: "describe", sql }, { type: "close" }]);
      return (r.body.results[0]!.response as { result: { params: { name: string | null }[] } }).result.params;
    };
    expect(await describe("SELECT $b, $a, ?1")).toEqual([{ name: "$b" }, { name: "$a" }]);
    expect(await describe("SELECT ?2, :a, ?1, :a")).toEqual([{ name: "?1" }, { name: "?2" }, { name: ":a" }]);
    expect(await describe("SELECT ?, :a, ?3, ?")).toEqual([
      { name: null },
      { name: ":a" },
      { name: "?3" },
      { name: null },
    ]);
  });

  it("reports last_insert_rowid and affected rows, and honours want_rows via RETURNING", async () => {
    await client.execute("CREATE TABLE ids (id INTEGER PRIMARY KEY, v TEXT)");
    const ins = await client.execute({ sql: "INSERT INTO ids (id, v) VALUES (?, 'a')", args: [2n ** 60n] });
    expect(ins.lastInsertRowid).toBe(2n ** 60n);
    expect(ins.rowsAffected).toBe(1);
    const ret = await client.execute("INSERT INTO ids (v) VALUES ('b'), ('c') RETURNING id");
    expect(ret.rows).toHaveLength(2);
    expect(ret.rowsAffected).toBe(2);
    const sel = await client.execute("SELECT * FROM ids");
    expect(sel.rowsAffected).toBe(0);
    const upd = await client.execute("UPDATE ids SET v = 'z'");
    expect(upd.rowsAffected).toBe(3);
  });
});

describe("batches and transactions", () => {
  it("batch() is atomic: a failing step leaves nothing behind", async () => {
    await client.execute("CREATE TABLE acct (id INTEGER PRIMARY KEY, owner TEXT NOT NULL UNIQUE)");
    const err = await expectLibsqlError(
      client.batch(
        [
          { sql: "INSERT INTO acct (owner) VALUES (?)", args: ["alice"] },
          { sql: "INSERT INTO acct (owner) VALUES (?)", args: ["bob"] },
          { sql: "INSERT INTO acct (owner) VALUES (?)", args: ["alice"] },
        ],
        "write",
      ),
    );
    expect(err.code).toBe("SQLITE_CONSTRAINT");
    expect(err.message).toMatch(/UNIQUE/);
    const rs = await client.execute("SELECT count(*) AS c FROM acct");
    expect(rs.rows[0]!.c).toBe(0n);

    const ok = await client.batch(
      [{ sql: "INSERT INTO acct (owner) VALUES (?)", args: ["alice"] }, "SELECT owner FROM acct"],
      "write",
    );
    expect(ok[1]!.rows.map((r) => r.owner)).toEqual(["alice"]);
  });

  it("interactive transaction: own writes visible, others isolated, commit and rollback", async () => {
    await client.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL)");
    const tx = await client.transaction("write");
    await tx.execute({ sql: "INSERT INTO ledger (amount) VALUES (?)", args: [100n] });
    expect((await tx.execute("SELECT sum(amount) AS s FROM ledger")).rows[0]!.s).toBe(100n);
    // A different stream reads the committed snapshot without waiting for the writer.
    expect((await other.execute("SELECT count(*) AS c FROM ledger")).rows[0]!.c).toBe(0n);
    await tx.commit();
    expect((await other.execute("SELECT sum(amount) AS s FROM ledger")).rows[0]!.s).toBe(100n);

    const tx2 = await client.transaction("write");
    await tx2.execute("INSERT INTO ledger (amount) VALUES (5)");
    await tx2.rollback();
    expect((await other.execute("SELECT sum(amount) AS s FROM ledger")).rows[0]!.s).toBe(100n);
  });

  it("writers wait (without deadlocking the server) while another stream holds the write lock", async () => {
    await client.execute("CREATE TABLE waits (v INTEGER)");
    const tx = await client.transaction("write");
    await tx.execute("INSERT INTO waits VALUES (1)");
    let finished = 0;
    const writers = Array.from({ length: 5 }, (_, i) =>
      other.batch([{ sql: "INSERT INTO waits VALUES (?)", args: [BigInt(i + 10)] }], "write").then(() => {
        finished++;
      }),
    );
    await new Promise((r) => setTimeout(r, 200));
    // Reads still work while the writers are waiting on the lock.
    expect((await other.execute("SELECT count(*) AS c FROM waits")).rows[0]!.c).toBe(0n);
    expect(finished).toBe(0);
    await tx.commit();
    await Promise.all(writers);
    expect((await client.execute("SELECT count(*) AS c FROM waits")).rows[0]!.c).toBe(6n);
  });

  it("migrate() and executeMultiple() apply multi-statement SQL", async () => {
    await client.migrate([
      { sql: "CREATE TABLE mig_a (id INTEGER PRIMARY KEY, name TEXT)", args: [] },
      { sql: "CREATE TABLE mig_b (a_id INTEGER REFERENCES mig_a(id))", args: [] },
      { sql: "INSERT INTO mig_a (name) VALUES ('one')", args: [] },
    ]);
    expect((await client.execute("SELECT name FROM mig_a")).rows[0]!.name).toBe("one");

    await client.executeMultiple(`
      CREATE TABLE multi (x INTEGER); -- a comment; with a semicolon
      INSERT INTO multi VALUES (1);
      CREATE TRIGGER multi_double AFTER INSERT ON multi WHEN new.x < 100 BEGIN
        INSERT INTO multi VALUES (new.x * 100);
      END;
      INSERT INTO multi VALUES (2);
      /* trailing ; comment */
    `);
    const rs = await client.execute("SELECT x FROM multi ORDER BY x");
    expect(rs.rows.map((r) => r.x)).toEqual([1n, 2n, 200n]);

    const err = await expectLibsqlError(client.executeMultiple("INSERT INTO multi VALUES (3); SELEC oops;"));
    expect(err.code).toBe("SQL_PARSE_ERROR");
  });

  it("40 concurrent write batches lose no update", async () => {
    await client.batch(
      [
        "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)",
        "INSERT INTO counter VALUES (1, 0)",
      ],
      "write",
    );
    await client.execute("CREATE TABLE counter_log (k INTEGER)");
    const clients = Array.from({ length: 4 }, () => createClient({ url: server.url, intMode: "bigint" }));
    try {
      await Promise.all(
        Array.from({ length: 40 }, (_, k) =>
          clients[k % clients.length]!.batch(
            [
              "UPDATE counter SET n = n + 1 WHERE id = 1",
              { sql: "INSERT INTO counter_log (k) VALUES (?)", args: [BigInt(k)] },
            ],
            "write",
          ),
        ),
      );
    } finally {
      for (const c of clients) c.close();
    }
    expect((await client.execute("SELECT n FROM counter")).rows[0]!.n).toBe(40n);
    expect((await client.execute("SELECT count(DISTINCT k) AS c FROM counter_log")).rows[0]!.c).toBe(40n);
  });
});

describe("errors", () => {
  it("reports bad SQL with sqld-style codes", async () => {
    expect((await expectLibsqlError(client.execute("SELEC 1"))).code).toBe("SQL_PARSE_ERROR");
    const missing = await expectLibsqlError(client.execute("SELECT * FROM no_such_table"));
    expect(missing.code).toBe("SQLITE_ERROR");
    expect(missing.message).toMatch(/no such table/);
    expect((await expectLibsqlError(client.execute("SELECT 1; SELECT 2"))).code).toBe("SQL_MANY_STATEMENTS");
  });

  it("requires the auth token when configured", async () => {
    const authServer = await startLibsqlServer({
      port: 0,
      databasePath: join(dir, "auth.db"),
      authToken: "s3cret",
    });
    try {
      const anon = createClient({ url: authServer.url });
      const wrong = createClient({ url: authServer.url, authToken: "nope" });
      const right = createClient({ url: authServer.url, authToken: "s3cret" });
      expect((await expectLibsqlError(anon.execute("SELECT 1"))).message).toMatch(/Authentication/);
      expect((await expectLibsqlError(wrong.execute("SELECT 1"))).message).toMatch(/Authentication/);
      expect((await right.execute("SELECT 1 AS one")).rows[0]!.one).toBe(1);
      const raw = await fetch(`${authServer.url}/v2/pipeline`, { method: "POST", body: "{}" });
      expect(raw.status).toBe(401);
      for (const c of [anon, wrong, right]) c.close();
    } finally {
      await authServer.close();
    }
  });
});

describe("raw HTTP", () => {
  it("rejects malformed JSON and bad bodies with 400 and a JSON error", async () => {
    for (const body of ["{not json", "[]", '{"baton":null,"requests":{}}', '{"baton":5,"requests":[]}']) {
      const res = await fetch(`${server.url}/v2/pipeline`, { method: "POST", body });
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/json");
      const json = (await res.json()) as { message: string; code: string };
      expect(json.code).toBe("PROTOCOL_ERROR");
      expect(json.message).toBeTruthy();
    }
    const unknown = await pipeline(server.url, 2, null, [{ type: "frobnicate" }]);
    expect(unknown.status).toBe(400);
  });

  it("rejects invalid, forged and reused batons with 400", async () => {
    const invalid = await pipeline(server.url, 2, "definitely-not-a-baton", [exec("SELECT 1")]);
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe("BATON_INVALID");

    const first = await pipeline(server.url, 2, null, [exec("SELECT 1")]);
    expect(first.status).toBe(200);
    const b1 = first.body.baton!;
    expect(typeof b1).toBe("string");
    const [id, seq] = b1.split(".");
    const forged = await pipeline(server.url, 2, `${id}.${Number(seq) + 1}.AAAA`, [exec("SELECT 1")]);
    expect(forged.status).toBe(400);

    const second = await pipeline(server.url, 2, b1, [exec("SELECT 2")]);
    expect(second.status).toBe(200);
    expect(second.body.baton).not.toBe(b1);
    const reused = await pipeline(server.url, 2, b1, [exec("SELECT 3")]);
    expect(reused.status).toBe(400);
    expect(reused.body.code).toBe("BATON_REUSED");

    const closed = await pipeline(server.url, 2, second.body.baton, [{ type: "close" }]);
    expect(closed.status).toBe(200);
    expect(closed.body.baton).toBeNull();
    const afterClose = await pipeline(server.url, 2, second.body.baton, [exec("SELECT 4")]);
    expect(afterClose.status).toBe(400);
  });

  it("answers 413 for oversized bodies, 404 for unknown routes and 405 for wrong methods", async () => {
    const huge = JSON.stringify({ baton: null, requests: [exec(`SELECT '${"x".repeat(2 * 1024 * 1024)}'`)] });
    const res = await fetch(`${server.url}/v2/pipeline`, { method: "POST", body: huge });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: string }).code).toBe("PAYLOAD_TOO_LARGE");

    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    // The client probes v3-protobuf and must fall back to v2 JSON.
    expect((await fetch(`${server.url}/v3-protobuf`)).status).toBe(404);
    const wrongMethod = await fetch(`${server.url}/v2/pipeline`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
  });

  it("serves /health, /version, /v2 and /v3", async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const version = await fetch(`${server.url}/version`);
    expect(version.status).toBe(200);
    expect(await version.text()).toMatch(/\d+\.\d+\.\d+/);
    expect((await fetch(`${server.url}/v2`)).status).toBe(200);
    expect((await fetch(`${server.url}/v3`)).status).toBe(200);
  });

  it("v3 pipeline supports get_autocommit, is_autocommit conditions and stored SQL", async () => {
    const r = await pipeline(server.url, 3, null, [
      { type: "get_autocommit" },
      exec("BEGIN"),
      { type: "get_autocommit" },
      { type: "store_sql", sql_id: 1, sql: "SELECT 40 + 2 AS answer" },
      { type: "execute", stmt: { sql_id: 1 } },
      {
        type: "batch",
        batch: {
          steps: [
            { condition: { type: "is_autocommit" }, stmt: { sql: "SELECT 'autocommit'" } },
            { condition: { type: "not", cond: { type: "is_autocommit" } }, stmt: { sql: "SELECT 'in tx'" } },
            { condition: { type: "error", step: 0 }, stmt: { sql: "SELECT 'never'" } },
            {
              condition: {
                type: "and",
                conds: [
                  { type: "ok", step: 1 },
                  { type: "not", cond: { type: "ok", step: 0 } },
                ],
              },
              stmt: { sql: "SELEC broken" },
            },
            {
              condition: {
                type: "or",
                conds: [
                  { type: "error", step: 3 },
                  { type: "ok", step: 0 },
                ],
              },
              stmt: { sql: "SELECT 1" },
            },
          ],
        },
      },
      exec("ROLLBACK"),
      { type: "get_autocommit" },
      { type: "close_sql", sql_id: 1 },
      { type: "close" },
    ]);
    expect(r.status).toBe(200);
    const res = r.body.results;
    expect(res.every((x) => x.type === "ok")).toBe(true);
    expect(res[0]!.response).toEqual({ type: "get_autocommit", is_autocommit: true });
    expect(res[2]!.response).toEqual({ type: "get_autocommit", is_autocommit: false });
    const answer = (res[4]!.response as { result: { rows: unknown[][] } }).result.rows[0];
    expect(answer).toEqual([{ type: "integer", value: "42" }]);
    const batch = (
      res[5]!.response as { result: { step_results: unknown[]; step_errors: ({ code: string } | null)[] } }
    ).result;
    expect(batch.step_results.map((x) => x !== null)).toEqual([false, true, false, false, true]);
    expect(batch.step_errors[3]?.code).toBe("SQL_PARSE_ERROR");
    expect(res[7]!.response).toEqual({ type: "get_autocommit", is_autocommit: true });
    expect(r.body.baton).toBeNull();

    // get_autocommit does not exist in Hrana 2.
    expect((await pipeline(server.url, 2, null, [{ type: "get_autocommit" }])).status).toBe(400);
  });

  it("want_rows: false executes without returning rows", async () => {
    const r = await pipeline(server.url, 2, null, [
      { type: "execute", stmt: { sql: "SELECT 1 UNION ALL SELECT 2", want_rows: false } },
      { type: "close" },
    ]);
    const result = (r.body.results[0]!.response as { result: { rows: unknown[]; cols: unknown[] } }).result;
    expect(result.rows).toEqual([]);
    expect(result.cols).toHaveLength(1);
  });
});

describe("stream lifecycle", () => {
  it("expires idle streams: the baton becomes invalid and the open transaction is rolled back", async () => {
    const s = await startLibsqlServer({
      port: 0,
      databasePath: join(dir, "expiry.db"),
      streamIdleTimeoutMs: 150,
    });
    try {
      await pipeline(s.url, 2, null, [exec("CREATE TABLE e (v INTEGER)"), { type: "close" }]);
      const open = await pipeline(s.url, 2, null, [
        exec("BEGIN IMMEDIATE"),
        exec("INSERT INTO e VALUES (1)"),
      ]);
      expect(open.status).toBe(200);
      await new Promise((r) => setTimeout(r, 500));
      const late = await pipeline(s.url, 2, open.body.baton, [exec("COMMIT")]);
      expect(late.status).toBe(400);
      expect(late.body.code).toBe("STREAM_EXPIRED");
      // The write lock was released and the insert discarded.
      const c = createClient({ url: s.url });
      await c.execute("INSERT INTO e VALUES (2)");
      expect((await c.execute("SELECT group_concat(v) AS v FROM e")).rows[0]!.v).toBe("2");
      c.close();
    } finally {
      await s.close();
    }
  });

  it("gives up with SQLITE_BUSY after busyTimeoutMs and recovers afterwards", async () => {
    const s = await startLibsqlServer({ port: 0, databasePath: join(dir, "busy.db"), busyTimeoutMs: 150 });
    const a = createClient({ url: s.url });
    const b = createClient({ url: s.url });
    try {
      await a.execute("CREATE TABLE bz (v INTEGER)");
      const tx = await a.transaction("write");
      await tx.execute("INSERT INTO bz VALUES (1)");
      const started = Date.now();
      const err = await expectLibsqlError(b.execute("INSERT INTO bz VALUES (2)"));
      expect(err.code).toBe("SQLITE_BUSY");
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
      await tx.commit();
      await b.execute("INSERT INTO bz VALUES (3)");
      expect((await b.execute("SELECT group_concat(v) AS v FROM bz")).rows[0]!.v).toBe("1,3");
    } finally {
      a.close();
      b.close();
      await s.close();
    }
  });

  it("persists data across a server restart", async () => {
    const path = join(dir, "persist", "p.db");
    const a = await startLibsqlServer({ port: 0, databasePath: path });
    const ca = createClient({ url: a.url });
    await ca.batch(["CREATE TABLE p (v TEXT)", "INSERT INTO p VALUES ('kept')"], "write");
    ca.close();
    await a.close();

    const b = await startLibsqlServer({ port: 0, databasePath: path });
    const cb = createClient({ url: b.url });
    try {
      expect((await cb.execute("SELECT v FROM p")).rows[0]!.v).toBe("kept");
    } finally {
      cb.close();
      await b.close();
    }
  });
});

describe("connection reuse across streams", () => {
  it("reuses the connections of closed streams instead of opening one per request", async () => {
    await client.execute("SELECT 1");
    const before = server.connectionsOpened();
    for (let index = 0; index < 50; index++) await client.batch(["SELECT 1"], "write");
    // Sequential requests: each stream finds the previous one's connection idle.
    expect(server.connectionsOpened() - before).toBeLessThanOrEqual(1);
  });

  it("never hands a connection with pragmas of its stream's own to another stream", async () => {
    const read = async () => {
      const result = await pipeline(server.url, 2, null, [exec("PRAGMA cache_size"), { type: "close" }]);
      const response = result.body.results[0]?.response as { result: { rows: unknown } } | undefined;
      return response?.result.rows;
    };
    const defaultSize = JSON.stringify(await read());
    // Thirty streams run the pragma; none of their connections may come back with it set.
    for (let index = 0; index < 30; index++) {
      const set = await pipeline(server.url, 2, null, [
        exec("/* tuning */ PRAGMA cache_size = 7"),
        { type: "close" },
      ]);
      expect(set.body.results[0]?.type).toBe("ok");
    }
    for (let index = 0; index < 10; index++) expect(JSON.stringify(await read())).toBe(defaultSize);
    // Temporary tables are the connection's own too.
    await pipeline(server.url, 2, null, [exec("CREATE TEMP TABLE reuse_temp (x)"), { type: "close" }]);
    for (let index = 0; index < 10; index++) {
      const rows = await client.execute(
        "SELECT count(*) AS n FROM sqlite_temp_master WHERE name = 'reuse_temp'",
      );
      expect(rows.rows[0]?.n).toBe(0n);
    }
  });

  it("never hands over temporary objects however they are named", async () => {
    for (const sql of [
      "CREATE TABLE temp.reuse_t1 (x)",
      'CREATE TABLE "temp".reuse_t2 (x)',
      "CREATE/**/TEMP TABLE reuse_t3 (x)",
      "CREATE VIEW temp.reuse_v AS SELECT 1",
    ]) {
      const created = await pipeline(server.url, 2, null, [exec(sql), { type: "close" }]);
      expect(created.body.results[0]?.type).toBe("ok");
    }
    for (let index = 0; index < 10; index++) {
      const rows = await client.execute("SELECT count(*) AS n FROM sqlite_temp_master");
      expect(rows.rows[0]?.n).toBe(0n);
    }
  });

  it("binds a parameter left out as NULL, never what another stream bound to the same statement", async () => {
    const sql = "SELECT ?1 AS a, ?2 AS b";
    await client.execute({ sql, args: [1n, 2n] });
    for (let index = 0; index < 5; index++) {
      const result = await pipeline(server.url, 2, null, [
        { type: "execute", stmt: { sql, args: [{ type: "integer", value: "3" }], want_rows: true } },
        { type: "close" },
      ]);
      const response = result.body.results[0]?.response as
        | { result: { rows: { type: string }[][] } }
        | undefined;
      expect(response?.result.rows[0]?.map((value) => value.type)).toEqual(["integer", "null"]);
    }
  });

  it("reports no last insert of a previous stream on a reused connection", async () => {
    await client.execute("CREATE TABLE IF NOT EXISTS reuse_rowid (id INTEGER PRIMARY KEY, note TEXT)");
    const inserted = await client.execute("INSERT INTO reuse_rowid (note) VALUES ('x')");
    expect(inserted.lastInsertRowid).toBeGreaterThan(0n);
    for (let index = 0; index < 5; index++) {
      const selected = await client.execute("SELECT 1");
      expect(selected.lastInsertRowid ?? 0n).toBe(0n);
    }
  });

  it("never hands over a connection with a transaction its stream left open", async () => {
    await client.execute("CREATE TABLE IF NOT EXISTS reuse_probe (id INTEGER PRIMARY KEY, note TEXT)");
    // BEGIN and an insert, then the stream is closed without COMMIT.
    const opened = await pipeline(server.url, 2, null, [
      exec("BEGIN"),
      exec("INSERT INTO reuse_probe (note) VALUES ('left open')"),
      { type: "close" },
    ]);
    expect(opened.body.results.map((result) => result.type)).toEqual(["ok", "ok", "ok"]);
    for (let index = 0; index < 5; index++) {
      const rows = await client.execute("SELECT count(*) AS n FROM reuse_probe WHERE note = 'left open'");
      expect(rows.rows[0]?.n).toBe(0n);
      // A write on a reused connection is its own transaction, committed at once.
      await other.execute("INSERT INTO reuse_probe (note) VALUES ('committed')");
    }
    const committed = await client.execute("SELECT count(*) AS n FROM reuse_probe WHERE note = 'committed'");
    expect(committed.rows[0]?.n).toBe(5n);
  });
});
