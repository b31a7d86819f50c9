import type { LinksFunction, MetaFunction } from "@remix-run/cloudflare";
import { useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { FeeTierPanel } from "../components/account/fee-tier-panel.tsx";
import { PlanPanel } from "../components/account/plan-panel.tsx";
import { ReferralSummary } from "../components/account/referral-summary.tsx";
import accountStyles from "../styles/account.css?url";
import type { action, loader } from "./account.server.ts";

export { action, loader } from "./account.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: accountStyles }];

export const meta: MetaFunction = () => [{ title: "Account · CoinHubX" }];

export default function Account() {
  const { fees, plan, referrals, liveGbpAvailable, planKeys } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <section className="stack account-page">
      <header className="page-header">
        <h1>Account</h1>
        <p className="muted">Your trading fees, your bot plan and your referrals.</p>
      </header>
      <FeeTierPanel fees={fees} />
      <PlanPanel
        plan={plan}
        planKeys={planKeys}
        liveGbpAvailable={liveGbpAvailable}
        result={result}
        busy={busy}
      />
      <ReferralSummary referrals={referrals} />
    </section>
  );
}
