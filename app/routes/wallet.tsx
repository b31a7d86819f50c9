import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { validate } from "../../worker/api/validation.ts";
import { ASSET_CODES } from "../../worker/services/ledger/assets.ts";
import { userLedger } from "../../worker/services/ledger/client.ts";
import { entryCursor } from "../../worker/services/paging/cursor.ts";
import { paperDeposit, paperDepositInput } from "../../worker/use-cases/wallets.ts";
import { CoinIcon } from "../components/coin-icon.tsx";
import { FormError } from "../components/form.tsx";
import { Money } from "../components/money.tsx";
import { withDependencies } from "../utils/dependencies.server.ts";
import { pageCaller, requirePageAuth, toActionFailure } from "../utils/session.server.ts";
import { historyRows } from "../utils/wallet.server.ts";

export const meta: MetaFunction = () => [{ title: "Wallet · CoinHubX" }];

const HISTORY_PAGE = 25;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await withDependencies(() => requirePageAuth(context, request));
  const url = new URL(request.url);
  const beforeSequence = historyPosition(url.searchParams.get("cursor"));
  const ledger = userLedger(context.cloudflare.env, user.id);
  const [wallets, page] = await withDependencies(() =>
    Promise.all([
      ledger.wallets(),
      ledger.entries({
        mode: null,
        asset: null,
        beforeSequence,
        limit: HISTORY_PAGE,
      }),
    ]),
  );
  return {
    wallets,
    history: historyRows(page.entries, user.id),
    nextCursor:
      page.nextBeforeSequence === null ? null : entryCursor.encode({ sequence: page.nextBeforeSequence }),
    // One key per rendered form: a double click or a resubmitted form deposits once.
    depositKey: crypto.randomUUID(),
  };
}

/** Where a history page starts; a stale or hand-edited link shows the newest page instead. */
function historyPosition(cursor: string | null): number | null {
  if (cursor === null) return null;
  try {
    return entryCursor.decode(cursor).sequence;
  } catch {
    return null;
  }
}

export async function action({ request, context }: ActionFunctionArgs) {
  const caller = await withDependencies(() => pageCaller(context, request));
  const form = await request.formData();
  try {
    const key = String(form.get("idempotencyKey") ?? "");
    if (!/^[A-Za-z0-9-]{8,64}$/.test(key)) {
      return { error: { code: "invalid_request", message: "Reload the page and try again." } };
    }
    const input = validate(paperDepositInput, {
      asset: form.get("asset"),
      amount: form.get("amount"),
      idempotencyKey: `page:${key}`,
    });
    const receipt = await paperDeposit(caller, input);
    return { deposited: { asset: input.asset, amount: input.amount, entryId: receipt.entryId } };
  } catch (error) {
    return toActionFailure(error);
  }
}

const TYPE_LABELS: Record<string, string> = {
  paper_deposit: "Paper funding",
  ops_deposit: "Deposit",
  order_hold: "Order placed",
  order_release: "Order released",
  fill: "Trade",
  withdrawal_hold: "Withdrawal requested",
  withdrawal_settle: "Withdrawal sent",
  withdrawal_release: "Withdrawal returned",
  bot_allocate: "Bot allocation",
  bot_return: "Bot return",
};

function BookTable({
  mode,
  wallets,
}: {
  mode: "live" | "paper";
  wallets: { asset: string; mode: string; available: string; locked: string }[];
}) {
  return (
    <table className="table" data-testid={`wallets-${mode}`}>
      <thead>
        <tr>
          <th scope="col">Asset</th>
          <th scope="col" className="numeric">
            Available
          </th>
          <th scope="col" className="numeric">
            In orders
          </th>
        </tr>
      </thead>
      <tbody>
        {wallets
          .filter((wallet) => wallet.mode === mode)
          .map((wallet) => (
            <tr key={wallet.asset} data-asset={wallet.asset}>
              <td>
                <span className="asset-cell">
                  <CoinIcon code={wallet.asset} /> {wallet.asset}
                </span>
              </td>
              <td className="numeric">
                <Money value={wallet.available} />
              </td>
              <td className="numeric">
                <Money value={wallet.locked} />
              </td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

export default function Wallet() {
  const { wallets, history, nextCursor, depositKey } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const error = result && "error" in result ? result.error : undefined;
  const deposited = result && "deposited" in result ? result.deposited : undefined;
  return (
    <section className="stack">
      <header className="page-header">
        <h1>Wallet</h1>
        <p className="muted">
          Live balances are real money. Paper balances are simulated and can only be used for PAPER trading.
        </p>
      </header>

      <div className="books">
        <article className="panel">
          <h2>
            <span className="mode-badge mode-live">LIVE</span> Live book
          </h2>
          <BookTable mode="live" wallets={wallets} />
          <p>
            <Link to="/withdraw">Withdraw to a whitelisted address</Link>
          </p>
        </article>
        <article className="panel">
          <h2>
            <span className="mode-badge mode-paper">PAPER</span> Paper book
          </h2>
          <BookTable mode="paper" wallets={wallets} />
          <Form method="post" className="form inline-form paper-form" data-testid="paper-deposit-form">
            <input type="hidden" name="idempotencyKey" value={depositKey} />
            <label className="field">
              <span>Asset</span>
              <select name="asset" defaultValue="GBP">
                {ASSET_CODES.map((code) => (
                  <option key={code} value={code}>
                    {code}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>Amount</span>
              <input name="amount" inputMode="decimal" placeholder="10000.00" required maxLength={40} />
            </label>
            <button className="button" type="submit" disabled={busy}>
              Add paper funds
            </button>
          </Form>
          {deposited ? (
            <p className="status status-positive" role="status" data-testid="deposit-done">
              Added <Money value={deposited.amount} unit={deposited.asset} /> to your paper book.
            </p>
          ) : null}
          <FormError error={error} />
        </article>
      </div>

      <article className="panel">
        <div className="panel-header">
          <h2>History</h2>
          <a className="button button-secondary button-small" href="/wallet/history.csv" download>
            Export CSV
          </a>
        </div>
        {history.length === 0 ? (
          <p className="muted">No movements yet. Add paper funds to start PAPER trading.</p>
        ) : (
          <table className="table" data-testid="wallet-history">
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">What</th>
                <th scope="col">Book</th>
                <th scope="col" className="numeric">
                  Change
                </th>
              </tr>
            </thead>
            <tbody>
              {history.map((row) => (
                <tr key={row.id}>
                  <td>{row.createdAt.replace("T", " ").slice(0, 19)}</td>
                  <td>{TYPE_LABELS[row.type] ?? row.type}</td>
                  <td>
                    <span className={`mode-badge mode-${row.mode}`}>{row.mode.toUpperCase()}</span>
                  </td>
                  <td className="numeric">
                    {row.changes
                      .filter((change) => change.bucket === "available")
                      .map((change) => (
                        <div key={`${change.asset}-${change.bucket}`}>
                          <Money value={change.amount} unit={change.asset} change />
                        </div>
                      ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {nextCursor !== null ? (
          <p>
            <Link to={`?cursor=${nextCursor}`}>Older movements</Link>
          </p>
        ) : null}
      </article>
    </section>
  );
}
