import type { Bindings } from "../../env.ts";
import { type Config, signupsPerAddressPerDay } from "../../env.ts";
import { checkExact, identityKey, tooManyRequests } from "../rate-limit/exact.ts";
import { signupPolicy } from "../rate-limit/policies.ts";

/**
 * Sign-ups per address, counted exactly in the RateLimiter object (record 037). One household
 * is one IPv4 address or one IPv6 /64 (the prefix a household is given, so walking its 2^64
 * addresses does not buy more accounts). Counted before the password is hashed, so a refused
 * sign-up costs no PBKDF2, and charged at that moment, so a burst cannot slip past the count;
 * a sign-up that fails after it (a race for one email) still counts, which is the safe side.
 */
export function signupAddress(ipAddress: string): string {
  const address = ipAddress.trim().toLowerCase().replace(/%.*$/, "");
  if (!address.includes(":")) return address;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (mapped?.[1]) return mapped[1];
  const halves = address.split("::");
  if (halves.length > 2) return address;
  const groupsOf = (part: string | undefined) =>
    part ? part.split(":").flatMap((group) => (group.includes(".") ? ["0", "0"] : [group])) : [];
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return address;
  const groups = [...head, ...Array<string>(missing).fill("0"), ...tail];
  const prefix = groups.slice(0, 4).map((group) => Number.parseInt(group, 16));
  if (prefix.some((value) => !Number.isInteger(value) || value < 0 || value > 0xffff)) return address;
  return `${prefix.map((value) => value.toString(16)).join(":")}::/64`;
}

export async function guardSignup(
  env: Pick<Bindings, "RATE_LIMITER">,
  config: Pick<Config, "ENVIRONMENT" | "SIGNUPS_PER_ADDRESS_PER_DAY">,
  ipAddress: string,
): Promise<void> {
  const policy = signupPolicy(signupsPerAddressPerDay(config));
  const decision = await checkExact(
    env,
    await identityKey("signup-address", signupAddress(ipAddress)),
    policy,
  );
  if (!decision.allowed) {
    throw tooManyRequests(
      decision,
      policy,
      "public",
      "Too many accounts were created from your network today. Try again later.",
    );
  }
}
