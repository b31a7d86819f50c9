import type { Bindings } from "../../worker/env.ts";
import { amountMinorOf, formatAmount } from "../../worker/services/ledger/amount.ts";
import { type AssetCode, isAssetCode } from "../../worker/services/ledger/assets.ts";
import { userLedger } from "../../worker/services/ledger/client.ts";
import { type EntryView, MAX_ENTRIES_PAGE } from "../../worker/services/ledger/store.ts";

/** The wallet history the page and its CSV export show: the user's own side of each entry. */
export interface HistoryRow {
  id: string;
  createdAt: string;
  type: string;
  mode: string;
  reference: string | null;
  changes: { asset: string; amount: string; bucket: string }[];
  /**
   * Trading fees this entry charged, one line per asset: what the trader paid (the postings to
   * system:<book>:fee_revenue less fee_discounts) and the part a discount waived.
   */
  fees: { asset: string; amount: string; discount: string }[];
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
    fees: feeLines(entry),
  }));
}

function feeLines(entry: EntryView): HistoryRow["fees"] {
  const byAsset = new Map<AssetCode, { listMinor: bigint; discountMinor: bigint }>();
  for (const posting of entry.postings) {
    const kind = /^system:[a-z]+:(fee_revenue|fee_discounts)$/.exec(posting.account)?.[1];
    if (!kind || !isAssetCode(posting.asset)) continue;
    const line = byAsset.get(posting.asset) ?? { listMinor: 0n, discountMinor: 0n };
    const amountMinor = amountMinorOf(posting.asset, posting.amount.replace(/^-/, ""));
    // Revenue is credited (+) and the waived part debited from it (-): both counted as magnitudes.
    if (kind === "fee_revenue") line.listMinor += amountMinor;
    else line.discountMinor += amountMinor;
    byAsset.set(posting.asset, line);
  }
  return [...byAsset].map(([asset, line]) => ({
    asset,
    amount: formatAmount(asset, line.listMinor - line.discountMinor),
    discount: formatAmount(asset, line.discountMinor),
  }));
}

/** Entries per ledger read while exporting: the ledger's largest page. */
export const HISTORY_CSV_PAGE_SIZE = MAX_ENTRIES_PAGE;
/**
 * The most pages one export reads: a million entries at the default page size, far beyond
 * any real account, so the loop still has a bound. Reaching it ends the file with a line that
 * says so (`truncatedLine`); the export never stops short in silence.
 */
export const HISTORY_CSV_MAX_PAGES = 10_000;

export interface HistoryCsvOptions {
  /** 1 to MAX_ENTRIES_PAGE; tests shrink it to cross page boundaries with a few entries. */
  pageSize?: number;
  maxPages?: number;
}

const CSV_COLUMNS = ["time", "entry", "type", "book", "asset", "amount", "balance", "reference"];

/**
 * The user's whole history as CSV (one line per balance change, newest first), written page
 * by page as the client reads it: memory holds one page, whatever the history's length. The
 * first page is read before the stream is returned, so an unavailable ledger is still a 503;
 * a later failure errors the stream, which aborts the download rather than ending it early.
 */
export async function historyCsvStream(
  env: Pick<Bindings, "USER_LEDGER">,
  userId: string,
  options: HistoryCsvOptions = {},
): Promise<ReadableStream<Uint8Array>> {
  const pageSize = options.pageSize ?? HISTORY_CSV_PAGE_SIZE;
  const maxPages = options.maxPages ?? HISTORY_CSV_MAX_PAGES;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_ENTRIES_PAGE) {
    throw new RangeError(`history page size ${pageSize} is not 1 to ${MAX_ENTRIES_PAGE}`);
  }
  if (!Number.isSafeInteger(maxPages) || maxPages < 1) {
    throw new RangeError(`history page bound ${maxPages} is not a positive integer`);
  }
  const ledger = userLedger(env, userId);
  const read = (beforeSequence: number | null) =>
    ledger.entries({ mode: null, asset: null, beforeSequence, limit: pageSize });
  const encoder = new TextEncoder();
  let page = await read(null);
  let pagesRead = 1;
  let entriesWritten = 0;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(csvLine(CSV_COLUMNS)));
    },
    // One page per pull: the next page is read only once the client has taken this one.
    async pull(controller) {
      controller.enqueue(encoder.encode(historyCsvLines(historyRows(page.entries, userId))));
      entriesWritten += page.entries.length;
      const before = page.nextBeforeSequence;
      if (before === null) {
        controller.close();
        return;
      }
      if (pagesRead >= maxPages) {
        controller.enqueue(encoder.encode(truncatedLine(entriesWritten)));
        controller.close();
        return;
      }
      page = await read(before);
      pagesRead++;
    },
  });
}

/** The last line of an export that reached its page bound: a one-field row anyone will see. */
export function truncatedLine(entriesWritten: number): string {
  return csvLine([
    `Truncated: this file holds only the newest ${entriesWritten} entries (the export's limit); older entries are not included.`,
  ]);
}

function csvField(value: string): string {
  // Quote everything; a leading formula character is neutralised so a spreadsheet never runs it.
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

function csvLine(fields: string[]): string {
  return `${fields.map(csvField).join(",")}\r\n`;
}

function historyCsvLines(rows: HistoryRow[]): string {
  let text = "";
  for (const row of rows) {
    for (const change of row.changes) {
      text += csvLine([
        row.createdAt,
        row.id,
        row.type,
        row.mode,
        change.asset,
        change.amount,
        change.bucket,
        row.reference ?? "",
      ]);
    }
  }
  return text;
}
