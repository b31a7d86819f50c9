import { type InputHTMLAttributes, type ReactNode, useMemo, useState } from "react";
import { atField } from "../../worker/services/forms/messages.ts";

/**
 * How forms say what is wrong. A field's problem is shown AT the field (FieldError), named by
 * the input's aria-describedby and flagged with aria-invalid; a problem with the whole request
 * (FormError) is announced once. The words come from worker/services/forms/messages.ts, the
 * same module the server builds its field errors with.
 */

export interface FormFailure {
  message: string;
  code?: string;
  /** Seconds until a lock-out ends (the server's Retry-After). */
  retryAfterSeconds?: number | undefined;
}

/** One way to show a form's error: the server's message, announced to screen readers. */
export function FormError({ error }: { error?: FormFailure | undefined }) {
  if (!error) return null;
  return (
    <p className="form-error" role="alert" data-error-code={error.code}>
      {error.message}
      {error.retryAfterSeconds !== undefined ? <> {tryAgainIn(error.retryAfterSeconds)}</> : null}
    </p>
  );
}

/** "Try again in 4 minutes." — when a lock-out ends, from the server's Retry-After. */
export function tryAgainIn(seconds: number): string {
  if (seconds <= 1) return "Try again now.";
  if (seconds < 90) return `Try again in ${Math.ceil(seconds)} seconds.`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `Try again in ${minutes} minutes.`;
  return `Try again in ${Math.ceil(minutes / 60)} hours.`;
}

/** An error at its field; give it an id when the input names it in aria-describedby. */
export function FieldError({ message, id }: { message?: string | undefined; id?: string }) {
  return message ? (
    <span className="field-error" id={id} data-testid={id}>
      {atField(message)}
    </span>
  ) : null;
}

export function fieldIds(form: string, name: string) {
  const base = `${form}-${name}`;
  return { input: base, error: `${base}-error`, hint: `${base}-hint` };
}

/**
 * A labelled input with its error and hint: the label names the input (htmlFor), so anything
 * else in the label row (a toggle button) stays outside the accessible name.
 */
export function InputField({
  form,
  name,
  label,
  error,
  hint,
  unit,
  labelExtra,
  className,
  ...input
}: {
  form: string;
  name: string;
  label: ReactNode;
  error?: string | undefined;
  hint?: ReactNode;
  unit?: string | undefined;
  labelExtra?: ReactNode;
  className?: string;
} & Omit<InputHTMLAttributes<HTMLInputElement>, "name" | "id" | "form">) {
  const ids = fieldIds(form, name);
  const describedBy = [error ? ids.error : "", hint ? ids.hint : ""].filter(Boolean).join(" ");
  return (
    <div className={`field${error ? " field-invalid" : ""}${className ? ` ${className}` : ""}`}>
      <span className="field-label-row">
        <label htmlFor={ids.input}>{label}</label>
        {labelExtra}
      </span>
      <span className="input-with-unit">
        <input
          {...input}
          id={ids.input}
          name={name}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy || undefined}
        />
        {unit ? <span className="input-unit">{unit}</span> : null}
      </span>
      <FieldError id={ids.error} message={error} />
      {hint ? (
        <span id={ids.hint} className="hint">
          {hint}
        </span>
      ) : null}
    </div>
  );
}

/**
 * Which fields show their client-side check: a field once the trader has left it (or tried to
 * submit), and from then on at every keystroke. A server error stands until its field is edited.
 */
export function useFieldChecks<Name extends string>() {
  const [checked, setChecked] = useState<ReadonlySet<Name>>(EMPTY);
  const [edited, setEdited] = useState<ReadonlySet<Name>>(EMPTY);
  // Stable functions: forms call `reset` from effects that run on each new server answer.
  const actions = useMemo(() => {
    const add = (set: ReadonlySet<Name>, names: readonly Name[]) =>
      names.every((name) => set.has(name)) ? set : new Set([...set, ...names]);
    return {
      blur: (name: Name) => setChecked((current) => add(current, [name])),
      edit: (name: Name) => setEdited((current) => add(current, [name])),
      checkAll: (names: readonly Name[]) => setChecked((current) => add(current, names)),
      /** After a server answer: its field errors show again until edited. */
      reset: () => {
        setChecked(EMPTY);
        setEdited(EMPTY);
      },
    };
  }, []);
  return {
    ...actions,
    /** The message to show: the live check once the field is checked, else the server's. */
    shown(name: Name, live: string | null, server: string | undefined): string | undefined {
      if (checked.has(name) && live) return live;
      if (!edited.has(name)) return server;
      return undefined;
    },
  };
}

const EMPTY: ReadonlySet<never> = new Set();
