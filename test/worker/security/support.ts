import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { ApiClient, STRONG_PASSWORD, uniqueEmail } from "../../support/api-client.ts";

/** The site's configured origin in the worker tests (SITE_ORIGIN in test/support/test-env.ts). */
export const ORIGIN = "http://example.com";
export const EVIL_ORIGIN = "https://evil.example";

let addressCounter = 0;
/**
 * Each call a new documentation address (RFC 5737), so per-address limits set by other tests
 * (or other runs of this one) never interfere.
 */
export function freshAddress(): string {
  addressCounter++;
  const run = Math.floor(Date.now() / 1000) % 250;
  return `203.0.${run}.${(addressCounter % 250) + 1}`;
}

export function newClient(ip = freshAddress()) {
  return new ApiClient(
    (input, init) =>
      SELF.fetch(input, {
        ...init,
        headers: { ...(init?.headers as Record<string, string>), "CF-Connecting-IP": ip },
      }),
    ORIGIN,
  );
}

export async function signedUpClient(prefix = "security") {
  const client = newClient();
  const email = uniqueEmail(prefix);
  const response = await client.post<{ user: { id: string } }>("/api/v1/auth/signup", {
    email,
    password: STRONG_PASSWORD,
  });
  expect(response.status).toBe(201);
  return { client, email, id: response.body.user.id };
}

/** A page form posted as a browser on the site would post it (no redirects followed). */
export function postPageForm(
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return SELF.fetch(`${ORIGIN}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      Origin: ORIGIN,
      Host: new URL(ORIGIN).host,
      "Content-Type": "application/x-www-form-urlencoded",
      "CF-Connecting-IP": freshAddress(),
      ...headers,
    },
    body: new URLSearchParams(fields).toString(),
  });
}
