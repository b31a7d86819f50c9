import { env, runInDurableObject, SELF } from "cloudflare:test";
import { generate } from "otplib";
import { expect } from "vitest";
import { type Client, createDatabase } from "../../../db/client.ts";
import type { HaltReporter } from "../../../worker/services/flows/flow.ts";
import { userLedger } from "../../../worker/services/ledger/client.ts";
import { constantGbpValuations, referenceGbpValuation } from "../../../worker/services/valuation/gbp.ts";
import { withdrawalConfig } from "../../../worker/services/withdrawals/config.ts";
import { WithdrawalDesk } from "../../../worker/services/withdrawals/desk.ts";
import { ApiClient, STRONG_PASSWORD, uniqueEmail } from "../../support/api-client.ts";
import { TEST_SECRETS } from "../../support/test-env.ts";
import { database } from "../ledger/support.ts";

/** Traders with 2FA, live funds and whitelisted addresses, driven through the public API. */

export const ORIGIN = "http://example.com";
export const OPS = { Authorization: `Bearer ${TEST_SECRETS.OPS_TOKEN}` };
export const BTC_ADDRESS = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";
export const FORM_HEADERS = {
  Origin: ORIGIN,
  Host: "example.com",
  "Content-Type": "application/x-www-form-urlencoded",
};

export interface Trader {
  client: ApiClient;
  id: string;
  email: string;
  secret: string | null;
}

export async function signUp(prefix = "flow"): Promise<Trader> {
  const client = new ApiClient((input, init) => SELF.fetch(input, init), ORIGIN);
  const email = uniqueEmail(prefix);
  const response = await client.post<{ user: { id: string } }>("/api/v1/auth/signup", {
    email,
    password: STRONG_PASSWORD,
  });
  expect(response.status).toBe(201);
  return { client, id: response.body.user.id, email, secret: null };
}

/** Time passing, for the replay rule: forget the last used TOTP step so a new code is fresh. */
export async function forgetUsedSteps(userId: string) {
  await runInDurableObject(
    env.USER_LEDGER.get(env.USER_LEDGER.idFromName(userId)),
    async (_instance, state) => {
      await state.storage.delete("totp");
    },
  );
}

export async function freshCode(trader: Trader): Promise<string> {
  await forgetUsedSteps(trader.id);
  return generate({ secret: trader.secret ?? "" });
}

export async function withTwoFactor(prefix?: string): Promise<Trader> {
  const trader = await signUp(prefix);
  const setup = await trader.client.post<{ secret: string }>("/api/v1/2fa/setup");
  trader.secret = setup.body.secret;
  const enable = await trader.client.post("/api/v1/2fa/enable", {
    code: await generate({ secret: trader.secret }),
  });
  expect(enable.status).toBe(200);
  return trader;
}

export async function addActiveAddress(trader: Trader, address = BTC_ADDRESS, asset = "BTC") {
  const added = await trader.client.post<{ id: string }>("/api/v1/withdrawal-addresses", {
    asset,
    address,
    label: "cold storage",
    totp: await freshCode(trader),
  });
  expect(added.status).toBe(201);
  // The cooling-off period passes.
  await database().execute({
    sql: "UPDATE withdrawal_addresses SET active_at_ms = 0 WHERE id = ?",
    args: [added.body.id],
  });
  return added.body.id;
}

export async function depositLive(trader: Pick<Trader, "email">, asset: string, amount: string) {
  const response = await SELF.fetch(`${ORIGIN}/api/v1/ops/deposits`, {
    method: "POST",
    headers: { ...OPS, "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID() },
    body: JSON.stringify({ email: trader.email, asset, amount, reference: `bank-${crypto.randomUUID()}` }),
  });
  expect(response.status).toBe(201);
}

/** A trader ready to withdraw BTC: 2FA on, 1 BTC in the live book, one active address. */
export async function readyToWithdraw(prefix?: string, deposit = "1.00000000") {
  const trader = await withTwoFactor(prefix);
  await depositLive(trader, "BTC", deposit);
  const addressId = await addActiveAddress(trader);
  return { trader, addressId };
}

/** Posts a page form as the trader's browser would. */
export async function postForm(trader: Trader, path: string, fields: Record<string, string>) {
  const response = await SELF.fetch(`${ORIGIN}${path}`, {
    method: "POST",
    headers: { Cookie: trader.client.cookie ?? "", ...FORM_HEADERS },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, html: await response.text() };
}

export async function rows(client: Client, sql: string, args: (string | number | bigint)[] = []) {
  return (await client.execute({ sql, args })).rows as unknown as Record<string, unknown>[];
}

/**
 * A libSQL client that fails chosen statements the ways networks and servers do: `before`
 * (never sent), or `after` (committed, answer lost). `pick` sees each statement's SQL.
 */
export function faultyClient(inner: Client, pick: (sql: string) => "before" | "after" | null): Client {
  const sqlOf = (statement: unknown) =>
    typeof statement === "string" ? statement : String((statement as { sql?: unknown }).sql ?? "");
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === "execute") {
        return async (statement: Parameters<Client["execute"]>[0]) => {
          const fault = pick(sqlOf(statement));
          if (fault === "before") throw new Error("injected: connection refused before sending");
          const result = await target.execute(statement);
          if (fault === "after") throw new Error("injected: committed, answer lost");
          return result;
        };
      }
      if (property === "batch") {
        return async (statements: Parameters<Client["batch"]>[0], mode?: Parameters<Client["batch"]>[1]) => {
          const faults = statements.map((statement) => pick(sqlOf(statement)));
          if (faults.includes("before")) throw new Error("injected: connection refused before sending");
          const result = await target.batch(statements, mode);
          if (faults.includes("after")) throw new Error("injected: committed, answer lost");
          return result;
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

/**
 * A withdrawal desk as the user's object builds it, over a chosen client (faulty or not), but
 * valuing at the fixed last-resort prices (BTC 50,000 GBP) instead of the moving market, so that
 * which withdrawals need approval does not depend on when the test runs.
 */
export function withdrawalDesk(
  userId: string,
  client: Client,
  reportHalt?: HaltReporter,
  now: () => number = Date.now,
) {
  return new WithdrawalDesk(userId, {
    db: createDatabase(client),
    client,
    ledger: userLedger(env, userId),
    config: withdrawalConfig(env),
    valuations: constantGbpValuations(referenceGbpValuation()),
    now,
    reportHalt,
  });
}
