import { and, count, eq, gte, inArray } from "drizzle-orm";
import type { Database } from "../../../db/client.ts";
import { users } from "../../../db/schema/users.ts";
import { ApiError } from "../../errors.ts";
import { REFERRAL_TERMS } from "./catalogue.ts";

/**
 * Who referred a new account, checked before the account exists. Refused with 400
 * `invalid_referral_code` (and nothing written):
 *   - a code that does not exist;
 *   - your own code: the new email is the referrer's, or the same mailbox under another alias
 *     (case, "+tag", dots in a Gmail address), anywhere up the referrer's chain;
 *   - code farming: the network the sign-up comes from (its /24, or /64 for IPv6) already
 *     brought REFERRAL_TERMS.maxSignupsPerNetworkPerDay referred accounts into the same
 *     referrer chain in the last 24 hours.
 * Rewards are one level only: a referrer earns from the people they referred, never from
 * those people's referees, so a chain of accounts earns its top nothing extra.
 */

export function normalisedMailbox(email: string): string {
  const [local = "", domain = ""] = email.trim().toLowerCase().split("@");
  const base = local.split("+")[0] ?? "";
  const gmail = domain === "gmail.com" || domain === "googlemail.com";
  return `${gmail ? base.replaceAll(".", "") : base}@${gmail ? "gmail.com" : domain}`;
}

/** The network an address belongs to, for counting sign-ups: /24 for IPv4, /64 for IPv6. */
export function networkOf(ipAddress: string): string {
  if (ipAddress.includes(":")) {
    const groups = ipAddress.split(":").slice(0, 4);
    return `${groups.join(":")}::/64`;
  }
  const octets = ipAddress.split(".");
  return octets.length === 4 ? `${octets.slice(0, 3).join(".")}.0/24` : ipAddress;
}

export async function referrerFor(
  db: Database,
  input: { code: string; email: string; ipAddress: string; nowMs: number },
): Promise<{ referrerId: string; network: string }> {
  const invalid = (message: string) =>
    new ApiError(400, "invalid_referral_code", message, { fields: { referralCode: message } });
  const code = input.code.trim().toUpperCase();
  const [referrer] = await db
    .select({ id: users.id, email: users.email, referredBy: users.referredBy })
    .from(users)
    .where(eq(users.referralCode, code))
    .limit(1);
  if (!referrer) throw invalid("That referral code does not exist.");
  // The referrer and those above them, a few levels up.
  const chain = [referrer];
  for (let depth = 1; depth < REFERRAL_TERMS.chainDepth; depth++) {
    const above = chain.at(-1)?.referredBy;
    if (!above || chain.some((member) => member.id === above)) break;
    const [next] = await db
      .select({ id: users.id, email: users.email, referredBy: users.referredBy })
      .from(users)
      .where(eq(users.id, above))
      .limit(1);
    if (!next) break;
    chain.push(next);
  }
  const mailbox = normalisedMailbox(input.email);
  if (chain.some((member) => normalisedMailbox(member.email) === mailbox)) {
    throw invalid("You cannot use your own referral code.");
  }
  const network = networkOf(input.ipAddress);
  const [recent] = await db
    .select({ n: count() })
    .from(users)
    .where(
      and(
        inArray(
          users.referredBy,
          chain.map((member) => member.id),
        ),
        eq(users.signupIpPrefix, network),
        gte(users.createdAtMs, input.nowMs - 86_400_000),
      ),
    );
  if (Number(recent?.n ?? 0) >= REFERRAL_TERMS.maxSignupsPerNetworkPerDay) {
    throw invalid("This referral code cannot take more sign-ups from your network today.");
  }
  return { referrerId: referrer.id, network };
}
