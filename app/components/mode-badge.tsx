/** Which book a row or a form belongs to: LIVE (real money) or PAPER (simulated). */
export function ModeBadge({ mode }: { mode: string }) {
  return <span className={`mode-badge mode-${mode}`}>{mode.toUpperCase()}</span>;
}
