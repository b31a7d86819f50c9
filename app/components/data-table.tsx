import type { HTMLAttributes, ReactNode } from "react";

/**
 * The pages' tables: one column list (header, cell, alignment) instead of a hand-written
 * thead and tbody each time. Numbers align right in tabular figures (`numeric`); a wide table
 * scrolls sideways inside its wrapper instead of widening the page.
 */

export interface Column<Row> {
  /** Unique within the table (React key). */
  id: string;
  /** Header text; omit for a column of buttons. A table whose columns have none has no thead. */
  header?: ReactNode;
  cell: (row: Row) => ReactNode;
  /** Right-aligned, tabular figures: amounts, prices, counts, and row actions. */
  numeric?: boolean;
  className?: string;
}

/** Attributes for a row's <tr>: a class, and data-* hooks (tests and styles select on them). */
export type RowProps = Pick<HTMLAttributes<HTMLTableRowElement>, "className"> & {
  [attribute: `data-${string}`]: string | undefined;
};

export interface DataTableProps<Row> {
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row) => string;
  rowProps?: (row: Row) => RowProps;
  /** Shown instead of the table when there are no rows; without it an empty table renders. */
  empty?: ReactNode;
  /** Extra classes after "table" ("compact"). */
  className?: string;
  testId?: string;
  /** Accessible name of the table, when the heading above it does not give one. */
  label?: string;
}

export function DataTable<Row>({
  columns,
  rows,
  rowKey,
  rowProps,
  empty,
  className,
  testId,
  label,
}: DataTableProps<Row>) {
  if (rows.length === 0 && empty !== undefined) {
    return <p className="muted table-empty">{empty}</p>;
  }
  const cellClass = (column: Column<Row>) =>
    [column.numeric ? "numeric" : "", column.className ?? ""].filter(Boolean).join(" ") || undefined;
  const hasHeader = columns.some((column) => column.header !== undefined);
  return (
    <div className="table-scroll">
      <table className={className ? `table ${className}` : "table"} data-testid={testId} aria-label={label}>
        {hasHeader ? (
          <thead>
            <tr>
              {columns.map((column) => (
                <th key={column.id} scope="col" className={cellClass(column)}>
                  {column.header}
                </th>
              ))}
            </tr>
          </thead>
        ) : null}
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} {...rowProps?.(row)}>
              {columns.map((column) => (
                <td key={column.id} className={cellClass(column)}>
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
