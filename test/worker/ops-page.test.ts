import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDatabaseClient } from "../../db/client.ts";
import { ApiClient, STRONG_PASSWORD, uniqueEmail } from "../support/api-client.ts";

const ORIGIN = "http://example.com";

async function signedIn() {
  const client = new ApiClient((input, init) => SELF.fetch(input, init), ORIGIN);
  const email = uniqueEmail("ops-page");
  const response = await client.post<{ user: { id: string } }>("/api/v1/auth/signup", {
    email,
    password: STRONG_PASSWORD,
  });
  return { client, userId: response.body.user.id };
}

describe("the Ops page", () => {
  it("is a 404 for traders and for anonymous visitors is a login redirect", async () => {
    const anonymous = await SELF.fetch(`${ORIGIN}/ops`, { redirect: "manual" });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("Location")).toContain("/login?redirectTo=%2Fops");
    const { client } = await signedIn();
    const trader = await SELF.fetch(`${ORIGIN}/ops`, { headers: { Cookie: client.cookie ?? "" } });
    expect(trader.status).toBe(404);
  });

  it("shows operators health, reconciliation and recent audit events", async () => {
    const { client, userId } = await signedIn();
    const database = createDatabaseClient({
      url: env.TURSO_DATABASE_URL as string,
      authToken: env.TURSO_AUTH_TOKEN as string,
    });
    await database.execute({ sql: "UPDATE users SET role = 'operator' WHERE id = ?", args: [userId] });
    const response = await SELF.fetch(`${ORIGIN}/ops`, { headers: { Cookie: client.cookie ?? "" } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('data-testid="ops-health"');
    expect(html).toContain('data-testid="ops-reconciliation"');
    expect(html).toContain('data-testid="ops-withdrawals"');
    expect(html).toContain("all checks pass");
    expect(html).toContain("account.signup");
    expect(html).toContain(">Operations</a>");
  });
});
