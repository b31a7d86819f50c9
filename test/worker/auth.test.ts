import { SELF } from "cloudflare:test";
import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { ApiClient, errorCode, STRONG_PASSWORD, uniqueEmail } from "../support/api-client.ts";

const ORIGIN = "http://example.com";
const newClient = () => new ApiClient((input, init) => SELF.fetch(input, init), ORIGIN);

/** A code for the step `offsetSteps` away from now (±1 is accepted by the server). */
async function codeFor(secret: string, offsetSteps = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });
}

async function signUp(client: ApiClient, email = uniqueEmail()) {
  const response = await client.post("/api/v1/auth/signup", { email, password: STRONG_PASSWORD });
  expect(response.status).toBe(201);
  return { email, user: (response.body as { user: { id: string; email: string } }).user };
}

async function enableTwoFactor(client: ApiClient) {
  const setup = await client.post<{ secret: string; otpauthUrl: string; qrSvg: string }>("/api/v1/2fa/setup");
  expect(setup.status).toBe(200);
  const enable = await client.post<{ recoveryCodes: string[] }>("/api/v1/2fa/enable", {
    code: await codeFor(setup.body.secret),
  });
  expect(enable.status).toBe(200);
  return { secret: setup.body.secret, recoveryCodes: enable.body.recoveryCodes };
}

describe("sign up, me, log out, log in", () => {
  it("signs up with a normalised email and a session cookie", async () => {
    const client = newClient();
    const email = uniqueEmail("Mixed");
    const response = await client.post("/api/v1/auth/signup", {
      email: `  ${email.toUpperCase()} `,
      password: STRONG_PASSWORD,
    });
    expect(response.status).toBe(201);
    const user = (response.body as { user: { id: string; email: string } }).user;
    expect(user.email).toBe(email.toLowerCase());
    const setCookie = response.headers.get("Set-Cookie") ?? "";
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Secure/); // not localhost: Secure is never relaxed here
    const me = await client.get("/api/v1/me");
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ user: { id: user.id, email: email.toLowerCase(), twoFactorEnabled: false } });
  });

  it("refuses weak passwords, bad emails and JSON numbers with field errors", async () => {
    const client = newClient();
    const short = await client.post("/api/v1/auth/signup", { email: uniqueEmail(), password: "short" });
    expect(short.status).toBe(400);
    expect(errorCode(short)).toBe("invalid_request");
    expect((short.body as { error: { fields: Record<string, string> } }).error.fields.password).toBeDefined();
    const common = await client.post("/api/v1/auth/signup", {
      email: uniqueEmail(),
      password: "password1234",
    });
    expect(common.status).toBe(400);
    const badEmail = await client.post("/api/v1/auth/signup", {
      email: "not-an-email",
      password: STRONG_PASSWORD,
    });
    expect((badEmail.body as { error: { fields: Record<string, string> } }).error.fields.email).toBeDefined();
    const number = await client.post("/api/v1/auth/signup", { email: 42, password: STRONG_PASSWORD });
    expect(number.status).toBe(400);
    expect(client.cookie).toBeNull();
  });

  it("refuses a duplicate email and an unknown referral code", async () => {
    const { email } = await signUp(newClient());
    const again = await newClient().post("/api/v1/auth/signup", { email, password: STRONG_PASSWORD });
    expect(again.status).toBe(409);
    const referral = await newClient().post("/api/v1/auth/signup", {
      email: uniqueEmail(),
      password: STRONG_PASSWORD,
      referralCode: "NOPE0000",
    });
    expect(referral.status).toBe(400);
    expect(errorCode(referral)).toBe("invalid_referral_code");
  });

  it("gives the same answer for an unknown email and a wrong password", async () => {
    const { email } = await signUp(newClient());
    const wrongPassword = await newClient().post("/api/v1/auth/login", {
      email,
      password: "wrong-password-123",
    });
    const unknownEmail = await newClient().post("/api/v1/auth/login", {
      email: uniqueEmail("ghost"),
      password: "wrong-password-123",
    });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(errorCode(wrongPassword)).toBe("invalid_credentials");
    expect((wrongPassword.body as { error: { message: string } }).error.message).toBe(
      (unknownEmail.body as { error: { message: string } }).error.message,
    );
  });

  it("logs out (204), after which the old cookie is worthless", async () => {
    const client = newClient();
    await signUp(client);
    const oldCookie = client.cookie;
    expect((await client.post("/api/v1/auth/logout")).status).toBe(204);
    const replay = newClient();
    replay.cookie = oldCookie;
    const me = await replay.get("/api/v1/me");
    expect(me.status).toBe(401);
    expect(errorCode(me)).toBe("unauthenticated");
  });

  it("rotates the session on login: the pre-login session is revoked", async () => {
    const client = newClient();
    const { email } = await signUp(client);
    const before = client.cookie;
    const login = await client.post("/api/v1/auth/login", { email, password: STRONG_PASSWORD });
    expect(login.status).toBe(200);
    expect(client.cookie).not.toBe(before);
    const stale = newClient();
    stale.cookie = before;
    expect((await stale.get("/api/v1/me")).status).toBe(401);
    expect((await client.get("/api/v1/me")).status).toBe(200);
  });
});

