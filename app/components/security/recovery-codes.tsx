import { useState } from "react";

/**
 * The recovery codes, shown once: copied to the clipboard or downloaded as a .txt (a data:
 * link, so the download works before the page's script has loaded).
 */
export function RecoveryCodes({ codes }: { codes: string[] }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const text = [
    "CoinHubX recovery codes",
    "Each code signs you in once if you lose your authenticator. Keep them somewhere safe.",
    "",
    ...codes,
    "",
  ].join("\n");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(codes.join("\n"));
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  };
  return (
    <div data-testid="recovery-codes">
      <p className="status status-positive">Two-factor authentication is on.</p>
      <p>
        Save these recovery codes somewhere safe. Each works once if you lose your device. They will not be
        shown again.
      </p>
      <ol className="codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="codes-actions">
        <button type="button" className="button button-secondary" onClick={copy} data-testid="copy-codes">
          Copy codes
        </button>
        <a
          className="button button-secondary"
          href={`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`}
          download="coinhubx-recovery-codes.txt"
          data-testid="download-codes"
        >
          Download .txt
        </a>
        <span role="status" className="muted small">
          {copied === "yes" ? "Copied." : copied === "failed" ? "Copy failed: select the codes instead." : ""}
        </span>
      </div>
    </div>
  );
}
