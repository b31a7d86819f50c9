import type { LinksFunction, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { CopyLink } from "../components/referrals/copy-link.tsx";
import { ReferralFacts } from "../components/referrals/referral-facts.tsx";
import { ReferralTerms } from "../components/referrals/referral-terms.tsx";
import { RewardsTable } from "../components/referrals/rewards-table.tsx";
import accountStyles from "../styles/account.css?url";
import type { loader } from "./referrals.server.ts";

export { loader } from "./referrals.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: accountStyles }];

export const meta: MetaFunction = () => [{ title: "Referrals · CoinHubX" }];

export default function Referrals() {
  const { referrals, terms } = useLoaderData<typeof loader>();
  return (
    <section className="stack referrals-page">
      <header className="page-header">
        <h1>Referrals</h1>
        <p className="muted">
          Share your link. Friends who sign up with it pay less in fees, and you earn a share of what they
          pay. <Link to="/account">Back to Account</Link>
        </p>
      </header>
      <div className="referrals-top">
        <article className="panel" data-testid="referral-share" aria-labelledby="share-heading">
          <h2 id="share-heading">Your link</h2>
          <p className="referral-code">
            Your code <code data-testid="referral-code">{referrals.code}</code>
          </p>
          <CopyLink link={referrals.link} />
          <ReferralFacts
            referees={referrals.referees}
            totals={referrals.totals}
            earnedLabel="Earned, per asset and book"
            className="referral-facts referral-facts-row"
          />
        </article>
        <ReferralTerms terms={terms} />
      </div>
      <article className="panel" aria-labelledby="rewards-heading">
        <h2 id="rewards-heading">Rewards</h2>
        <RewardsTable rewards={referrals.rewards} />
      </article>
    </section>
  );
}
