import { type Column, DataTable } from "../data-table.tsx";
import { Money } from "../money.tsx";
import type { DcaPreviewRow, GridPreviewLevel, Preview } from "./preview.ts";
import { FIELD_LABELS } from "./wizard.ts";

/** The wizard's live preview panel: the orders the bot would place and the budget they need. */
export function BotPreviewPanel({ preview }: { preview: Preview }) {
  return (
    <aside className="panel wizard-preview" aria-labelledby="preview-title" data-testid="bot-preview">
      <h2 id="preview-title">{preview.kind === "grid" ? "Grid levels" : "Order ladder"}</h2>
      {preview.kind === "incomplete" ? <Incomplete preview={preview} /> : null}
      {preview.kind === "dca" ? <DcaLadder preview={preview} /> : null}
      {preview.kind === "grid" ? <GridLevels preview={preview} /> : null}
    </aside>
  );
}

function Incomplete({ preview }: { preview: Extract<Preview, { kind: "incomplete" }> }) {
  return (
    <div className="preview-incomplete" data-testid="preview-incomplete">
      <p className="muted">{preview.message ?? "Complete the parameters to see what the bot would place."}</p>
      {preview.problems.length > 0 ? (
        <ul>
          {preview.problems.map((problem) => (
            <li key={problem.field}>
              {FIELD_LABELS[problem.field]} {problem.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function Coverage({
  preview,
}: {
  preview: { required: string; budget: string | null; covered: boolean | null; quote: string };
}) {
  return (
    <div data-testid="preview-coverage" data-covered={String(preview.covered)}>
      <dl className="preview-totals">
        <div className="preview-total-strong">
          <dt>Budget needed</dt>
          <dd data-testid="preview-required">
            <Money value={preview.required} unit={preview.quote} />
          </dd>
        </div>
        <div>
          <dt>Your budget</dt>
          <dd>{preview.budget === null ? "—" : <Money value={preview.budget} unit={preview.quote} />}</dd>
        </div>
      </dl>
      {preview.covered === null ? null : (
        <p className={preview.covered ? "preview-verdict covered" : "preview-verdict short"} role="status">
          {preview.covered
            ? "Your budget covers every order, fees included."
            : "Your budget does not cover these orders: lower them, or raise the budget."}
        </p>
      )}
    </div>
  );
}

function DcaLadder({ preview }: { preview: Extract<Preview, { kind: "dca" }> }) {
  const columns: Column<DcaPreviewRow>[] = [
    {
      id: "order",
      header: "Order",
      cell: (row) => (row.index === 0 ? "Base" : `Safety ${row.index}`),
    },
    {
      id: "deviation",
      header: "Below entry",
      numeric: true,
      cell: (row) =>
        row.index === 0 ? (
          <span className="muted">market</span>
        ) : (
          <Money value={`-${row.deviationPercent}`} unit="%" />
        ),
    },
    { id: "price", header: "Price", numeric: true, cell: (row) => <Money value={row.price} /> },
    {
      id: "amount",
      header: `Amount`,
      numeric: true,
      cell: (row) => <Money value={row.amount} unit={preview.quote} />,
    },
    {
      id: "quantity",
      header: "Buys",
      numeric: true,
      cell: (row) => (
        <>
          {row.index === 0 ? "≈ " : ""}
          <Money value={row.quantity} unit={preview.base} />
        </>
      ),
    },
  ];
  return (
    <>
      <p className="muted preview-note">
        If the base order fills at today's price, <Money value={preview.entryPrice} unit={preview.quote} />,
        the safety orders wait below it.
      </p>
      <DataTable
        className="compact preview-table"
        testId="ladder-preview"
        label="DCA order ladder"
        columns={columns}
        rows={preview.rows}
        rowKey={(row) => String(row.index)}
        rowProps={(row) => ({ "data-order": String(row.index) })}
      />
      <dl className="preview-totals">
        <div>
          <dt>Orders</dt>
          <dd>
            <Money value={preview.ordersTotal} unit={preview.quote} />
          </dd>
        </div>
        <div>
          <dt>Fees held with them</dt>
          <dd>
            <Money value={preview.fees} unit={preview.quote} />
          </dd>
        </div>
      </dl>
      <Coverage preview={preview} />
    </>
  );
}

function GridLevels({ preview }: { preview: Extract<Preview, { kind: "grid" }> }) {
  const columns: Column<GridPreviewLevel>[] = [
    { id: "price", header: "Level", numeric: true, cell: (level) => <Money value={level.price} /> },
    {
      id: "side",
      header: "Order",
      cell: (level) =>
        level.side === null ? (
          <span className="muted">none: nearest the price</span>
        ) : (
          <span className={`side-${level.side}`}>{level.side}</span>
        ),
    },
  ];
  return (
    <>
      <p className="muted preview-note">
        Opening at today's price, <Money value={preview.lastPrice} unit={preview.quote} />: buys wait below
        it, sells above it.
      </p>
      <div className="preview-scroll">
        <DataTable
          className="compact preview-table"
          testId="grid-preview"
          label="Grid levels"
          columns={columns}
          rows={preview.levels}
          rowKey={(level) => level.price}
          rowProps={(level) => ({ "data-side": level.side ?? "none" })}
        />
      </div>
      {preview.quantityPerOrder ? (
        <p className="muted preview-note">
          With your budget each order is <Money value={preview.quantityPerOrder} unit={preview.base} />.
        </p>
      ) : null}
      <Coverage preview={preview} />
    </>
  );
}
