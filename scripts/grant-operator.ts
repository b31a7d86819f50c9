import { createDatabaseClient } from "../db/client.ts";
import { appendAudit } from "../worker/services/audit/append.ts";
import { databaseTarget } from "./database-env.ts";

/**
 * `npm run ops:grant -- <email>`: gives an existing account the operator role (the Ops page
 * and ops API through a session). Audited. Run by someone with database credentials only.
 */
const email = process.argv[2]?.trim().toLowerCase();
if (!email) {
  console.error("usage: npm run ops:grant -- <email>");
  process.exit(2);
}
const target = databaseTarget();
const client = createDatabaseClient({ url: target.url, authToken: target.authToken, timeoutMs: 30_000 });
try {
  const result = await client.execute({
    sql: "UPDATE users SET role = 'operator' WHERE email = ? RETURNING id",
    args: [email],
  });
  const userId = result.rows[0]?.id;
  if (!userId) {
    console.error(`no account with email ${email}`);
    process.exitCode = 1;
  } else {
    await appendAudit(client, {
      event: "operator.granted",
      outcome: "success",
      actor: `cli:${process.env.USER ?? "unknown"}`,
      userId: String(userId),
    });
    console.log(`${email} is now an operator`);
  }
} finally {
  client.close();
}
