/** One way to show a form's error: the server's message, announced to screen readers. */
export function FormError({ error }: { error?: { message: string; code?: string } | undefined }) {
  if (!error) return null;
  return (
    <p className="form-error" role="alert" data-error-code={error.code}>
      {error.message}
    </p>
  );
}

export function FieldError({ message }: { message?: string | undefined }) {
  return message ? <span className="field-error">{message}</span> : null;
}
