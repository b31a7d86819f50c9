import type { useActionData, useLoaderData } from "@remix-run/react";
import type { action, loader } from "../../routes/ops.server.ts";

/** The Ops page's data as its sections receive it (routes/ops.server.ts, after serialisation). */
export type OpsPageData = ReturnType<typeof useLoaderData<typeof loader>>;
export type OpsActionData = ReturnType<typeof useActionData<typeof action>>;
export type Reconciliation = OpsPageData["reconciliation"];
export type PendingWithdrawal = OpsPageData["pendingWithdrawals"][number];
