import { useEffect, useRef, useState } from "react";

/** How long "Copied" stays on the button. */
const COPIED_MS = 2_500;

/**
 * The referral link in a read-only field with a Copy button. The button uses the clipboard
 * where the browser allows it and says "Copied"; where it does not (no clipboard API, permission
 * refused, or before the page has hydrated), the link is selected so the trader copies it
 * themselves, and the page says how.
 */
export function CopyLink({ link, label = "Your referral link" }: { link: string; label?: string }) {
  const input = useRef<HTMLInputElement>(null);
  const [state, setState] = useState<"idle" | "copied" | "manual">("idle");
  useEffect(() => {
    if (state !== "copied") return;
    const timer = setTimeout(() => setState("idle"), COPIED_MS);
    return () => clearTimeout(timer);
  }, [state]);

  const selectAll = () => {
    input.current?.focus();
    input.current?.select();
  };
  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(link);
      setState("copied");
    } catch {
      selectAll();
      setState("manual");
    }
  };

  return (
    <div className="copy-link">
      <label className="field copy-link-field">
        <span>{label}</span>
        <span className="copy-link-row">
          <input
            ref={input}
            readOnly
            value={link}
            onFocus={(event) => event.currentTarget.select()}
            data-testid="referral-link"
          />
          <button
            type="button"
            className={state === "copied" ? "button button-secondary copied" : "button button-secondary"}
            onClick={copy}
            data-testid="copy-link"
            data-state={state}
          >
            {state === "copied" ? "Copied ✓" : "Copy"}
          </button>
        </span>
      </label>
      <p className="hint copy-link-status" role="status" aria-live="polite">
        {state === "copied"
          ? "Link copied to the clipboard."
          : state === "manual"
            ? "Copying is not available here: the link is selected, press Ctrl+C (⌘C on a Mac)."
            : ""}
      </p>
    </div>
  );
}
