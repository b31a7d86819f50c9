import type { HeadersFunction, LinksFunction, MetaFunction } from "@remix-run/cloudflare";
import { useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { SecurityEvents } from "../components/security/security-events.tsx";
import { SessionsPanel } from "../components/security/sessions-panel.tsx";
import { TwoFactorPanel } from "../components/security/two-factor-panel.tsx";
import { OnboardingChecklist } from "../components/wallet/onboarding-checklist.tsx";
import formStyles from "../styles/forms.css?url";
import type { action, loader } from "./security.server.ts";

export { action, loader } from "./security.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }];

/** A lock-out's Retry-After (from the action) reaches the browser on the page's own response too. */
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const retryAfter = actionHeaders.get("Retry-After");
  return retryAfter ? { "Retry-After": retryAfter } : new Headers();
};

export const meta: MetaFunction = () => [{ title: "Security · CoinHubX" }];

export default function Security() {
  const { user, setup, sessions, events, onboarding } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <section className="stack">
      <header className="page-header">
        <h1>Security</h1>
        <p className="muted">Signed in as {user.email}</p>
      </header>
      {onboarding ? <OnboardingChecklist steps={onboarding} /> : null}
      <TwoFactorPanel
        enabled={user.twoFactorEnabled}
        setup={setup ?? undefined}
        recoveryCodes={result && "recoveryCodes" in result ? result.recoveryCodes : undefined}
        intent={result && "intent" in result ? result.intent : undefined}
        error={result && "error" in result ? result.error : undefined}
        busy={busy}
      />
      <SessionsPanel sessions={sessions} busy={busy} />
      <SecurityEvents events={events} />
    </section>
  );
}
