/** Names from the API ("pro", "silver") as the pages show them ("Pro", "Silver"). */
export function displayName(name: string): string {
  return name.length === 0 ? name : `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

/** Where a fee discount comes from, as the trader knows it. */
export function discountSource(source: "plan" | "referral"): string {
  return source === "plan" ? "Bot plan" : "Referral welcome discount";
}
