/** One way to show a form's error: the server's message, announced to screen readers. */
export function FormError({ error }: { error?: { message: string; code?: string } | undefined }) {
  if (!error) return null;
  return (
    <p className="form-error" role="alert" data-error-code={error.code}>
      {error.message}
    </p>
  );
}

/** An error at its field; give it an id when the input names it in aria-describedby. */
export function FieldError({ message, id }: { message?: string | undefined; id?: string }) {
  return message ? (
    <span className="field-error" id={id}>
      {message}
    </span>
  ) : null;
}
