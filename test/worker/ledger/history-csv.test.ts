import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  HISTORY_CSV_MAX_PAGES,
  HISTORY_CSV_PAGE_SIZE,
  historyCsvStream,
} from "../../../app/utils/wallet.server.ts";
import type { ApiClient } from "../../support/api-client.ts";
import { key, ORIGIN, signedUpClient } from "./support.ts";

/**
 * The wallet's "whole history" CSV (issue 10, defect 5): it used to stop silently after 50
 * pages of 100 entries. A test with 5,000 entries would be slow, so these shrink the page size
 * and the page bound instead; the logic is the same at any size.
 */

const HEADER = '"time","entry","type","book","asset","amount","balance","reference"';

/** A signed-up user with `count` paper deposits: one entry, and one CSV line, each. */
async function userWithDeposits(count: number) {
  const trader = await signedUpClient();
  for (let index = 1; index <= count; index++) {
    const response = await trader.client.post(
      "/api/v1/wallets/paper-deposit",
      { asset: "GBP", amount: `${index}.00` },
      { "Idempotency-Key": key("csv") },
    );
    expect(response.status).toBe(201);
  }
  return trader;
}

async function entryIds(client: ApiClient): Promise<string[]> {
  const response = await client.get<{ entries: { id: string }[]; nextCursor: string | null }>(
    "/api/v1/ledger/entries?limit=100",
  );
  expect(response.body.nextCursor).toBeNull();
  return response.body.entries.map((entry) => entry.id);
}

function lines(csv: string): string[] {
  expect(csv.endsWith("\r\n")).toBe(true);
  return csv.slice(0, -2).split("\r\n");
}

/** The entry id of a data line (second field). */
function entryOf(line: string): string {
  return line.split('","')[1] ?? "";
}

describe("wallet history CSV: the whole history, page by page", () => {
  it("writes every entry exactly once, newest first, across several pages", async () => {
    const { client, user } = await userWithDeposits(7);
    const expected = await entryIds(client);
    expect(expected).toHaveLength(7);

    const csv = await new Response(await historyCsvStream(env, user.id, { pageSize: 3 })).text();
    const [header, ...data] = lines(csv);
    expect(header).toBe(HEADER);
    expect(data.map(entryOf)).toEqual(expected);
    expect(data.every((line) => line.includes('"paper_deposit","paper","GBP"'))).toBe(true);
  });

  it("ends with an explicit line when the page bound is reached, never silently", async () => {
    const { client, user } = await userWithDeposits(7);
    const expected = await entryIds(client);

    const csv = await new Response(await historyCsvStream(env, user.id, { pageSize: 3, maxPages: 2 })).text();
    const [header, ...rest] = lines(csv);
    expect(header).toBe(HEADER);
    // Today's bug: the sixth entry's line ends the file, and nothing says anything is missing.
    expect(rest.at(-1)).toMatch(/^"Truncated: .*6 entries.*"$/);
    expect(rest.slice(0, -1).map(entryOf)).toEqual(expected.slice(0, 6));
  });

  it("does not mark a history that fits exactly as truncated", async () => {
    const { client, user } = await userWithDeposits(6);
    const expected = await entryIds(client);
    const csv = await new Response(await historyCsvStream(env, user.id, { pageSize: 3, maxPages: 2 })).text();
    const [, ...data] = lines(csv);
    expect(data.map(entryOf)).toEqual(expected);
  });

  it("reads the next page only when the client has taken the last one (memory stays one page)", async () => {
    // A stand-in ledger of 1,000 one-entry pages that counts its reads.
    let reads = 0;
    const entry = (sequence: number) => ({
      id: `entry-${sequence}`,
      type: "paper_deposit",
      mode: "paper",
      createdAt: new Date(0).toISOString(),
      reference: null,
      postings: [{ asset: "GBP", amount: "1.00", account: "user:u1:paper:available" }],
    });
    const stub = {
      entries: async (_userId: string, query: { beforeSequence: number | null }) => {
        reads++;
        const sequence = (query.beforeSequence ?? 1001) - 1;
        return {
          ok: true,
          value: { entries: [entry(sequence)], nextBeforeSequence: sequence > 1 ? sequence : null },
        };
      },
    };
    const fakeEnv = {
      USER_LEDGER: { idFromName: (name: string) => name, get: () => stub },
    } as unknown as Parameters<typeof historyCsvStream>[0];

    const reader = (await historyCsvStream(fakeEnv, "u1", { pageSize: 1 })).getReader();
    const decoder = new TextDecoder();
    expect(decoder.decode((await reader.read()).value)).toBe(`${HEADER}\r\n`);
    expect(decoder.decode((await reader.read()).value)).toContain('"entry-1000"');
    expect(reads).toBeLessThanOrEqual(3);
    await reader.cancel();

    // Read to the end: all 1,000 pages, no truncation line (far below the default bound).
    const csv = await new Response(await historyCsvStream(fakeEnv, "u1", { pageSize: 1 })).text();
    const [, ...data] = lines(csv);
    expect(data).toHaveLength(1000);
    expect(data.at(-1)).toContain('"entry-1"');
  });

  it("by default reads far more than any real account holds (the old bound was 5,000)", () => {
    expect(HISTORY_CSV_PAGE_SIZE * HISTORY_CSV_MAX_PAGES).toBeGreaterThanOrEqual(1_000_000);
  });

  it("is served at /wallet/history.csv to the signed-in user as a download", async () => {
    const { client } = await userWithDeposits(3);
    const expected = await entryIds(client);
    const response = await SELF.fetch(`${ORIGIN}/wallet/history.csv`, {
      headers: { Cookie: client.cookie ?? "" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toMatch(/^attachment; filename="coinhubx-wallet-/);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const [header, ...data] = lines(await response.text());
    expect(header).toBe(HEADER);
    expect(data.map(entryOf)).toEqual(expected);

    const anonymous = await SELF.fetch(`${ORIGIN}/wallet/history.csv`, { redirect: "manual" });
    expect(anonymous.status).toBe(302);
  });
});

describe("the Wallet page's history", () => {
  it("pages with the shared entry cursor, and a bad cursor shows the newest page", async () => {
    const { client } = await userWithDeposits(27);
    const page = async (search: string) => {
      const response = await SELF.fetch(`${ORIGIN}/wallet${search}`, {
        headers: { Cookie: client.cookie ?? "" },
      });
      expect(response.status).toBe(200);
      const html = await response.text();
      const table =
        /data-testid="wallet-history"[\s\S]*?<tbody[^>]*>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? "";
      const rows = table.match(/<tr/g) ?? [];
      const next = /href="[^"]*\?cursor=([A-Za-z0-9_-]+)"/.exec(html)?.[1] ?? null;
      return { rows: rows.length, next, table };
    };
    const first = await page("");
    expect(first.rows).toBe(25);
    expect(first.next).not.toBeNull();
    const second = await page(`?cursor=${first.next}`);
    expect(second.rows).toBe(2);
    expect(second.next).toBeNull();
    // The two oldest deposits, 2.00 and 1.00 GBP, are the ones left for the second page.
    expect(second.table).toMatch(/2\.00[\s\S]*1\.00/);
    expect((await page("?cursor=not-a-cursor")).rows).toBe(25);
  });
});
