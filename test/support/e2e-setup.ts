import type { TestProject } from "vitest/node";
import { startStack } from "./stack.ts";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    opsToken: string;
    logFile: string;
  }
}

export default async function setup(project: TestProject) {
  const stack = await startStack();
  project.provide("baseUrl", stack.baseUrl);
  project.provide("opsToken", stack.opsToken);
  project.provide("logFile", stack.logFile);
  return () => stack.stop();
}
