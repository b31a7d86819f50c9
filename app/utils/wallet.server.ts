import type { Bindings } from "../../worker/env.ts";
import { userLedger } from "../../worker/services/ledger/client.ts";
import type { EntryView } from "../../worker/services/ledger/store.ts";

/** The wallet history the page and its CSV export show: the user's own side of each entry. */
export interface HistoryRow {
  id: string;
  createdAt: string;
  type: string;
  mode: string;
  reference: string | null;
  changes: { asset: string; amount: string; bucket: string }[];
}

export function historyRows(entries: EntryView[], userId: string): HistoryRow[] {
  const prefix = `user:${userId}:`;
  return entries.map((entry) => ({
    id: entry.id,
    createdAt: entry.createdAt,
    type: entry.type,
    mode: entry.mode,
    reference: entry.reference,
    changes: entry.postings
      .filter((posting) => posting.account.startsWith(prefix))
      .map((posting) => ({
        asset: posting.asset,
        amount: posting.amount,
        bucket: posting.account.slice(prefix.length).split(":").slice(1).join(":"),
      })),
  }));
}

const CSV_MAX_PAGES = 50;

/** Every entry, newest first, in bounded pages (at most 50 x 100 rows). */
export async function allHistory(env: Bindings, userId: string): Promise<HistoryRow[]> {
  const ledger = userLedger(env, userId);
  const rows: HistoryRow[] = [];
  let before: number | null = null;
  for (let page = 0; page < CSV_MAX_PAGES; page++) {
    const result = await ledger.entries({ mode: null, asset: null, beforeSequence: before, limit: 100 });
    rows.push(...historyRows(result.entries, userId));
    if (result.nextBeforeSequence === null) break;
    before = result.nextBeforeSequence;
  }
  return rows;
}

function csvField(value: string): string {
  // Quote everything; a leading formula character is neutralised so a spreadsheet never runs it.
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

export function historyCsv(rows: HistoryRow[]): string {
  const lines = [
    ["time", "entry", "type", "book", "asset", "amount", "balance", "reference"].map(csvField).join(","),
  ];
  for (const row of rows) {
    for (const change of row.changes) {
      lines.push(
        [
          row.createdAt,
          row.id,
          row.type,
          row.mode,
          change.asset,
          change.amount,
          change.bucket,
          row.reference ?? "",
        ]
          .map(csvField)
          .join(","),
      );
    }
  }
  return `${lines.join("\r\n")}\r\n`;
}
