import type { useLoaderData } from "@remix-run/react";
import type { loader } from "../../routes/security.server.ts";

/** The Security page's data as its sections receive it (routes/security.server.ts). */
export type SecurityPageData = ReturnType<typeof useLoaderData<typeof loader>>;
export type SessionRow = SecurityPageData["sessions"][number];
export type SecurityEvent = SecurityPageData["events"][number];
