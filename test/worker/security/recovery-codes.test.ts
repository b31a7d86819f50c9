import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { type ApiClient, errorCode, STRONG_PASSWORD } from "../../support/api-client.ts";
import { forgetUsedSteps } from "../flows/support.ts";
import { newClient, signedUpClient } from "./support.ts";

/**
 * Finding 4 (issue #15): recovery codes are a second factor like TOTP codes, so guessing them
 * is throttled by the same per-user limiter (5 wrong factors in 5 minutes), and a recovery
 * code does not open an account whose TOTP guessing is being throttled.
 */
async function userWithTwoFactor() {
  const { client, email, id } = await signedUpClient("recovery");
  const setup = await client.post<{ secret: string }>("/api/v1/2fa/setup");
  const enable = await client.post<{ recoveryCodes: string[] }>("/api/v1/2fa/enable", {
    code: await generate({ secret: setup.body.secret }),
  });
  expect(enable.status).toBe(200);
  return { email, id, secret: setup.body.secret, recoveryCodes: enable.body.recoveryCodes };
}

function logIn(client: ApiClient, email: string, factor: { totp?: string; recoveryCode?: string }) {
  return client.post("/api/v1/auth/login", { email, password: STRONG_PASSWORD, ...factor });
}

const WRONG_RECOVERY_CODE = "aaaa-bbbb-cccc-dddd";

describe("recovery codes share the second-factor limiter", () => {
  it("guessing recovery codes is throttled after 5 wrong ones, even for a right one", async () => {
    const { email, recoveryCodes } = await userWithTwoFactor();
    const attacker = newClient();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 7; attempt++) {
      statuses.push((await logIn(attacker, email, { recoveryCode: WRONG_RECOVERY_CODE })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const right = await logIn(attacker, email, { recoveryCode: recoveryCodes[0] ?? "" });
    expect(right.status).toBe(429);
    expect(errorCode(right)).toBe("too_many_attempts");
    expect(Number(right.headers.get("Retry-After"))).toBeGreaterThan(0);
  });

  it("a recovery code does not work while TOTP guessing is throttled, and is not used up", async () => {
    const { email, id, secret, recoveryCodes } = await userWithTwoFactor();
    const attacker = newClient();
    for (let attempt = 0; attempt < 5; attempt++) {
      const wrong = await logIn(attacker, email, { totp: "000000" });
      expect([401, 429]).toContain(wrong.status);
    }
    expect((await logIn(attacker, email, { totp: "000000" })).status).toBe(429);
    const recovery = await logIn(newClient(), email, { recoveryCode: recoveryCodes[1] ?? "" });
    expect(recovery.status).toBe(429);
    expect(errorCode(recovery)).toBe("too_many_attempts");
    // Once the window has passed (here: the guard's state forgotten), the same code still works.
    await forgetUsedSteps(id);
    const later = await logIn(newClient(), email, { recoveryCode: recoveryCodes[1] ?? "" });
    expect(later.status).toBe(200);
    expect(secret).toBeTruthy();
  });

  it("a recovery code typed into the TOTP field counts the same way", async () => {
    const { email } = await userWithTwoFactor();
    const attacker = newClient();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      statuses.push((await logIn(attacker, email, { totp: WRONG_RECOVERY_CODE.replaceAll("-", "") })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it("a customer's own recovery code still signs them in, once", async () => {
    const { email, recoveryCodes } = await userWithTwoFactor();
    const first = await logIn(newClient(), email, { recoveryCode: recoveryCodes[2] ?? "" });
    expect(first.status).toBe(200);
    const again = await logIn(newClient(), email, { recoveryCode: recoveryCodes[2] ?? "" });
    expect(again.status).toBe(401);
    expect(errorCode(again)).toBe("totp_invalid");
  });
});
