export * from "./audit-log.ts";
export * from "./ledger.ts";
export * from "./orders.ts";
export * from "./reconcile-reports.ts";
export * from "./recovery-codes.ts";
export * from "./sessions.ts";
export * from "./users.ts";
export * from "./withdrawals.ts";
