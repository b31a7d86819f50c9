import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Bot } from "../../durable-objects/bot/bot.ts";
import { UserLedger } from "../../durable-objects/user-ledger/user-ledger.ts";

describe("Durable Objects", () => {
  it("UserLedger answers ping over RPC", async () => {
    const stub = env.USER_LEDGER.get(env.USER_LEDGER.idFromName("user-1"));
    expect(await stub.ping()).toBe("pong");
    await runInDurableObject(stub, (instance) => {
      expect(instance).toBeInstanceOf(UserLedger);
    });
  });

  it("Bot answers ping over RPC", async () => {
    const stub = env.BOT.get(env.BOT.newUniqueId());
    expect(await stub.ping()).toBe("pong");
    await runInDurableObject(stub, (instance) => {
      expect(instance).toBeInstanceOf(Bot);
    });
  });
});
