import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/cloudflare";
import { myBots } from "../../worker/use-cases/bots.ts";
import { botAction } from "../utils/bots.server.ts";
import { withDependencies } from "../utils/dependencies.server.ts";
import { pageCaller } from "../utils/session.server.ts";

/**
 * The Bots page's server side: the cards through `myBots` (GET /bots), their buttons through
 * the use cases behind POST /bots/:id/start, /pause, /stop and /bots/kill-switch.
 */

export async function loader({ request, context }: LoaderFunctionArgs) {
  const caller = await withDependencies(() => pageCaller(context, request));
  const bots = await withDependencies(() => myBots(caller));
  // Runtimes are measured against the server's clock, once, so the server's HTML and the
  // browser's first render agree.
  return { bots, nowMs: Date.now() };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const caller = await withDependencies(() => pageCaller(context, request));
  return botAction(caller, await request.formData());
}
