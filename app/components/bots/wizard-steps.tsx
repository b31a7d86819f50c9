import { Link } from "@remix-run/react";
import type { ChangeEvent } from "react";
import { PairIcon } from "../coin-icon.tsx";
import { ModeBadge } from "../mode-badge.tsx";
import { Money } from "../money.tsx";
import { TYPE_LABELS } from "./bot-status.tsx";
import { type Draft, type DraftField, FIELD_LABELS, fieldsOfStep, isOptional, kindOf } from "./wizard.ts";
import { ChoiceGroup, TextField } from "./wizard-fields.tsx";

/** The five steps' bodies. The page owns the draft; each step edits its own fields of it. */

export interface PairChoice {
  symbol: string;
  base: string;
  quote: string;
  last: string | null;
  liveTradable: boolean;
}

export interface StepProps {
  draft: Draft;
  errors: Record<string, string>;
  change: (field: DraftField) => (event: ChangeEvent<HTMLInputElement>) => void;
}

export function StrategyStep({ draft, errors, change }: StepProps) {
  return (
    <ChoiceGroup
      name="type"
      legend="Which strategy?"
      value={draft.type}
      onChange={change("type")}
      error={errors.type}
      columns="two"
      choices={[
        {
          value: "dca",
          title: "DCA",
          detail:
            "Dollar-cost averaging: buys at market, then buys more in steps as the price falls, and sells everything at your take profit above the average entry.",
        },
        {
          value: "grid",
          title: "Grid",
          detail:
            "Places buys and sells at levels between a lower and an upper price, and re-arms the opposite order after each fill: it earns from a price that moves sideways.",
        },
      ]}
    />
  );
}

export function PairStep({
  draft,
  errors,
  change,
  pairs,
  available,
  twoFactorEnabled,
}: StepProps & {
  pairs: readonly PairChoice[];
  available: Record<"paper" | "live", Record<string, string>>;
  twoFactorEnabled: boolean;
}) {
  const pair = pairs.find((entry) => entry.symbol === draft.symbol);
  const quote = pair?.quote ?? "";
  const book = draft.mode === "live" ? "live" : "paper";
  const balance = available[book][quote] ?? "0";
  const liveAllowed = (pair?.liveTradable ?? false) && twoFactorEnabled;
  return (
    <>
      <ChoiceGroup
        name="symbol"
        legend="Market"
        value={draft.symbol}
        onChange={change("symbol")}
        error={errors.symbol}
        choices={pairs.map((entry) => ({
          value: entry.symbol,
          title: (
            <span className="choice-pair">
              <PairIcon base={entry.base} quote={entry.quote} size={20} />
              {entry.base}/{entry.quote}
            </span>
          ),
          detail: (
            <>
              {entry.last === null ? <span className="muted">no price</span> : <Money value={entry.last} />}
              {entry.liveTradable ? null : <span className="choice-note">paper only</span>}
            </>
          ),
        }))}
      />
      <ChoiceGroup
        name="mode"
        legend="Mode"
        value={draft.mode}
        onChange={change("mode")}
        error={errors.mode}
        columns="two"
        hint={
          liveAllowed ? undefined : !twoFactorEnabled ? (
            <>
              LIVE bots need <Link to="/security">two-factor authentication</Link>, and a market the exchange
              lists.
            </>
          ) : (
            `${pair?.base ?? ""}/${quote} trades on paper only: the exchange does not list it.`
          )
        }
        choices={[
          {
            value: "paper",
            title: <ModeBadge mode="paper" />,
            detail: "Simulated money from your paper book, real-looking prices.",
          },
          {
            value: "live",
            title: <ModeBadge mode="live" />,
            detail: "Real money from your live book. Creating, confirming and starting each need a code.",
            disabled: !liveAllowed,
          },
        ]}
      />
      <TextField
        name="budget"
        label="Budget"
        value={draft.budget}
        onChange={change("budget")}
        error={errors.budget}
        unit={quote}
        placeholder="300.00"
        required
        hint={
          <>
            Held for the bot when it starts; it never spends more. Available in your {book.toUpperCase()}{" "}
            book: <Money value={balance} unit={quote} />
            {book === "paper" ? (
              <>
                {" "}
                · <Link to="/wallet">Add paper funds</Link>
              </>
            ) : null}
          </>
        }
      />
    </>
  );
}

