import { Form, useRevalidator } from "@remix-run/react";
import { useCallback, useEffect, useState } from "react";
import { sixDigitCodeProblem } from "../../../worker/services/forms/messages.ts";
import { CoinIcon } from "../coin-icon.tsx";
import { type Column, DataTable } from "../data-table.tsx";
import { DateTime } from "../date-time.tsx";
import { InputField, useFieldChecks } from "../form.tsx";
import { Countdown } from "./countdown.tsx";
import type { WithdrawalAddress } from "./types.ts";

/** The chain an address is on, as traders call it. */
export function networkLabel(network: string): string {
  return (
    { bitcoin: "Bitcoin", ethereum: "Ethereum (ERC-20)", solana: "Solana" }[network] ??
    network.charAt(0).toUpperCase() + network.slice(1)
  );
}

function StatusCell({ address }: { address: WithdrawalAddress }) {
  const revalidator = useRevalidator();
  // When the cooling-off ends the page reloads its data: the address becomes choosable.
  const refresh = useCallback(() => {
    if (revalidator.state === "idle") revalidator.revalidate();
  }, [revalidator]);
  if (address.status === "active") return <span className="status-positive">active</span>;
  return (
    <span className="status-warning" title={`Usable from ${address.activeAt}`}>
      pending, <Countdown until={address.activeAt} onDone={refresh} />
    </span>
  );
}

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
  { id: "network", header: "Network", cell: (address) => networkLabel(address.network) },
  { id: "label", header: "Label", cell: (address) => address.label },
  { id: "address", header: "Address", cell: (address) => <code>{address.address}</code> },
  { id: "status", header: "Status", cell: (address) => <StatusCell address={address} /> },
  {
    id: "added",
    header: "Added",
    className: "muted",
    cell: (address) => <DateTime value={address.createdAt} />,
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
  result,
}: {
  addresses: WithdrawalAddress[];
  assets: readonly string[];
  disabled: boolean;
  result: { intent?: string; message?: string; error?: { fields?: Record<string, string> } } | undefined;
}) {
  const mine = result?.intent === "add-address" ? result : undefined;
  const fields = mine?.error?.fields ?? {};
  const [code, setCode] = useState("");
  const checks = useFieldChecks<"address" | "totp">();
  const { reset } = checks;
  useEffect(() => {
    if (mine) {
      setCode("");
      reset();
    }
  }, [mine, reset]);
  const added = mine !== undefined && mine.error === undefined;
  return (
    <article className="panel">
      <h2>Whitelisted addresses</h2>
      {addresses.length > 0 ? (
        <DataTable testId="addresses" columns={COLUMNS} rows={addresses} rowKey={(address) => address.id} />
      ) : null}
      <Form
        // A new form after an address is added: the fields start empty.
        key={added ? `added-${addresses.length}` : "form"}
        method="post"
        className="form inline-form checked-form"
        data-testid="address-form"
        noValidate
      >
        <input type="hidden" name="intent" value="add-address" />
        <div className="field">
          <label htmlFor="address-asset">Asset</label>
          <select id="address-asset" name="asset">
            {assets.map((asset) => (
              <option key={asset}>{asset}</option>
            ))}
          </select>
        </div>
        <InputField
          form="address"
          name="address"
          label="Address"
          required
          maxLength={100}
          autoComplete="off"
          spellCheck={false}
          error={checks.shown("address", null, fields.address)}
          onChange={() => checks.edit("address")}
        />
        <InputField form="address" name="label" label="Label" maxLength={60} />
        <InputField
          form="address"
          name="totp"
          label="Code"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={12}
          value={code}
          error={checks.shown("totp", sixDigitCodeProblem(code), fields.totp)}
          onChange={(event) => {
            setCode(event.target.value);
            checks.edit("totp");
          }}
          onBlur={() => checks.blur("totp")}
        />
        <button className="button" type="submit" disabled={disabled}>
          Add address
        </button>
      </Form>
    </article>
  );
}
