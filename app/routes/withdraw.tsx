import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { validate } from "../../worker/api/validation.ts";
import { ApiError } from "../../worker/errors.ts";
import { verifyTotpCode } from "../../worker/services/auth/guards.ts";
import {
  amountField,
  amountMinorOfBody,
  assetField,
  refineAmount,
} from "../../worker/services/ledger/request.ts";
import { validateAddress, withdrawableAssets } from "../../worker/services/withdrawals/addresses.ts";
import {
  addAddress,
  listAddresses,
  listWithdrawals,
  removeAddress,
  requestWithdrawal,
  transitionWithdrawal,
} from "../../worker/services/withdrawals/service.ts";
import { CoinIcon } from "../components/coin-icon.tsx";
import { FormError } from "../components/form.tsx";
import { Money } from "../components/money.tsx";
import { withDependencies } from "../utils/dependencies.server.ts";
import { auditContext, requirePageAuth, toActionFailure } from "../utils/session.server.ts";

export const meta: MetaFunction = () => [{ title: "Withdraw · CoinHubX" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await withDependencies(() => requirePageAuth(context, request));
  const [addresses, withdrawals] = await withDependencies(() =>
    Promise.all([listAddresses(context.services, user.id), listWithdrawals(context.services, user.id)]),
  );
  return {
    twoFactorEnabled: user.twoFactorEnabled,
    addresses,
    withdrawals,
    assets: withdrawableAssets(),
    withdrawalKey: crypto.randomUUID(),
  };
}

const addressForm = z.object({
  asset: assetField,
  address: z.string().trim().min(1, "is required").max(100),
  label: z.string().trim().max(60),
  totp: z
    .string()
    .trim()
    .regex(/^\d{6}$/, "must be the 6-digit code"),
});
const withdrawalForm = z
  .object({
    asset: assetField,
    amount: amountField,
    addressId: z.string().min(1).max(64),
    totp: z.string().trim(),
  })
  .superRefine(refineAmount);

export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await withDependencies(() => requirePageAuth(context, request));
  const form = Object.fromEntries(await request.formData());
  const intent = String(form.intent ?? "");
  const services = context.services;
  const audit = auditContext(context);
  try {
    // Every step-up here is enforced by the same server-side checks as the API.
    if (!user.twoFactorEnabled) {
      throw new ApiError(403, "two_factor_not_enabled", "Turn on two-factor authentication first.");
    }
    if (intent === "add-address") {
      const input = validate(addressForm, form);
      const check = validateAddress(input.asset, input.address);
      if (!check.ok)
        throw new ApiError(
          400,
          "invalid_address",
          `That is not a valid ${input.asset} address (${check.reason}).`,
        );
      await verifyTotpCode(services, {
        userId: user.id,
        code: input.totp,
        action: "withdrawal_address.add",
        ...audit,
      });
      await addAddress(services, user.id, input, audit);
      return { intent, message: "Address added. It becomes usable after the cooling-off period." };
    }
    if (intent === "remove-address") {
      await removeAddress(services, user.id, String(form.addressId ?? ""), audit);
      return { intent, message: "Address removed." };
    }
    if (intent === "withdraw") {
      // The asset is the chosen address's asset: asking for it again could only disagree.
      const chosen = (await listAddresses(services, user.id)).find(
        (address) => address.id === form.addressId,
      );
      const input = validate(withdrawalForm, { ...form, asset: chosen?.asset ?? "" });
      const key = String(form.idempotencyKey ?? "");
      if (!/^[A-Za-z0-9-]{8,64}$/.test(key))
        throw new ApiError(400, "invalid_request", "Reload the page and try again.");
      await verifyTotpCode(services, {
        userId: user.id,
        code: input.totp,
        action: "withdrawal.request",
        ...audit,
      });
      const withdrawal = await requestWithdrawal(
        services,
        user.id,
        {
          asset: input.asset,
          amountMinor: amountMinorOfBody(input),
          addressId: input.addressId,
          idempotencyKey: `page:${key}`,
        },
        audit,
      );
      return {
        intent,
        message:
          withdrawal.status === "held" ? "Requested: an operator reviews large withdrawals." : "Requested.",
      };
    }
    if (intent === "cancel") {
      await transitionWithdrawal(
        services,
        String(form.withdrawalId ?? ""),
        "cancel",
        { actor: `user:${user.id}`, ownerId: user.id },
        audit,
      );
      return { intent, message: "Withdrawal cancelled; the funds are available again." };
    }
    return { intent, error: { code: "invalid_request", message: "Unknown action." } };
  } catch (error) {
    return { intent, ...toActionFailure(error) };
  }
}

