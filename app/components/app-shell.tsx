import { Form, Link, NavLink } from "@remix-run/react";
import type { ReactNode } from "react";

const NAVIGATION = [
  { to: "/markets", label: "Markets" },
  { to: "/trade", label: "Trade" },
  { to: "/bots", label: "Bots" },
  { to: "/wallet", label: "Wallet" },
  { to: "/security", label: "Security" },
] as const;

export interface ShellUser {
  email: string;
  twoFactorEnabled: boolean;
  operator: boolean;
}

export function AppShell({
  children,
  user,
  maintenance = false,
}: {
  children: ReactNode;
  user: ShellUser | null;
  maintenance?: boolean;
}) {
  return (
    <div className="shell">
      <header className="shell-header">
        <a className="brand" href="/">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          CoinHubX
        </a>
        <nav aria-label="Main">
          <ul className="nav">
            {NAVIGATION.map((item) => (
              <li key={item.to}>
                <NavLink
                  to={item.to}
                  className={({ isActive }) => (isActive ? "nav-link active" : "nav-link")}
                >
                  {item.label}
                </NavLink>
              </li>
            ))}
            {user ? (
              <li>
                <NavLink
                  to="/account"
                  className={({ isActive }) => (isActive ? "nav-link active" : "nav-link")}
                >
                  Account
                </NavLink>
              </li>
            ) : null}
            {user?.operator ? (
              <li>
                <NavLink to="/ops" className={({ isActive }) => (isActive ? "nav-link active" : "nav-link")}>
                  Operations
                </NavLink>
              </li>
            ) : null}
          </ul>
        </nav>
        <div className="account">
          {user ? (
            <>
              <span className="account-email" data-testid="account-email">
                {user.email}
              </span>
              <Form method="post" action="/logout">
                <button className="link-button" type="submit">
                  Log out
                </button>
              </Form>
            </>
          ) : (
            <>
              <Link to="/login">Log in</Link>
              <Link className="button button-small" to="/signup">
                Sign up
              </Link>
            </>
          )}
        </div>
      </header>
      {maintenance ? (
        <div className="maintenance-banner" role="status" data-testid="maintenance-banner">
          Some services are temporarily unavailable. Balances and orders are safe; please try again in a few
          minutes.
        </div>
      ) : null}
      <main className="shell-main">{children}</main>
      <footer className="shell-footer">
        <span>© CoinHubX</span>
        <span>Crypto assets are volatile. Paper trading uses simulated money.</span>
      </footer>
    </div>
  );
}
