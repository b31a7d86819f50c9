import type { Bindings } from "../../env.ts";
import { checkExact, identityKey, tooManyRequests } from "../rate-limit/exact.ts";
import { EXACT_POLICIES } from "../rate-limit/policies.ts";

const LOGIN_POLICIES = [
  {
    policy: EXACT_POLICIES.loginFailuresPerAccountAndIp,
    identity: (email: string, ip: string) => identityKey("account-ip", `${email}|${ip}`),
  },
  {
    policy: EXACT_POLICIES.loginFailuresPerIp,
    identity: (_email: string, ip: string) => identityKey("ip", ip),
  },
  {
    policy: EXACT_POLICIES.loginFailuresPerAccount,
    identity: (email: string) => identityKey("account", email),
  },
] as const;

/**
 * Before a password is checked: refuse when failures from this account/IP exceeded a limit.
 * Only failures are charged (below), so a customer logging in correctly is never slowed.
 */
export async function guardLoginAttempt(env: Pick<Bindings, "RATE_LIMITER">, email: string, ip: string) {
  const decisions = await Promise.all(
    LOGIN_POLICIES.map(async (entry) => ({
      policy: entry.policy,
      decision: await checkExact(env, await entry.identity(email, ip), entry.policy, { commit: false }),
    })),
  );
  const refused = decisions
    .filter((entry) => !entry.decision.allowed)
    .sort((a, b) => b.decision.retryAfterMs - a.decision.retryAfterMs)[0];
  if (refused) {
    throw tooManyRequests(
      refused.decision,
      refused.policy,
      "public",
      "Too many failed sign-in attempts. Try again later.",
    );
  }
}

export async function recordLoginFailure(env: Pick<Bindings, "RATE_LIMITER">, email: string, ip: string) {
  await Promise.all(
    LOGIN_POLICIES.map(async (entry) => checkExact(env, await entry.identity(email, ip), entry.policy)),
  );
}
