import { type HTMLAttributes, type ReactNode, type RefObject, useEffect, useRef, useState } from "react";

/**
 * The pages' tables: one column list (header, cell, alignment) instead of a hand-written
 * thead and tbody each time. Numbers align right in tabular figures (`numeric`). On a phone
 * (app.css, below 760 px) each row becomes a card, each cell a line led by its column's
 * header, so no table is ever wider than the screen; the ARIA roles keep it a table for screen
 * readers once CSS has changed how it is displayed. On wider screens a table too wide for its
 * panel scrolls sideways inside its wrapper, never the page.
 */

export interface Column<Row> {
  /** Unique within the table (React key). */
  id: string;
  /** Header text; omit for a column of buttons. A table whose columns have none has no thead. */
  header?: ReactNode;
  cell: (row: Row) => ReactNode;
  /** The cell's label in the phone layout when `header` is not plain text. */
  label?: string;
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

/**
 * Whether the wrapper is scrolling sideways right now (its table is wider than it). Such a
 * wrapper becomes a focusable, named region so a keyboard can scroll it too; one that fits
 * stays out of the tab order.
 */
function useScrollsSideways(wrapper: RefObject<HTMLDivElement | null>, shown: boolean): boolean {
  const [scrolls, setScrolls] = useState(false);
  useEffect(() => {
    const element = shown ? wrapper.current : null;
    if (!element || typeof ResizeObserver === "undefined") return;
    const measure = () => setScrolls(element.scrollWidth > element.clientWidth + 1);
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    if (element.firstElementChild) observer.observe(element.firstElementChild);
    measure();
    return () => observer.disconnect();
  }, [wrapper, shown]);
  return scrolls;
}

/**
 * Explicit table roles: Safari drops a table's semantics once CSS displays its parts as blocks
 * (the phone cards), so screen readers would read the cells as loose text without them.
 */
const ROLES = {
  table: { role: "table" },
  rowgroup: { role: "rowgroup" },
  row: { role: "row" },
  columnheader: { role: "columnheader" },
  cell: { role: "cell" },
} as const;

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
  const wrapper = useRef<HTMLDivElement>(null);
  const shown = rows.length > 0 || empty === undefined;
  const scrolls = useScrollsSideways(wrapper, shown);
  if (!shown) {
    return <p className="muted table-empty">{empty}</p>;
  }
  const cellClass = (column: Column<Row>) =>
    [column.numeric ? "numeric" : "", column.className ?? ""].filter(Boolean).join(" ") || undefined;
  const hasHeader = columns.some((column) => column.header !== undefined);
  const labelOf = (column: Column<Row>) =>
    column.label ?? (typeof column.header === "string" ? column.header : undefined);
  return (
    <div
      className="table-scroll"
      ref={wrapper}
      {...(scrolls
        ? { tabIndex: 0, role: "region", "aria-label": `${label ?? "Table"}, scrolls sideways` }
        : {})}
    >
      <table
        className={className ? `table table-cards ${className}` : "table table-cards"}
        data-testid={testId}
        aria-label={label}
        {...ROLES.table}
      >
        {hasHeader ? (
          <thead {...ROLES.rowgroup}>
            <tr {...ROLES.row}>
              {columns.map((column) => (
                <th key={column.id} scope="col" {...ROLES.columnheader} className={cellClass(column)}>
                  {column.header}
                </th>
              ))}
            </tr>
          </thead>
        ) : null}
        <tbody {...ROLES.rowgroup}>
          {rows.map((row) => (
            <tr key={rowKey(row)} {...ROLES.row} {...rowProps?.(row)}>
              {columns.map((column) => (
                <td
                  key={column.id}
                  {...ROLES.cell}
                  className={cellClass(column)}
                  data-label={labelOf(column)}
                >
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
