/**
 * The one way to show a moment: "2026-11-30 23:24:17 UTC". Always UTC, so the server render
 * and the browser agree (no hydration mismatch, no guessing which zone a row is in), and in
 * ISO order, so a column of them reads and sorts like the CSV export. Accepts what the API
 * sends: an ISO string or epoch milliseconds.
 */

export type Moment = string | number | Date;

function toDate(value: Moment): Date | null {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** For text that is not JSX (titles, messages); text that is not a moment is returned as is. */
export function formatDateTime(value: Moment): string {
  const date = toDate(value);
  if (!date) return String(value);
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

export function DateTime({ value, className }: { value: Moment; className?: string | undefined }) {
  const date = toDate(value);
  if (!date) return <span className={className}>{String(value)}</span>;
  // One text child: adjacent JSX text would be split by comment markers in the server HTML.
  return (
    <time dateTime={date.toISOString()} className={className}>
      {formatDateTime(date)}
    </time>
  );
}

/**
 * Only the clock ("23:24:17"), for the live trades feed of the Trade page, where every row is
 * from the last minutes and a date would only crowd a narrow column. Same UTC clock as
 * `DateTime`; the full moment is in the tooltip.
 */
export function TimeOfDay({ value, className }: { value: Moment; className?: string | undefined }) {
  const date = toDate(value);
  if (!date) return <span className={className}>{String(value)}</span>;
  return (
    <time dateTime={date.toISOString()} title={formatDateTime(date)} className={className}>
      {date.toISOString().slice(11, 19)}
    </time>
  );
}
