import type { useLoaderData } from "@remix-run/react";
import type { loader } from "../../routes/referrals.server.ts";

/** The Referrals page's data as its sections receive it (routes/referrals.server.ts). */
export type ReferralsPageData = ReturnType<typeof useLoaderData<typeof loader>>;
export type RewardRow = ReferralsPageData["referrals"]["rewards"][number];
export type RewardTotal = ReferralsPageData["referrals"]["totals"][number];
export type ReferralTerms = ReferralsPageData["terms"];
