import { spawn } from "node:child_process";

/**
 * Keeps one child process running for `npm start`: when `wrangler dev` dies (a crash, a signal,
 * an exhausted file-descriptor table under a burst of connections; see RUNBOOK.md), it is
 * started again after a backoff that doubles per crash (reset once a run lasted long enough),
 * and everything else `npm start` runs (the libSQL server, the Binance stand-in) keeps going.
 * A crash loop is bounded: more than `maxRestartsPerMinute` restarts within a minute and the
 * supervisor gives up, says so, and leaves the rest running for an operator to look at.
 *
 * The child is a factory's handle, so this logic runs in tests without spawning anything.
 */

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildHandle {
  readonly pid?: number | undefined;
  /** Settles once the child has exited. */
  readonly exit: Promise<ChildExit>;
  /** Asks the child (and what it started) to stop. */
  stop(): void;
}

type Level = "info" | "warn" | "error";

export interface SupervisorOptions {
  /** How the child is named in log lines. */
  name: string;
  start: () => ChildHandle;
  log: (level: Level, message: string, fields?: Record<string, unknown>) => void;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  maxRestartsPerMinute?: number;
  /** A run at least this long was healthy: the next crash waits the initial backoff again. */
  stableAfterMs?: number;
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * A child can also hang without exiting (wrangler dev, after restarting a workerd it lost,
   * answered nothing more): with a probe, a child that fails `failuresBeforeRestart` probes in a
   * row — once it has passed one, or once `startupGraceMs` is over — is stopped and restarted.
   */
  health?: HealthCheck;
}

export interface HealthCheck {
  /** One check: true when the child answers as it should. */
  probe: () => Promise<boolean>;
  intervalMs?: number;
  failuresBeforeRestart?: number;
  startupGraceMs?: number;
}

export type SupervisionEnd =
  | { reason: "stopped"; restarts: number }
  | { reason: "exited"; restarts: number; exit: ChildExit }
  | { reason: "gave_up"; restarts: number; exit: ChildExit };

export interface Supervisor {
  readonly done: Promise<SupervisionEnd>;
  /** Stops the child (if running) and ends supervision; no restart follows. */
  stop(): Promise<SupervisionEnd>;
  readonly current: ChildHandle | null;
}

const MINUTE_MS = 60_000;

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export function supervise(options: SupervisorOptions): Supervisor {
  const initialBackoffMs = options.initialBackoffMs ?? 1_000;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const maxRestartsPerMinute = options.maxRestartsPerMinute ?? 5;
  const stableAfterMs = options.stableAfterMs ?? 60_000;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const stopping = new AbortController();
  let current: ChildHandle | null = null;

  async function loop(): Promise<SupervisionEnd> {
    let restartTimesMs: number[] = [];
    let backoffMs = initialBackoffMs;
    let restarts = 0;
    // Bounded by the restart budget: every pass either returns or records one restart, and
    // more than maxRestartsPerMinute restarts within a minute returns.
    for (;;) {
      const startedAtMs = now();
      const child = options.start();
      current = child;
      const watching = new AbortController();
      const first = await Promise.race([
        child.exit,
        options.health ? watch(options.health, startedAtMs, watching.signal) : new Promise<never>(() => {}),
      ]);
      watching.abort();
      const hung = first === "unhealthy";
      if (hung && !stopping.signal.aborted) {
        options.log("warn", `${options.name} stopped answering its health check; stopping it`, {
          pid: child.pid,
        });
        child.stop();
      }
      const exit = await child.exit;
      current = null;
      if (stopping.signal.aborted) return { reason: "stopped", restarts };
      if (exit.code === 0 && !hung) {
        options.log("info", `${options.name} exited`, { code: 0 });
        return { reason: "exited", restarts, exit };
      }
      const exitedAtMs = now();
      if (exitedAtMs - startedAtMs >= stableAfterMs) backoffMs = initialBackoffMs;
      restartTimesMs = restartTimesMs.filter((atMs) => atMs > exitedAtMs - MINUTE_MS);
      if (restartTimesMs.length >= maxRestartsPerMinute) {
        options.log("error", `${options.name} keeps crashing; not restarting it`, {
          code: exit.code,
          signal: exit.signal,
          restartsInLastMinute: restartTimesMs.length,
          hint: "everything else keeps running; see RUNBOOK.md, then stop and start again",
        });
        return { reason: "gave_up", restarts, exit };
      }
      restarts++;
      options.log("warn", `${options.name} exited; restarting`, {
        code: exit.code,
        signal: exit.signal,
        ranMs: exitedAtMs - startedAtMs,
        restart: restarts,
        restartInMs: backoffMs,
      });
      await sleep(backoffMs, stopping.signal);
      if (stopping.signal.aborted) return { reason: "stopped", restarts };
      restartTimesMs.push(now());
      backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
    }
  }

  /** Settles "unhealthy" when the child fails its probe too often; never while it is healthy. */
  async function watch(health: HealthCheck, startedAtMs: number, signal: AbortSignal): Promise<"unhealthy"> {
    const intervalMs = health.intervalMs ?? 5_000;
    const failuresBeforeRestart = health.failuresBeforeRestart ?? 3;
    const startupGraceMs = health.startupGraceMs ?? 60_000;
    let answered = false;
    let failures = 0;
    // Ends with the child (the signal) or with a verdict; one probe per interval.
    while (!signal.aborted) {
      await sleep(intervalMs, signal);
      if (signal.aborted) break;
      const healthy = await health.probe().catch(() => false);
      if (healthy) {
        answered = true;
        failures = 0;
      } else if (answered || now() - startedAtMs >= startupGraceMs) {
        failures++;
        if (failures >= failuresBeforeRestart) return "unhealthy";
      }
    }
    return new Promise<never>(() => {});
  }

  const done = loop();
  return {
    done,
    get current() {
      return current;
    },
    async stop() {
      stopping.abort();
      current?.stop();
      return done;
    },
  };
}

/** How long a child may take to stop after SIGTERM before its process group is killed. */
const STOP_GRACE_MS = 5_000;

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone
  }
}

/**
 * A child process as a handle, leading its own process group, so that npx -> wrangler ->
 * workerd stop together; output passes through to this terminal. When the leader exits, what
 * is left of its group (a workerd still holding the port) is killed, so a restart can bind.
 */
export function spawnChild(command: string, args: string[], env: NodeJS.ProcessEnv): ChildHandle {
  const child = spawn(command, args, { stdio: "inherit", env, detached: true });
  let killTimer: NodeJS.Timeout | undefined;
  const exit = new Promise<ChildExit>((resolve) => {
    child.once("exit", (code, signal) => {
      clearTimeout(killTimer);
      if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
      resolve({ code, signal });
    });
    // A spawn that failed outright (no such command) never emits "exit".
    child.once("error", () => resolve({ code: 127, signal: null }));
  });
  return {
    pid: child.pid,
    exit,
    stop() {
      const pid = child.pid;
      if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(pid, "SIGTERM");
      killTimer = setTimeout(() => signalGroup(pid, "SIGKILL"), STOP_GRACE_MS);
      killTimer.unref();
    },
  };
}
