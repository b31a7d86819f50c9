import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { defineRoutes } from "../routes.ts";
import { IDEMPOTENCY_KEY_HEADER } from "../services/ledger/request.ts";
import {
  codeInput,
  confirmBot,
  createBot,
  createBotInput,
  killSwitch,
  myBot,
  myBotEvents,
  myBots,
  opsKillInput,
  opsKillSwitch,
  pauseBot,
  startBot,
  stopBot,
} from "../use-cases/bots.ts";
import { opsCaller, userCaller } from "./caller.ts";
import { parseJsonBody, validate } from "./validation.ts";

/** Trading bots (API.md "Bots"): each handler parses, builds the caller, calls one use case. */

/** An Idempotency-Key makes creation retry-safe; without one every request is a new bot. */
function creationKey(c: Context<AppEnv>): string {
  const key = c.req.header(IDEMPOTENCY_KEY_HEADER);
  return key && /^[\x21-\x7e]{1,255}$/.test(key) ? `api:${key}` : `api-once:${crypto.randomUUID()}`;
}

const botId = (c: Context<AppEnv>) => c.req.param("id") ?? "";

export const botRoutes = defineRoutes([
  {
    method: "POST",
    path: "/bots",
    routeClass: "authenticated",
    handler: async (c) => {
      const caller = await userCaller(c);
      const body = await parseJsonBody(c, z.looseObject({}));
      const input = validate(createBotInput, { ...body, idempotencyKey: creationKey(c) });
      return c.json({ bot: await createBot(caller, input) }, 201);
    },
  },
  {
    method: "GET",
    path: "/bots",
    routeClass: "authenticated",
    handler: async (c) => c.json({ bots: await myBots(await userCaller(c)) }),
  },
  {
    method: "POST",
    path: "/bots/kill-switch",
    routeClass: "authenticated",
    handler: async (c) => c.json({ bots: await killSwitch(await userCaller(c)) }),
  },
  {
    method: "GET",
    path: "/bots/:id",
    routeClass: "authenticated",
    handler: async (c) => c.json({ bot: await myBot(await userCaller(c), botId(c)) }),
  },
  {
    method: "GET",
    path: "/bots/:id/events",
    routeClass: "authenticated",
    handler: async (c) => c.json({ events: await myBotEvents(await userCaller(c), botId(c)) }),
  },
  {
    method: "POST",
    path: "/bots/:id/confirm",
    routeClass: "authenticated",
    handler: async (c) => {
      const caller = await userCaller(c);
      const body = await parseJsonBody(c, codeInput);
      return c.json({ bot: await confirmBot(caller, botId(c), body) });
    },
  },
  {
    method: "POST",
    path: "/bots/:id/start",
    routeClass: "authenticated",
    handler: async (c) => {
      const caller = await userCaller(c);
      const body = await parseJsonBody(c, codeInput);
      return c.json({ bot: await startBot(caller, botId(c), body) });
    },
  },
  {
    method: "POST",
    path: "/bots/:id/pause",
    routeClass: "authenticated",
    handler: async (c) => c.json({ bot: await pauseBot(await userCaller(c), botId(c)) }),
  },
  {
    method: "POST",
    path: "/bots/:id/stop",
    routeClass: "authenticated",
    handler: async (c) => c.json({ bot: await stopBot(await userCaller(c), botId(c)) }),
  },
  {
    method: "POST",
    path: "/ops/bots/kill-switch",
    routeClass: "ops",
    handler: async (c) => {
      const caller = await opsCaller(c);
      const body = await parseJsonBody(c, opsKillInput);
      return c.json(await opsKillSwitch(caller, body));
    },
  },
]);
