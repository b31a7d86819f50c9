/** Secrets for the workerd test project only: fixed, obviously fake, never used elsewhere. */
export const TEST_SECRETS = {
  ENVIRONMENT: "test",
  LOG_LEVEL: "warn",
  OPS_TOKEN: "test-ops-token-000000000000000000000000",
  SESSION_SECRET: "test-session-secret-0000000000000000000",
  DATA_ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
  // The origin every worker test speaks from (SELF.fetch("http://example.com/…")); the CSRF
  // check compares Origin with it. test/support/stack.ts replaces it with wrangler dev's address.
  SITE_ORIGIN: "http://example.com",
} as const;
