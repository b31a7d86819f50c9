import { Form, Link, NavLink, useLocation } from "@remix-run/react";
import { type KeyboardEvent, type ReactNode, useEffect, useRef } from "react";

interface NavigationItem {
  to: string;
  label: string;
}

const NAVIGATION: readonly NavigationItem[] = [
  { to: "/markets", label: "Markets" },
  { to: "/trade", label: "Trade" },
  { to: "/bots", label: "Bots" },
  { to: "/wallet", label: "Wallet" },
  { to: "/security", label: "Security" },
];

/** Where a signed-in trader moves money, next to the Wallet. */
const MONEY_NAVIGATION: readonly NavigationItem[] = [
  { to: "/deposit", label: "Deposit" },
  { to: "/withdraw", label: "Withdraw" },
];

export interface ShellUser {
  email: string;
  twoFactorEnabled: boolean;
  operator: boolean;
}

function navigationFor(user: ShellUser | null): NavigationItem[] {
  if (!user) return [...NAVIGATION];
  const wallet = NAVIGATION.findIndex((item) => item.to === "/wallet");
  return [
    ...NAVIGATION.slice(0, wallet + 1),
    ...MONEY_NAVIGATION,
    ...NAVIGATION.slice(wallet + 1),
    { to: "/account", label: "Account" },
    ...(user.operator ? [{ to: "/ops", label: "Operations" }] : []),
  ];
}

const MENU_ID = "main-menu";
/** Below this width the navigation folds into the Menu disclosure (app.css, same number). */
const WIDE_QUERY = "(min-width: 761px)";

const isWide = () => window.matchMedia(WIDE_QUERY).matches;

/** aria-expanded on the summary, for screen readers that do not read a <details>' state. */
function syncExpanded(menu: HTMLDetailsElement | null, summary: HTMLElement | null): void {
  summary?.setAttribute("aria-expanded", String(menu?.open ?? false));
}

/**
 * The header's menu is a <details> disclosure, so on a phone it opens and closes without any
 * JavaScript. On wider screens CSS shows its content while it is closed (::details-content), so
 * the links are in the header from the first paint; where a browser cannot, the script opens
 * it. With JavaScript the summary also carries aria-expanded, and a click on a link, Escape,
 * and every navigation close it.
 */
function useMenu() {
  const menu = useRef<HTMLDetailsElement>(null);
  const summary = useRef<HTMLElement>(null);
  const { key } = useLocation();
  // Every navigation has a new location key: a page reached from the menu opens with it closed.
  useEffect(() => {
    if (key && menu.current && !isWide()) menu.current.open = false;
    syncExpanded(menu.current, summary.current);
  }, [key]);
  useEffect(() => {
    const wide = window.matchMedia(WIDE_QUERY);
    const fitToWidth = () => {
      if (!menu.current) return;
      if (!CSS.supports("selector(::details-content)")) menu.current.open = wide.matches;
      else if (wide.matches) menu.current.open = false;
      syncExpanded(menu.current, summary.current);
    };
    fitToWidth();
    wide.addEventListener("change", fitToWidth);
    return () => wide.removeEventListener("change", fitToWidth);
  }, []);
  return {
    menu,
    summary,
    sync: () => syncExpanded(menu.current, summary.current),
    close: () => {
      if (menu.current && !isWide()) menu.current.open = false;
    },
    onKeyDown: (event: KeyboardEvent<HTMLDetailsElement>) => {
      if (event.key !== "Escape" || !menu.current?.open || isWide()) return;
      menu.current.open = false;
      summary.current?.focus();
    },
  };
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
  const { menu, summary, sync, close, onKeyDown } = useMenu();
  const items = navigationFor(user);
  return (
    <div className="shell">
      <header className={user ? "shell-header shell-header-signed-in" : "shell-header"}>
        <a className="brand" href="/">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          CoinHubX
        </a>
        <details className="nav-menu" ref={menu} onToggle={sync} onKeyDown={onKeyDown}>
          <summary className="nav-toggle" ref={summary} aria-controls={MENU_ID} data-testid="nav-toggle">
            <span className="nav-toggle-icon" aria-hidden="true" />
            Menu
          </summary>
          <div className="nav-panel" id={MENU_ID}>
            <nav aria-label="Main">
              <ul className="nav">
                {items.map((item) => (
                  <li key={item.to}>
                    <NavLink
                      to={item.to}
                      onClick={close}
                      className={({ isActive }) => (isActive ? "nav-link active" : "nav-link")}
                    >
                      {item.label}
                    </NavLink>
                  </li>
                ))}
              </ul>
            </nav>
            <div className="account">
              {user ? (
                <>
                  <span className="account-email" data-testid="account-email" title={user.email}>
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
                  <Link to="/login" className="account-login" onClick={close}>
                    Log in
                  </Link>
                  <Link className="button button-small" to="/signup" onClick={close}>
                    Sign up
                  </Link>
                </>
              )}
            </div>
          </div>
        </details>
      </header>
      {maintenance ? (
        <div className="maintenance-banner" role="status" data-testid="maintenance-banner">
          Some services are temporarily unavailable. Balances and orders are safe; please try again in a few
          minutes.
        </div>
      ) : null}
      <main className="shell-main">{children}</main>
      <footer className="shell-footer">
        <p>© CoinHubX</p> <p>Crypto assets are volatile. Paper trading uses simulated money.</p>
      </footer>
    </div>
  );
}
