/** Secrets for the workerd test project only: fixed, obviously fake, never used elsewhere. */
export const TEST_SECRETS = {
  ENVIRONMENT: "test",
  LOG_LEVEL: "warn",
  OPS_TOKEN: "test-ops-token-000000000000000000000000",
  SESSION_SECRET: "test-session-secret-0000000000000000000",
  DATA_ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
} as const;
