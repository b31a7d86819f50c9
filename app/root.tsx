import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Links, Meta, Outlet, Scripts, ScrollRestoration, useRouteLoaderData } from "@remix-run/react";
import { type ReactNode, useContext } from "react";
import { databaseAvailable } from "../worker/services/health.ts";
import { AppShell } from "./components/app-shell.tsx";
import { GeneralErrorBoundary } from "./components/error-boundary.tsx";
import stylesheet from "./styles/app.css?url";
import { withDependencies } from "./utils/dependencies.server.ts";
import { NonceContext } from "./utils/nonce.ts";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [
  { title: "CoinHubX" },
  { name: "description", content: "Spot trading and trading bots, with money you can account for." },
];

export async function loader({ context }: LoaderFunctionArgs) {
  const available = await databaseAvailable(context.services);
  if (!available) return { user: null, maintenance: true };
  const auth = await withDependencies(() => context.auth());
  return {
    user: auth
      ? {
          email: auth.user.email,
          twoFactorEnabled: auth.user.twoFactorEnabled,
          operator: auth.user.role === "operator",
        }
      : null,
    maintenance: false,
  };
}

export function Layout({ children }: { children: ReactNode }) {
  // Absent when the root loader itself failed: the shell still renders, signed out.
  const data = useRouteLoaderData<typeof loader>("root");
  const nonce = useContext(NonceContext);
  return (
    <html lang="en-GB">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="dark" />
        <Meta />
        <Links />
      </head>
      <body>
        <AppShell user={data?.user ?? null} maintenance={data?.maintenance ?? false}>
          {children}
        </AppShell>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
