import { env, SELF } from "cloudflare:test";
import { expect } from "vitest";
import { type Client, createDatabaseClient } from "../../../db/client.ts";
import { getConfig } from "../../../worker/env.ts";
import type { AssetCode } from "../../../worker/services/ledger/assets.ts";
import { ApiClient, STRONG_PASSWORD, uniqueEmail } from "../../support/api-client.ts";

export const ORIGIN = "http://example.com";
export const OPS_TOKEN = "test-ops-token-000000000000000000000000";

/** A libSQL client on the test database, created the one way the project creates clients. */
export function database(): Client {
  const config = getConfig(env);
  return createDatabaseClient({
    url: config.TURSO_DATABASE_URL,
    authToken: config.TURSO_AUTH_TOKEN,
    timeoutMs: 10_000,
  });
}

/** A user row written directly (no password hashing): for tests that drive the ledger, not auth. */
export async function insertUser(client: Client): Promise<{ id: string; email: string }> {
  const id = crypto.randomUUID();
  const email = uniqueEmail("ledger");
  await client.execute({
    sql: `INSERT INTO users (id, email, password_hash, role, referral_code, created_at_ms)
          VALUES (?, ?, 'test-only-no-login', 'trader', ?, ?)`,
    args: [id, email, `T${id.replaceAll("-", "").slice(0, 15).toUpperCase()}`, BigInt(Date.now())],
  });
  return { id, email };
}

/** A signed-up user with a session, through the public API. */
export async function signedUpClient(): Promise<{ client: ApiClient; user: { id: string; email: string } }> {
  const client = new ApiClient((input, init) => SELF.fetch(input, init), ORIGIN);
  const email = uniqueEmail("wallet");
  const response = await client.post<{ user: { id: string; email: string } }>("/api/v1/auth/signup", {
    email,
    password: STRONG_PASSWORD,
  });
  expect(response.status).toBe(201);
  return { client, user: response.body.user };
}

export function opsClient(): ApiClient {
  return new ApiClient((input, init) => SELF.fetch(input, init), ORIGIN);
}

export const opsHeaders = (key?: string): Record<string, string> => ({
  Authorization: `Bearer ${OPS_TOKEN}`,
  ...(key ? { "Idempotency-Key": key } : {}),
});

export interface WalletBody {
  asset: AssetCode;
  mode: "live" | "paper";
  available: string;
  locked: string;
  allocated: string;
}

export async function walletsOf(client: ApiClient): Promise<WalletBody[]> {
  const response = await client.get<{ wallets: WalletBody[] }>("/api/v1/wallets");
  expect(response.status).toBe(200);
  return response.body.wallets;
}

export function walletIn(wallets: WalletBody[], mode: "live" | "paper", asset: AssetCode): WalletBody {
  const wallet = wallets.find((candidate) => candidate.mode === mode && candidate.asset === asset);
  expect(wallet, `${mode} ${asset} wallet`).toBeDefined();
  return wallet as WalletBody;
}

export function key(label = "k"): string {
  return `${label}-${crypto.randomUUID()}`;
}
