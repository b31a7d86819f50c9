import { Form } from "@remix-run/react";
import { CoinIcon } from "../coin-icon.tsx";
import { type Column, DataTable } from "../data-table.tsx";
import { DateTime } from "../date-time.tsx";
import type { WithdrawalAddress } from "./types.ts";

const COLUMNS: Column<WithdrawalAddress>[] = [
  {
    id: "asset",
    header: "Asset",
    cell: (address) => (
      <span className="asset-cell">
        <CoinIcon code={address.asset} /> {address.asset}
      </span>
    ),
  },
  { id: "label", header: "Label", cell: (address) => address.label },
  { id: "address", header: "Address", cell: (address) => <code>{address.address}</code> },
  {
    id: "status",
    header: "Status",
    cell: (address) =>
      address.status === "active" ? (
        <span className="status-positive">active</span>
      ) : (
        <span className="status-warning">
          pending until <DateTime value={address.activeAt} />
        </span>
      ),
  },
  {
    id: "remove",
    numeric: true,
    cell: (address) => (
      <Form method="post">
        <input type="hidden" name="intent" value="remove-address" />
        <input type="hidden" name="addressId" value={address.id} />
        <button className="link-button" type="submit">
          Remove
        </button>
      </Form>
    ),
  },
];

/** The whitelisted addresses, and the form that adds one (usable after the cooling-off period). */
export function AddressBook({
  addresses,
  assets,
  disabled,
}: {
  addresses: WithdrawalAddress[];
  assets: readonly string[];
  disabled: boolean;
}) {
  return (
    <article className="panel">
      <h2>Whitelisted addresses</h2>
      {addresses.length > 0 ? (
        <DataTable testId="addresses" columns={COLUMNS} rows={addresses} rowKey={(address) => address.id} />
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
        <button className="button" type="submit" disabled={disabled}>
          Add address
        </button>
      </Form>
    </article>
  );
}
