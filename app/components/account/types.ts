import type { useActionData, useLoaderData } from "@remix-run/react";
import type { action, loader } from "../../routes/account.server.ts";

/** The Account page's data as its sections receive it (routes/account.server.ts). */
export type AccountPageData = ReturnType<typeof useLoaderData<typeof loader>>;
export type Fees = AccountPageData["fees"];
export type PlanData = AccountPageData["plan"];
export type PlanOffer = PlanData["plans"][number];
export type PlanName = PlanOffer["name"];
export type ReferralSummaryData = AccountPageData["referrals"];
export type PlanActionData = ReturnType<typeof useActionData<typeof action>>;
