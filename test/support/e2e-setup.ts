import type { TestProject } from "vitest/node";
import { startStack } from "./stack.ts";
import { startTestExchange } from "./standin-control.ts";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    opsToken: string;
    logFile: string;
    stackLibsqlUrl: string;
    stackLibsqlAuthToken: string;
  }
}

/**
 * One stack for every Chromium test: the local libSQL server, `wrangler dev`, and the Binance
 * stand-in as the platform's exchange account (so LIVE orders from the Trade page reach it).
 */
export default async function setup(project: TestProject) {
  const exchange = await startTestExchange();
  const stack = await startStack({
    vars: {
      BINANCE_API_KEY: exchange.apiKey,
      BINANCE_API_SECRET: exchange.secretKey,
      BINANCE_BASE_URL: exchange.url,
    },
  });
  project.provide("baseUrl", stack.baseUrl);
  project.provide("opsToken", stack.opsToken);
  project.provide("logFile", stack.logFile);
  // The stack's database, for tests that set up what only a database operator can (an operator role).
  project.provide("stackLibsqlUrl", stack.libsqlUrl);
  project.provide("stackLibsqlAuthToken", stack.libsqlAuthToken);
  // The database itself, for what only an operator with database credentials may do (grant a role).
  project.provide("libsqlUrl", stack.libsqlUrl);
  project.provide("libsqlAuthToken", stack.libsqlAuthToken);
  return async () => {
    await stack.stop();
    await exchange.close();
  };
}
