import type { ChangeEvent, ReactNode } from "react";
import { FieldError } from "../form.tsx";

/**
 * The wizard's inputs. A field with an error says so to assistive technology as well as on
 * screen: aria-invalid on the input, aria-describedby naming the error (and the hint).
 */

export function fieldIds(name: string) {
  return { input: `field-${name}`, hint: `field-${name}-hint`, error: `field-${name}-error` };
}

function describedBy(name: string, hint: boolean, error: boolean): string | undefined {
  const ids = fieldIds(name);
  const parts = [error ? ids.error : "", hint ? ids.hint : ""].filter(Boolean);
  return parts.length > 0 ? parts.join(" ") : undefined;
}

export function TextField({
  name,
  label,
  value,
  onChange,
  error,
  hint,
  unit,
  placeholder,
  required = false,
  inputMode = "decimal",
}: {
  name: string;
  label: string;
  value: string;
  onChange: (event: ChangeEvent<HTMLInputElement>) => void;
  error?: string | undefined;
  hint?: ReactNode;
  unit?: string | undefined;
  placeholder?: string | undefined;
  required?: boolean;
  inputMode?: "decimal" | "numeric";
}) {
  const ids = fieldIds(name);
  return (
    <div className={`field wizard-field${error ? " field-invalid" : ""}`}>
      <label htmlFor={ids.input}>
        {label}
        {required ? null : <span className="muted"> (optional)</span>}
      </label>
      <div className="input-with-unit">
        <input
          id={ids.input}
          name={name}
          value={value}
          onChange={onChange}
          inputMode={inputMode}
          autoComplete="off"
          placeholder={placeholder}
          maxLength={40}
          required={required}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy(name, hint !== undefined, error !== undefined)}
        />
        {unit ? <span className="input-unit">{unit}</span> : null}
      </div>
      {error ? (
        <span id={ids.error}>
          <FieldError message={error} />
        </span>
      ) : null}
      {hint !== undefined ? (
        <span id={ids.hint} className="hint">
          {hint}
        </span>
      ) : null}
    </div>
  );
}

export interface Choice {
  value: string;
  title: ReactNode;
  detail?: ReactNode;
  disabled?: boolean;
}

/** Radio cards: one choice among a few, each with a line saying what it means. */
export function ChoiceGroup({
  name,
  legend,
  choices,
  value,
  onChange,
  error,
  hint,
  columns = "auto",
}: {
  name: string;
  legend: string;
  choices: readonly Choice[];
  value: string;
  onChange: (event: ChangeEvent<HTMLInputElement>) => void;
  error?: string | undefined;
  hint?: ReactNode;
  columns?: "auto" | "two";
}) {
  const ids = fieldIds(name);
  return (
    <fieldset
      className={`choice-group choice-group-${columns}${error ? " field-invalid" : ""}`}
      aria-describedby={describedBy(name, hint !== undefined, error !== undefined)}
      data-testid={`choices-${name}`}
    >
      <legend>{legend}</legend>
      <div className="choice-grid">
        {choices.map((choice) => (
          <label
            key={choice.value}
            className={`choice${choice.value === value ? " choice-selected" : ""}${choice.disabled ? " choice-disabled" : ""}`}
          >
            <input
              type="radio"
              name={name}
              value={choice.value}
              checked={choice.value === value}
              onChange={onChange}
              disabled={choice.disabled}
              aria-invalid={error ? true : undefined}
              data-testid={`choice-${name}-${choice.value}`}
            />
            <span className="choice-title">{choice.title}</span>
            {choice.detail ? <span className="choice-detail">{choice.detail}</span> : null}
          </label>
        ))}
      </div>
      {error ? (
        <span id={ids.error}>
          <FieldError message={error} />
        </span>
      ) : null}
      {hint !== undefined ? (
        <span id={ids.hint} className="hint">
          {hint}
        </span>
      ) : null}
    </fieldset>
  );
}