describe("CSRF", () => {
  it("refuses a cross-origin state change that carries the session cookie", async () => {
    const client = newClient();
    await signUp(client);
    const response = await SELF.fetch(`${ORIGIN}/api/v1/2fa/setup`, {
      method: "POST",
      headers: {
        Cookie: client.cookie ?? "",
        Origin: "https://evil.example",
        "Content-Type": "application/json",
      },
      body: "{}",
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("csrf_failed");
    const noOrigin = await SELF.fetch(`${ORIGIN}/api/v1/auth/logout`, {
      method: "POST",
      headers: { Cookie: client.cookie ?? "", "Sec-Fetch-Site": "cross-site" },
    });
    expect(noOrigin.status).toBe(403);
    // The session survived both attempts.
    expect((await client.get("/api/v1/me")).status).toBe(200);
  });
});

describe("TOTP two-factor", () => {
  it("setup returns a secret, an otpauth URI and an SVG QR code; enable gives 10 recovery codes", async () => {
    const client = newClient();
    const { email } = await signUp(client);
    const setup = await client.post<{ secret: string; otpauthUrl: string; qrSvg: string }>(
      "/api/v1/2fa/setup",
    );
    expect(setup.body.secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits of base32
    expect(setup.body.otpauthUrl).toContain("otpauth://totp/");
    expect(setup.body.otpauthUrl).toContain(encodeURIComponent(email).replace("%40", "@").slice(0, 5));
    expect(setup.body.qrSvg).toMatch(/^<svg/);
    const wrong = await client.post("/api/v1/2fa/enable", { code: "000000" });
    expect(wrong.status).toBe(403);
    expect(errorCode(wrong)).toBe("totp_invalid");
    const before = client.cookie;
    const enable = await client.post<{ recoveryCodes: string[] }>("/api/v1/2fa/enable", {
      code: await codeFor(setup.body.secret),
    });
    expect(enable.status).toBe(200);
    expect(enable.body.recoveryCodes).toHaveLength(10);
    expect(new Set(enable.body.recoveryCodes).size).toBe(10);
    expect(client.cookie).not.toBe(before); // step-up rotates the session
    const me = await client.get<{ user: { twoFactorEnabled: boolean } }>("/api/v1/me");
    expect(me.body.user.twoFactorEnabled).toBe(true);
    const again = await client.post("/api/v1/2fa/setup");
    expect(again.status).toBe(409);
  });

  it("login needs the code: totp_required, totp_invalid, then success; a replayed code is refused", async () => {
    const client = newClient();
    const { email } = await signUp(client);
    const { secret } = await enableTwoFactor(client);
    const noCode = await newClient().post("/api/v1/auth/login", { email, password: STRONG_PASSWORD });
    expect(noCode.status).toBe(401);
    expect(errorCode(noCode)).toBe("totp_required");
    expect(noCode.headers.get("Set-Cookie")).toBeNull();
    const wrong = await newClient().post("/api/v1/auth/login", {
      email,
      password: STRONG_PASSWORD,
      totp: "123456",
    });
    expect(wrong.status).toBe(401);
    expect(errorCode(wrong)).toBe("totp_invalid");
    // The enrolment used the current step; the next step's code is fresh.
    const code = await codeFor(secret, 1);
    const ok = await newClient().post("/api/v1/auth/login", { email, password: STRONG_PASSWORD, totp: code });
    expect(ok.status).toBe(200);
    const replay = await newClient().post("/api/v1/auth/login", {
      email,
      password: STRONG_PASSWORD,
      totp: code,
    });
    expect(replay.status).toBe(401);
    expect(errorCode(replay)).toBe("totp_invalid");
  });

  it("disabling needs a fresh code", async () => {
    const client = newClient();
    await signUp(client);
    const { secret } = await enableTwoFactor(client);
    const missing = await client.post("/api/v1/2fa/disable", {});
    expect(missing.status).toBe(403);
    expect(errorCode(missing)).toBe("totp_required");
    const wrong = await client.post("/api/v1/2fa/disable", { totp: "999999" });
    expect(wrong.status).toBe(403);
    expect(errorCode(wrong)).toBe("totp_invalid");
    const used = await client.post("/api/v1/2fa/disable", { totp: await codeFor(secret) });
    expect(used.status).toBe(403); // the enrolment already used the current step
    const ok = await client.post("/api/v1/2fa/disable", { totp: await codeFor(secret, 1) });
    expect(ok.status).toBe(204);
    const me = await client.get<{ user: { twoFactorEnabled: boolean } }>("/api/v1/me");
    expect(me.body.user.twoFactorEnabled).toBe(false);
  });

  it("throttles wrong codes: after 5 failures, 429 with Retry-After even for a right code", async () => {
    const client = newClient();
    await signUp(client);
    const { secret } = await enableTwoFactor(client);
    for (let attempt = 0; attempt < 5; attempt++) {
      const response = await client.post("/api/v1/2fa/disable", { totp: "111111" });
      expect(response.status).toBe(403);
    }
    const throttled = await client.post("/api/v1/2fa/disable", { totp: await codeFor(secret, 1) });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get("Retry-After"))).toBeGreaterThan(0);
    const me = await client.get<{ user: { twoFactorEnabled: boolean } }>("/api/v1/me");
    expect(me.body.user.twoFactorEnabled).toBe(true);
  });

  it("a recovery code logs in once", async () => {
    const client = newClient();
    const { email } = await signUp(client);
    const { recoveryCodes } = await enableTwoFactor(client);
    const code = recoveryCodes[0] ?? "";
    const first = await newClient().post("/api/v1/auth/login", {
      email,
      password: STRONG_PASSWORD,
      recoveryCode: code,
    });
    expect(first.status).toBe(200);
    const second = await newClient().post("/api/v1/auth/login", {
      email,
      password: STRONG_PASSWORD,
      recoveryCode: code,
    });
    expect(second.status).toBe(401);
    expect(errorCode(second)).toBe("totp_invalid");
  });
});

describe("sessions", () => {
  it("lists own sessions and revokes one; other users cannot see or revoke them", async () => {
    const first = newClient();
    const { email } = await signUp(first);
    const second = newClient();
    await second.post("/api/v1/auth/login", { email, password: STRONG_PASSWORD });
    const list = await first.get<{ sessions: { id: string; current: boolean; userAgent: string }[] }>(
      "/api/v1/sessions",
    );
    expect(list.body.sessions).toHaveLength(2);
    const other = list.body.sessions.find((session) => !session.current);
    expect(other).toBeDefined();
    const stranger = newClient();
    await signUp(stranger);
    expect((await stranger.delete(`/api/v1/sessions/${other?.id}`)).status).toBe(404);
    expect((await first.delete(`/api/v1/sessions/${other?.id}`)).status).toBe(204);
    expect((await second.get("/api/v1/me")).status).toBe(401);
    expect((await first.get("/api/v1/me")).status).toBe(200);
  });

  it("changing the password revokes other sessions and locks withdrawals", async () => {
    const first = newClient();
    const { email } = await signUp(first);
    const second = newClient();
    await second.post("/api/v1/auth/login", { email, password: STRONG_PASSWORD });
    const change = await first.post("/api/v1/auth/password", {
      currentPassword: STRONG_PASSWORD,
      newPassword: "a-brand-new-passphrase-7",
    });
    expect(change.status).toBe(204);
    expect((await second.get("/api/v1/me")).status).toBe(401);
    expect((await first.get("/api/v1/me")).status).toBe(200);
    const oldLogin = await newClient().post("/api/v1/auth/login", { email, password: STRONG_PASSWORD });
    expect(oldLogin.status).toBe(401);
  });

  it("the API refuses requests without a session", async () => {
    const response = await newClient().get("/api/v1/sessions");
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe("unauthenticated");
  });
});
