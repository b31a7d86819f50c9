import type { useLoaderData } from "@remix-run/react";
import type { loader } from "../../routes/wallet.server.ts";

/** The Wallet page's data as its sections receive it (routes/wallet.server.ts). */
export type WalletPageData = ReturnType<typeof useLoaderData<typeof loader>>;
export type WalletRow = WalletPageData["wallets"][number];
export type HistoryRow = WalletPageData["history"][number];
