import type { useLoaderData } from "@remix-run/react";
import type { loader } from "../../routes/withdraw.server.ts";

/** The Withdraw page's data as its sections receive it (routes/withdraw.server.ts). */
export type WithdrawPageData = ReturnType<typeof useLoaderData<typeof loader>>;
export type WithdrawalAddress = WithdrawPageData["addresses"][number];
export type Withdrawal = WithdrawPageData["withdrawals"][number];
export type WithdrawalLimits = WithdrawPageData["limits"];
