import { type ChildProcess, spawn } from "node:child_process";
import { wranglerEnvironment } from "../../scripts/wrangler-env.ts";
import { freePort, waitFor } from "../support/stack.ts";

/**
 * A bench-only Worker (its own wrangler config under test/bench/) under `wrangler dev` on a free
 * loopback port; resolves once `readyPath` answers 2xx. One way to start them for every bench.
 */
export async function startBenchWorker(options: {
  config: string;
  readyPath: string;
  vars?: Record<string, string>;
  /** wrangler's local state, when the Worker has Durable Objects. */
  persistTo?: string;
  /** Opens the Worker to DevTools (or a CDP client) for profiling. */
  inspectorPort?: string | undefined;
}): Promise<{ baseUrl: string; stop: () => void }> {
  const port = await freePort();
  const args = ["wrangler", "dev", "-c", options.config, "--ip", "127.0.0.1", "--port", String(port)];
  if (options.persistTo) args.push("--persist-to", options.persistTo);
  for (const [key, value] of Object.entries(options.vars ?? {})) args.push("--var", `${key}:${value}`);
  if (options.inspectorPort) args.push("--inspector-port", options.inspectorPort);
  const child: ChildProcess = spawn("npx", args, {
    env: wranglerEnvironment(process.env, { CI: "true" }),
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  const stop = () => {
    if (child.pid && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${baseUrl}${options.readyPath}`, 90_000, child, options.config);
  } catch (error) {
    stop();
    throw error;
  }
  return { baseUrl, stop };
}
