import Bowser from "bowser";

/**
 * A session's device as its owner recognises it — "Chrome on macOS", "Safari on iPhone" — from
 * the User-Agent it signed in with. Parsing user agents is a moving target (new browsers, new
 * OS names, frozen UA strings), so it is left to a maintained parser (bowser, README decision
 * record 040) rather than regular expressions of our own. Never used for any security decision:
 * a User-Agent is whatever the client says.
 */
export function deviceName(userAgent: string | null | undefined): string {
  const text = (userAgent ?? "").trim();
  if (text === "") return "Unknown device";
  let parsed: Bowser.Parser.ParsedResult;
  try {
    parsed = Bowser.parse(text.slice(0, 512));
  } catch {
    return "Unknown device";
  }
  const browser = parsed.browser.name?.trim();
  const model = parsed.platform.model?.trim();
  const os = parsed.os.name?.trim();
  const where = model && parsed.platform.type !== "desktop" ? model : os;
  if (browser && where) return `${browser} on ${where}`;
  if (browser) return browser;
  if (where) return `A browser on ${where}`;
  // Scripts (curl, API clients): their own first word is the clearest name.
  const product = /^[A-Za-z][\w.-]{0,40}/.exec(text)?.[0];
  return product ? `${product} (script or app)` : "Unknown device";
}