export function ParametersStep({ draft, errors, change, quote }: StepProps & { quote: string }) {
  if (kindOf(draft) === "grid") {
    return (
      <div className="field-grid">
        <TextField
          name="lowerPrice"
          label="Lower price"
          value={draft.lowerPrice}
          onChange={change("lowerPrice")}
          error={errors.lowerPrice}
          unit={quote}
          required
          hint="The lowest level: the grid buys no lower."
        />
        <TextField
          name="upperPrice"
          label="Upper price"
          value={draft.upperPrice}
          onChange={change("upperPrice")}
          error={errors.upperPrice}
          unit={quote}
          required
          hint="The highest level: the grid sells no higher."
        />
        <TextField
          name="gridLevels"
          label="Grid levels"
          value={draft.gridLevels}
          onChange={change("gridLevels")}
          error={errors.gridLevels}
          inputMode="numeric"
          required
          hint="From 2 to 200, the lower and upper prices included."
        />
        <ChoiceGroup
          name="spacing"
          legend="Spacing"
          value={draft.spacing}
          onChange={change("spacing")}
          error={errors.spacing}
          columns="two"
          choices={[
            { value: "arithmetic", title: "Arithmetic", detail: "The same price gap between levels." },
            { value: "geometric", title: "Geometric", detail: "The same percentage between levels." },
          ]}
        />
      </div>
    );
  }
  return (
    <div className="field-grid">
      <TextField
        name="baseOrder"
        label="Base order"
        value={draft.baseOrder}
        onChange={change("baseOrder")}
        error={errors.baseOrder}
        unit={quote}
        required
        hint="Bought at market when the bot starts a deal."
      />
      <TextField
        name="safetyOrder"
        label="Safety order"
        value={draft.safetyOrder}
        onChange={change("safetyOrder")}
        error={errors.safetyOrder}
        unit={quote}
        required
        hint="The first safety order; each next one is the volume scale times the last."
      />
      <TextField
        name="safetyOrders"
        label="Safety orders"
        value={draft.safetyOrders}
        onChange={change("safetyOrders")}
        error={errors.safetyOrders}
        inputMode="numeric"
        required
        hint="How many, from 0 to 25."
      />
      <TextField
        name="priceDeviationPercent"
        label="Price deviation"
        value={draft.priceDeviationPercent}
        onChange={change("priceDeviationPercent")}
        error={errors.priceDeviationPercent}
        unit="%"
        required
        hint="Each safety order waits this much further below the entry."
      />
      <TextField
        name="volumeScale"
        label="Volume scale"
        value={draft.volumeScale}
        onChange={change("volumeScale")}
        error={errors.volumeScale}
        unit="×"
        required
        hint="From 1 to 10: 1.5 makes each safety order half as large again as the last."
      />
    </div>
  );
}

export function RiskStep({ draft, errors, change, quote }: StepProps & { quote: string }) {
  if (kindOf(draft) === "grid") {
    return (
      <div className="field-grid">
        <TextField
          name="stopLossPrice"
          label="Stop-loss price"
          value={draft.stopLossPrice}
          onChange={change("stopLossPrice")}
          error={errors.stopLossPrice}
          unit={quote}
          hint="Below the lower price: at or under it the grid cancels its orders, sells its base and stops."
        />
        <TextField
          name="takeProfitPrice"
          label="Take-profit price"
          value={draft.takeProfitPrice}
          onChange={change("takeProfitPrice")}
          error={errors.takeProfitPrice}
          unit={quote}
          hint="Above the upper price: at or over it the grid sells its base and stops."
        />
      </div>
    );
  }
  return (
    <div className="field-grid">
      <TextField
        name="takeProfitPercent"
        label="Take profit"
        value={draft.takeProfitPercent}
        onChange={change("takeProfitPercent")}
        error={errors.takeProfitPercent}
        unit="%"
        required
        hint="The whole position is sold this far above its average entry, closing the deal."
      />
      <TextField
        name="stopLossPercent"
        label="Stop loss"
        value={draft.stopLossPercent}
        onChange={change("stopLossPercent")}
        error={errors.stopLossPercent}
        unit="%"
        hint="Sells at market this far below the average entry. Empty: no stop loss."
      />
      <TextField
        name="cooldownSeconds"
        label="Cooldown"
        value={draft.cooldownSeconds}
        onChange={change("cooldownSeconds")}
        error={errors.cooldownSeconds}
        inputMode="numeric"
        unit="s"
        hint="Seconds to wait after a deal closes before the next. Empty: at once."
      />
    </div>
  );
}

/** Everything the trader chose, as it will be sent. */
export function DraftSummary({ draft, quote }: { draft: Draft; quote: string }) {
  const kind = kindOf(draft);
  const unitOf = (field: DraftField): string => {
    if (field === "budget" || field === "baseOrder" || field === "safetyOrder") return quote;
    if (field.endsWith("Price")) return quote;
    if (field.endsWith("Percent")) return "%";
    if (field === "cooldownSeconds") return "s";
    if (field === "volumeScale") return "×";
    return "";
  };
  const shown: DraftField[] = [...fieldsOfStep("parameters", kind), ...fieldsOfStep("risk", kind)];
  return (
    <dl className="draft-summary" data-testid="draft-summary">
      <div>
        <dt>Strategy</dt>
        <dd>{TYPE_LABELS[kind]}</dd>
      </div>
      <div>
        <dt>Market</dt>
        <dd>{draft.symbol.replace("-", "/")}</dd>
      </div>
      <div>
        <dt>Mode</dt>
        <dd>
          <ModeBadge mode={draft.mode} />
        </dd>
      </div>
      <div>
        <dt>Budget</dt>
        <dd>
          <Money value={draft.budget} unit={quote} />
        </dd>
      </div>
      {shown.map((field) => (
        <div key={field}>
          <dt>{FIELD_LABELS[field]}</dt>
          <dd data-field={field}>
            {draft[field] === "" ? (
              <span className="muted">{isOptional(field) ? "none" : "—"}</span>
            ) : field === "spacing" ? (
              draft.spacing
            ) : (
              <Money value={draft[field]} unit={unitOf(field) || undefined} />
            )}
          </dd>
        </div>
      ))}
    </dl>
  );
}
