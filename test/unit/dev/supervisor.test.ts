import { describe, expect, it } from "vitest";
import {
  type ChildExit,
  type ChildHandle,
  type HealthCheck,
  supervise,
} from "../../../scripts/supervisor.ts";

/**
 * Finding 2 (issue #15): `npm start` restarts a crashed `wrangler dev` (a log line each time,
 * growing backoff, a bounded number of restarts per minute) and leaves the database running.
 * The supervisor is driven here with fake children and a fake clock: nothing is spawned.
 */
interface FakeChild extends ChildHandle {
  exitWith(exit: ChildExit): void;
  stopped: boolean;
}

function harness(
  options: { maxRestartsPerMinute?: number; stableAfterMs?: number; health?: HealthCheck } = {},
) {
  let clockMs = 1_000_000;
  const children: FakeChild[] = [];
  const sleeps: number[] = [];
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  let startedWaiter: (() => void) | null = null;
  const supervisor = supervise({
    name: "wrangler dev",
    start: () => {
      let settle!: (exit: ChildExit) => void;
      const exit = new Promise<ChildExit>((resolve) => {
        settle = resolve;
      });
      const child: FakeChild = {
        pid: 1000 + children.length,
        exit,
        stopped: false,
        stop() {
          child.stopped = true;
          settle({ code: null, signal: "SIGTERM" });
        },
        exitWith: (value) => settle(value),
      };
      children.push(child);
      startedWaiter?.();
      return child;
    },
    log: (level, message, fields = {}) => lines.push({ level, message, fields }),
    initialBackoffMs: 1_000,
    maxBackoffMs: 8_000,
    maxRestartsPerMinute: options.maxRestartsPerMinute ?? 5,
    stableAfterMs: options.stableAfterMs ?? 60_000,
    now: () => clockMs,
    sleep: async (ms) => {
      sleeps.push(ms);
      clockMs += ms;
      // A macrotask, so a health watcher's loop never starves the test.
      await new Promise((resolve) => setImmediate(resolve));
    },
    ...(options.health ? { health: options.health } : {}),
  });
  return {
    supervisor,
    children,
    sleeps,
    lines,
    clock: () => clockMs,
    advance: (ms: number) => {
      clockMs += ms;
    },
    /** Resolves once the nth child (1-based) has been started. */
    started: (count: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (children.length >= count) {
            startedWaiter = null;
            resolve();
          } else startedWaiter = check;
        };
        check();
      }),
  };
}

const crash: ChildExit = { code: 1, signal: null };

describe("the wrangler dev supervisor", () => {
  it("restarts a crashed child with a log line and a doubling backoff", async () => {
    const run = harness();
    await run.started(1);
    for (let index = 1; index <= 4; index++) {
      run.advance(100);
      run.children[index - 1]?.exitWith(index === 3 ? { code: null, signal: "SIGKILL" } : crash);
      await run.started(index + 1);
    }
    expect(run.sleeps).toEqual([1_000, 2_000, 4_000, 8_000]);
    const restarts = run.lines.filter((line) => line.message === "wrangler dev exited; restarting");
    expect(restarts).toHaveLength(4);
    expect(restarts[0]?.level).toBe("warn");
    expect(restarts[0]?.fields).toMatchObject({ code: 1, restartInMs: 1_000, restart: 1 });
    expect(restarts[2]?.fields).toMatchObject({ signal: "SIGKILL" });
    await run.supervisor.stop();
    expect(await run.supervisor.done).toMatchObject({ reason: "stopped" });
  });

  it("caps the backoff", async () => {
    const run = harness({ maxRestartsPerMinute: 100 });
    await run.started(1);
    for (let index = 1; index <= 6; index++) {
      run.children[index - 1]?.exitWith(crash);
      await run.started(index + 1);
    }
    expect(run.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    await run.supervisor.stop();
  });

  it("a child that ran long enough starts the backoff over", async () => {
    const run = harness({ stableAfterMs: 60_000 });
    await run.started(1);
    run.children[0]?.exitWith(crash);
    await run.started(2);
    run.children[1]?.exitWith(crash);
    await run.started(3);
    run.advance(120_000);
    run.children[2]?.exitWith(crash);
    await run.started(4);
    expect(run.sleeps).toEqual([1_000, 2_000, 1_000]);
    await run.supervisor.stop();
  });

  it("gives up after too many restarts within a minute, with an error line, and starts nothing more", async () => {
    const run = harness({ maxRestartsPerMinute: 3 });
    await run.started(1);
    for (let index = 1; index <= 3; index++) {
      run.children[index - 1]?.exitWith(crash);
      await run.started(index + 1);
    }
    run.children[3]?.exitWith(crash);
    const end = await run.supervisor.done;
    expect(end).toMatchObject({ reason: "gave_up", restarts: 3 });
    expect(run.children).toHaveLength(4);
    expect(run.lines.at(-1)).toMatchObject({
      level: "error",
      message: "wrangler dev keeps crashing; not restarting it",
    });
  });

  it("restarts spread over more than a minute are not a crash loop", async () => {
    const run = harness({ maxRestartsPerMinute: 2 });
    await run.started(1);
    for (let index = 1; index <= 5; index++) {
      run.advance(45_000);
      run.children[index - 1]?.exitWith(crash);
      await run.started(index + 1);
    }
    expect(run.children).toHaveLength(6);
    await run.supervisor.stop();
  });

  it("a clean exit (code 0) ends supervision without a restart", async () => {
    const run = harness();
    await run.started(1);
    run.children[0]?.exitWith({ code: 0, signal: null });
    expect(await run.supervisor.done).toMatchObject({ reason: "exited", exit: { code: 0 } });
    expect(run.children).toHaveLength(1);
  });

  it("stop() stops the running child and never restarts it", async () => {
    const run = harness();
    await run.started(1);
    await run.supervisor.stop();
    expect(run.children[0]?.stopped).toBe(true);
    expect(await run.supervisor.done).toMatchObject({ reason: "stopped" });
    expect(run.children).toHaveLength(1);
    expect(run.lines.some((line) => line.message.includes("restarting"))).toBe(false);
  });

  it("a child that stops answering its health check is stopped and restarted", async () => {
    const answers = [true, true, false, false, false];
    const run = harness({
      health: {
        probe: async () => answers.shift() ?? true,
        intervalMs: 5_000,
        failuresBeforeRestart: 3,
        startupGraceMs: 60_000,
      },
    });
    await run.started(2);
    expect(run.children[0]?.stopped).toBe(true);
    expect(run.lines.map((line) => line.message)).toEqual([
      "wrangler dev stopped answering its health check; stopping it",
      "wrangler dev exited; restarting",
    ]);
    await run.supervisor.stop();
  });

  it("probe failures while the child starts up are not counted until the grace is over", async () => {
    let probes = 0;
    const run = harness({
      health: {
        probe: async () => {
          probes++;
          return false;
        },
        intervalMs: 5_000,
        failuresBeforeRestart: 3,
        startupGraceMs: 60_000,
      },
    });
    const startedAtMs = run.clock();
    await run.started(2);
    // 11 probes inside the grace (at 5 s to 55 s), then 3 counted failures (60 s, 65 s, 70 s).
    expect(probes).toBe(14);
    expect(run.sleeps.slice(0, 14).reduce((sum, ms) => sum + ms, 0)).toBe(70_000);
    expect(run.clock() - startedAtMs).toBeGreaterThanOrEqual(70_000);
    await run.supervisor.stop();
  });
});