export default function Withdraw() {
  const { twoFactorEnabled, addresses, withdrawals, assets, withdrawalKey } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const error = result && "error" in result ? result.error : undefined;
  const message = result && "message" in result ? result.message : undefined;
  const active = addresses.filter((address) => address.status === "active");
  return (
    <section className="stack">
      <header className="page-header">
        <h1>Withdraw</h1>
        <p className="muted">
          From your <span className="mode-badge mode-live">LIVE</span> book to whitelisted addresses only.
          Paper money cannot be withdrawn.
        </p>
      </header>
      {!twoFactorEnabled ? (
        <div className="notice" data-testid="withdraw-needs-2fa">
          <p>Withdrawals need two-factor authentication.</p>
          <Link className="button" to="/security">
            Turn it on
          </Link>
        </div>
      ) : null}
      {message ? (
        <p className="status status-positive" role="status">
          {message}
        </p>
      ) : null}
      <FormError error={error} />

      <article className="panel">
        <h2>Request a withdrawal</h2>
        {active.length === 0 ? (
          <p className="muted">
            No active address yet. New addresses become usable after a 24-hour cooling-off period.
          </p>
        ) : (
          <Form method="post" className="form inline-form" data-testid="withdraw-form">
            <input type="hidden" name="intent" value="withdraw" />
            <input type="hidden" name="idempotencyKey" value={withdrawalKey} />
            <label className="field">
              <span>To</span>
              <select name="addressId" required>
                {active.map((address) => (
                  <option key={address.id} value={address.id}>
                    {address.asset} · {address.label || "address"} · …{address.address.slice(-8)}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>Amount</span>
              <input name="amount" inputMode="decimal" required maxLength={40} />
            </label>
            <label className="field">
              <span>Code</span>
              <input name="totp" inputMode="numeric" autoComplete="one-time-code" pattern="\d{6}" required />
            </label>
            <button className="button" type="submit" disabled={busy || !twoFactorEnabled}>
              Withdraw
            </button>
          </Form>
        )}
      </article>

      <article className="panel">
        <h2>Whitelisted addresses</h2>
        {addresses.length > 0 ? (
          <table className="table" data-testid="addresses">
            <tbody>
              {addresses.map((address) => (
                <tr key={address.id}>
                  <td>
                    <span className="asset-cell">
                      <CoinIcon code={address.asset} /> {address.asset}
                    </span>
                  </td>
                  <td>{address.label}</td>
                  <td>
                    <code>{address.address}</code>
                  </td>
                  <td>
                    {address.status === "active" ? (
                      <span className="status-positive">active</span>
                    ) : (
                      <span className="status-warning">
                        pending until {address.activeAt.replace("T", " ").slice(0, 16)} UTC
                      </span>
                    )}
                  </td>
                  <td className="numeric">
                    <Form method="post">
                      <input type="hidden" name="intent" value="remove-address" />
                      <input type="hidden" name="addressId" value={address.id} />
                      <button className="link-button" type="submit">
                        Remove
                      </button>
                    </Form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <Form method="post" className="form inline-form" data-testid="address-form">
          <input type="hidden" name="intent" value="add-address" />
          <label className="field">
            <span>Asset</span>
            <select name="asset">
              {assets.map((asset) => (
                <option key={asset}>{asset}</option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Address</span>
            <input name="address" required maxLength={100} autoComplete="off" spellCheck={false} />
          </label>
          <label className="field">
            <span>Label</span>
            <input name="label" maxLength={60} />
          </label>
          <label className="field">
            <span>Code</span>
            <input name="totp" inputMode="numeric" autoComplete="one-time-code" pattern="\d{6}" required />
          </label>
          <button className="button" type="submit" disabled={busy || !twoFactorEnabled}>
            Add address
          </button>
        </Form>
      </article>

      <article className="panel">
        <h2>Your withdrawals</h2>
        {withdrawals.length === 0 ? (
          <p className="muted">None yet.</p>
        ) : (
          <table className="table" data-testid="withdrawals">
            <tbody>
              {withdrawals.map((withdrawal) => (
                <tr key={withdrawal.id}>
                  <td>{withdrawal.createdAt.replace("T", " ").slice(0, 19)}</td>
                  <td className="numeric">
                    <Money value={withdrawal.amount} unit={withdrawal.asset} />
                  </td>
                  <td>
                    <code>…{withdrawal.address.slice(-8)}</code>
                  </td>
                  <td>{withdrawal.status}</td>
                  <td className="numeric">
                    {withdrawal.status === "held" || withdrawal.status === "approved" ? (
                      <Form method="post">
                        <input type="hidden" name="intent" value="cancel" />
                        <input type="hidden" name="withdrawalId" value={withdrawal.id} />
                        <button className="link-button" type="submit">
                          Cancel
                        </button>
                      </Form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </article>
    </section>
  );
}
