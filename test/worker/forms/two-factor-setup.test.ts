import { SELF } from "cloudflare:test";
import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { FIELD_MESSAGES } from "../../../worker/services/forms/messages.ts";
import { errorCode } from "../../support/api-client.ts";
import { ORIGIN, postPageForm, signedUpClient } from "../security/support.ts";

/** A code for the step `offsetSteps` away from now (±1 is accepted by the server). */
async function codeFor(secret: string, offsetSteps = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });
}

/** A 6-digit code that is certainly not valid for `secret` now (none of the steps ±1). */
async function wrongCodeFor(secret: string): Promise<string> {
  const valid = new Set(await Promise.all([-1, 0, 1].map((offset) => codeFor(secret, offset))));
  for (let candidate = 0; candidate < 1000; candidate++) {
    const code = String(candidate).padStart(6, "0");
    if (!valid.has(code)) return code;
  }
  throw new Error("no wrong code found");
}

type Setup = { secret: string; otpauthUrl: string; qrSvg: string; expiresAt: string };

describe("2FA set-up cannot strand a user", () => {
  it("keeps the pending secret through a wrong code: set-up again returns it, and it still turns 2FA on", async () => {
    const { client } = await signedUpClient("2fa-setup");
    const first = await client.post<Setup>("/api/v1/2fa/setup");
    expect(first.status).toBe(200);
    expect(first.body.secret).toMatch(/^[A-Z2-7]+=*$/);
    expect(Date.parse(first.body.expiresAt)).toBeGreaterThan(Date.now());

    const wrong = await client.post("/api/v1/2fa/enable", { code: await wrongCodeFor(first.body.secret) });
    expect(wrong.status).toBe(403);
    expect(errorCode(wrong)).toBe("totp_invalid");

    // Asking again while it is pending answers with the SAME secret (and the same QR code).
    const again = await client.post<Setup>("/api/v1/2fa/setup");
    expect(again.status).toBe(200);
    expect(again.body.secret).toBe(first.body.secret);
    expect(again.body.otpauthUrl).toBe(first.body.otpauthUrl);
    expect(again.body.expiresAt).toBe(first.body.expiresAt);

    // The Security page shows the same key again, without any new set-up.
    const page = await SELF.fetch(`${ORIGIN}/security`, { headers: { Cookie: client.cookie ?? "" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(first.body.secret);

    const enable = await client.post<{ recoveryCodes: string[] }>("/api/v1/2fa/enable", {
      code: await codeFor(first.body.secret),
    });
    expect(enable.status).toBe(200);
    expect(enable.body.recoveryCodes).toHaveLength(10);
    const me = await client.get<{ user: { twoFactorEnabled: boolean } }>("/api/v1/me");
    expect(me.body.user.twoFactorEnabled).toBe(true);
  });

  it("answers a 5-digit typo with 'enter the 6-digit code' at the code field, before counting an attempt", async () => {
    const { client } = await signedUpClient("2fa-typo");
    const setup = await client.post<Setup>("/api/v1/2fa/setup");
    const typo = (await codeFor(setup.body.secret)).slice(0, 5);
    const response = await client.post<{
      error: { code: string; message: string; fields?: Record<string, string> };
    }>("/api/v1/2fa/enable", { code: typo });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("totp_invalid");
    expect(response.body.error.fields?.code).toBe(FIELD_MESSAGES.sixDigitCode);
    expect(response.body.error.message).toBe("Enter the 6-digit code");
    // The secret is untouched: the real code still turns 2FA on.
    const enable = await client.post("/api/v1/2fa/enable", { code: await codeFor(setup.body.secret) });
    expect(enable.status).toBe(200);
  });

  it("the log-in page answers a 5-digit typo with 'Enter the 6-digit code', not a recovery-code refusal", async () => {
    const { client, email } = await signedUpClient("2fa-login-typo");
    const setup = await client.post<Setup>("/api/v1/2fa/setup");
    expect((await client.post("/api/v1/2fa/enable", { code: await codeFor(setup.body.secret) })).status).toBe(
      200,
    );
    const passwordStep = await postPageForm("/login", {
      intent: "password",
      email,
      password: "correct-pony-battery-42",
      redirectTo: "/",
    });
    const html = await passwordStep.text();
    const challenge = /name="challenge" value="([^"]+)"/.exec(html)?.[1];
    expect(challenge).toBeTruthy();
    const codeStep = await postPageForm("/login", {
      intent: "code",
      challenge: challenge ?? "",
      code: "12345",
      redirectTo: "/",
    });
    const answer = await codeStep.text();
    expect(answer).toContain("Enter the 6-digit code");
    expect(answer).not.toContain("recovery code is not valid");
  });

  it("a lock-out says when to try again: 429 with Retry-After, and the page says it in words", async () => {
    const { client } = await signedUpClient("2fa-lockout");
    const setup = await client.post<Setup>("/api/v1/2fa/setup");
    const wrong = await wrongCodeFor(setup.body.secret);
    let locked: Awaited<ReturnType<typeof client.post>> | undefined;
    for (let attempt = 0; attempt < 10 && !locked; attempt++) {
      const response = await client.post("/api/v1/2fa/enable", { code: wrong });
      if (response.status === 429) locked = response;
    }
    expect(locked?.headers.get("Retry-After")).toMatch(/^\d+$/);
    const page = await postPageForm(
      "/security",
      { intent: "enable", code: wrong },
      { Cookie: client.cookie ?? "" },
    );
    expect(page.status).toBe(429);
    expect(Number(page.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await page.text()).toMatch(/Try again in \d+ (seconds|minutes)\./);
  });
});
