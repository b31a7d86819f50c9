import { hashPassword, verifyPassword } from "../../worker/services/auth/password.ts";
import { createTotpSecret, matchTotpStep } from "../../worker/services/auth/totp.ts";

/**
 * Runs inside workerd for `npm run bench:auth`: each request does exactly one operation, so
 * the request time minus a no-op request's time is that operation's cost in the runtime.
 */
// Random values are not allowed at global scope in workerd: create on first request.
let secret: string | undefined;
let storedHash: string | undefined;

export default {
  async fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    switch (path) {
      case "/noop":
        return new Response("ok");
      case "/hash":
        storedHash = await hashPassword("benchmark passphrase 42");
        return new Response("ok");
      case "/verify": {
        storedHash ??= await hashPassword("benchmark passphrase 42");
        const result = await verifyPassword("benchmark passphrase 42", storedHash);
        return new Response(result.ok ? "ok" : "mismatch", { status: result.ok ? 200 : 500 });
      }
      case "/totp": {
        // A wrong code checks all three candidate steps: the worst case.
        secret ??= createTotpSecret();
        const step = await matchTotpStep(secret, "000000", Date.now());
        return new Response(step === null ? "ok" : "matched");
      }
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
